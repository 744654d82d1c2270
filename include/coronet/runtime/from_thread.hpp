// Calling into a running loop from a plain thread and blocking for the result
// (AnyIO's from_thread.run / run_sync, Trio's trio.from_thread).
//
//     // In a worker started by to_thread::run_sync, or any other thread:
//     int n = from_thread::run(loop, [] { return count_connections(); });  // a Task<int>
//     from_thread::run_sync(loop, [&] { registry.erase(key); });           // a plain call
//
// `run` starts the task the callable returns on the loop (as a detached task,
// not inside any cancel scope) and blocks until it finishes; `run_sync` runs
// the callable as a loop callback. The result is returned, an exception is
// rethrown in the calling thread. The loop must keep running until the call
// returns (true for a worker of to_thread::run_sync: its awaiter keeps the
// loop busy). Calling either from the loop's own thread is a
// std::logic_error: the loop would wait for itself forever.
#pragma once

#include <exception>
#include <future>
#include <memory>
#include <type_traits>
#include <utility>

#include "coronet/runtime/detail/detached_task.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

namespace detail {

// std::logic_error if the calling thread runs `loop` (it would deadlock).
void check_not_loop_thread(const Loop& loop, const char* what);

template <class T, class F>
void fulfil(std::promise<T>& promise, F& fn) {
    try {
        if constexpr (std::is_void_v<T>) {
            fn();
            promise.set_value();
        } else {
            promise.set_value(fn());
        }
    } catch (...) {
        promise.set_exception(std::current_exception());
    }
}

template <class T, class F>
Task<void> fulfil_async(std::shared_ptr<std::promise<T>> promise, F* fn) {
    try {
        if constexpr (std::is_void_v<T>) {
            co_await (*fn)();
            promise->set_value();
        } else {
            // The awaited Task dies with this statement, before the caller
            // wakes up and destroys `fn`.
            T value = co_await (*fn)();
            promise->set_value(std::move(value));
        }
    } catch (...) {
        promise->set_exception(std::current_exception());
    }
}

}  // namespace detail

namespace from_thread {

// Runs fn() (a plain callable) on the loop and returns its result.
template <class F>
requires std::is_invocable_v<F&>
auto run_sync(Loop& loop, F fn) -> std::invoke_result_t<F&> {
    using T = std::invoke_result_t<F&>;
    detail::check_not_loop_thread(loop, "from_thread::run_sync");
    auto promise = std::make_shared<std::promise<T>>();
    auto result = promise->get_future();
    // `fn` lives in this frame, which blocks below until the call is over.
    loop.call_soon_threadsafe([promise, &fn] { detail::fulfil(*promise, fn); });
    return result.get();
}

// Runs the task fn() returns on the loop and returns its result.
template <class F>
requires std::is_invocable_v<F&> && is_task<std::invoke_result_t<F&>>::value auto run(Loop& loop,
                                                                                      F fn) ->
    typename std::invoke_result_t<F&>::value_type {
    using T = typename std::invoke_result_t<F&>::value_type;
    detail::check_not_loop_thread(loop, "from_thread::run");
    auto promise = std::make_shared<std::promise<T>>();
    auto result = promise->get_future();
    F* callable = &fn;  // lives in this frame until the task has finished
    loop.call_soon_threadsafe([promise, callable, &loop] {
        detail::spawn_detached(loop, detail::fulfil_async<T>(promise, callable));
    });
    return result.get();
}

}  // namespace from_thread

}  // namespace coronet
