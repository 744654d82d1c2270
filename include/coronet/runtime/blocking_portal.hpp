// A loop running in its own thread, for synchronous code that needs to call
// async code (AnyIO's start_blocking_portal).
//
//     BlockingPortal portal;                                  // starts the thread
//     int n = portal.call([] -> Task<int> { co_await sleep(10ms); co_return 42; });
//     portal.call([] { std::puts("on the portal's loop"); }); // plain callables too
//     portal.stop();                                          // or let the destructor do it
//
// Every call runs as a task of a task group that the portal's loop hosts, so
// `stop(true)` can cancel the calls still running (their callers get
// Cancelled) and `stop()` waits for them. call() blocks the calling thread
// until the result is there and rethrows the callable's exception. Calling
// from the portal's own loop is a std::logic_error (it would deadlock); calling
// after stop() is a ClosedResourceError. The portal's thread blocks all
// signals, like every thread coronet starts.
#pragma once

#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

#include "coronet/runtime/from_thread.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/runtime/task_group.hpp"

namespace coronet {

class BlockingPortal {
  public:
    explicit BlockingPortal(LoopOptions options = {});
    BlockingPortal(const BlockingPortal&) = delete;
    BlockingPortal& operator=(const BlockingPortal&) = delete;
    ~BlockingPortal();

    // Runs fn on the portal's loop: a task when fn returns a Task, a plain
    // call otherwise. Returns its result; any thread but the portal's.
    template <class F>
    requires std::is_invocable_v<F&>
    auto call(F fn);

    // Ends the loop and joins its thread. With cancel_remaining the calls
    // still running are cancelled; otherwise they are waited for.
    // Idempotent; rethrows a failure of the portal's loop itself.
    void stop(bool cancel_remaining = false);

    bool running() const;
    Loop& loop() noexcept { return *loop_; }

  private:
    void post(std::function<void(TaskGroup&)> fn);
    Task<void> host();
    void run_thread(LoopOptions options, std::promise<void>& started);

    mutable std::mutex mutex_;
    Loop* loop_ = nullptr;
    TaskGroup* group_ = nullptr;                  // portal thread only
    detail::TaskContext* stop_waiter_ = nullptr;  // portal thread only
    bool stop_requested_ = false;                 // portal thread only
    bool cancel_remaining_ = false;               // portal thread only
    bool stopping_ = false;                       // guarded by mutex_
    std::exception_ptr failure_;
    std::thread thread_;
};

template <class F>
requires std::is_invocable_v<F&>
auto BlockingPortal::call(F fn) {
    using R = std::invoke_result_t<F&>;
    detail::check_not_loop_thread(*loop_, "BlockingPortal::call");
    if constexpr (is_task<R>::value) {
        using T = typename R::value_type;
        auto promise = std::make_shared<std::promise<T>>();
        auto result = promise->get_future();
        F* callable = &fn;  // lives in this frame until the task has finished
        post([promise, callable](TaskGroup& group) {
            group.spawn(detail::fulfil_async<T>(promise, callable));
        });
        return result.get();
    } else {
        auto promise = std::make_shared<std::promise<R>>();
        auto result = promise->get_future();
        post([promise, &fn](TaskGroup&) { detail::fulfil(*promise, fn); });
        return result.get();
    }
}

}  // namespace coronet
