// Running blocking code in a worker thread (AnyIO's to_thread.run_sync,
// Trio's to_thread.run_sync, asyncio's to_thread).
//
//     std::string text = co_await to_thread::run_sync([&] { return read_whole_file(path); });
//
//     // Give up waiting at once when cancelled; the thread finishes on its own
//     // and its result is thrown away:
//     co_await to_thread::run_sync(slow_lookup, {.cancellable = true});
//
// The call borrows a token from a CapacityLimiter first (the loop's default
// one, 40 tokens as in AnyIO, unless `limiter` names another), then runs `fn`
// on the loop thread's ThreadPool. The token is given back when the await
// ends (also when a cancellable call is abandoned: the abandoned thread then
// no longer counts, as in AnyIO). An exception thrown by `fn` is rethrown to the awaiter.
//
// Cancellation:
// - cancellable = false (the default): the task keeps waiting until `fn`
//   returns, and gets its result; the cancellation is raised at the task's
//   next checkpoint. Nothing is ever left running behind the task's back.
// - cancellable = true: the await raises Cancelled at once; the thread keeps
//   running `fn` to its end and its result is destroyed there, unseen. `fn`
//   must then not use anything the task owned (capture by value).
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "coronet/runtime/capacity_limiter.hpp"
#include "coronet/runtime/detail/task_context.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

namespace to_thread {
struct RunSyncOptions {
    bool cancellable = false;
    CapacityLimiter* limiter = nullptr;  // nullptr: current_default_thread_limiter()
};

// The default limiter of the calling loop thread (40 tokens). One loop per
// thread, so it is the loop's; change its total_tokens to allow more.
CapacityLimiter& current_default_thread_limiter();
}  // namespace to_thread

namespace detail {

// State shared by the awaiting task and the worker. The worker touches only
// this object (never the awaiter, which may be gone once abandoned) and posts
// to the loop only while the task still waits, so the loop is alive then.
struct ThreadCallBase : std::enable_shared_from_this<ThreadCallBase> {
    virtual ~ThreadCallBase() = default;
    virtual void invoke() noexcept = 0;  // on the worker

    // Worker side: runs the call and reports (thread_call.cpp).
    void run_on_worker() noexcept;
    // Loop side, after the report arrived: resumes the task if it still waits.
    void deliver() noexcept;

    std::mutex mutex;
    Loop* loop = nullptr;
    bool finished = false;   // guarded by mutex
    bool abandoned = false;  // guarded by mutex
    std::exception_ptr error;
    TaskContext* waiting = nullptr;  // loop thread only
};

template <class R, class F>
struct ThreadCall final : ThreadCallBase {
    explicit ThreadCall(F&& f) : fn(std::move(f)) {}
    void invoke() noexcept override {
        try {
            if constexpr (std::is_void_v<R>) {
                (*fn)();
            } else {
                value.emplace((*fn)());
            }
        } catch (...) {
            error = std::current_exception();
        }
        fn.reset();  // captures die on the worker, before the report
    }
    std::optional<F> fn;
    std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> value{};
};

class ThreadCallAwaiter : private Cancellable {
  public:
    ThreadCallAwaiter(std::shared_ptr<ThreadCallBase> call, bool cancellable) noexcept
        : call_(std::move(call)), cancellable_(cancellable) {}
    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) noexcept;
    void await_resume();  // rethrows fn's exception; Cancelled when abandoned

  private:
    void request_cancel() noexcept override;
    std::shared_ptr<ThreadCallBase> call_;
    TaskContext* task_ = nullptr;
    bool cancellable_;
    bool abandoned_ = false;
};

// Gives the call's token back when the call leaves, however it leaves.
struct TokenGuard {
    CapacityLimiter& limiter;
    const void* borrower;
    ~TokenGuard() { limiter.release_on_behalf_of(borrower); }
};

}  // namespace detail

namespace to_thread {

template <class F>
requires std::is_invocable_v<F&>
auto run_sync(F fn, RunSyncOptions options = {}) -> Task<std::invoke_result_t<F&>> {
    using R = std::invoke_result_t<F&>;
    CapacityLimiter& limiter =
        options.limiter ? *options.limiter : current_default_thread_limiter();
    auto call = std::make_shared<detail::ThreadCall<R, F>>(std::move(fn));
    // Borrowed on behalf of the call, as AnyIO does: a task may hold its own
    // token of the same limiter meanwhile.
    co_await limiter.acquire_on_behalf_of(call.get());
    detail::TokenGuard token{limiter, call.get()};
    co_await detail::ThreadCallAwaiter(call, options.cancellable);
    if constexpr (!std::is_void_v<R>) co_return std::move(*call->value);
}

}  // namespace to_thread

}  // namespace coronet
