// asyncio's run_coroutine_threadsafe: submit a task to an EventLoop running in
// another thread and wait for it from a plain thread, through a
// concurrent.futures-style handle.
//
//     ConcurrentFuture<int> f = run_coroutine_threadsafe(compute(), loop);  // any thread
//     if (f.wait_for(1s)) use(f.get()); else f.cancel();
//
// get() blocks, returns the result or rethrows the task's exception
// (CancelledError if it was cancelled). cancel() asks the loop to cancel the
// task (the handle is done once the task has actually ended) and returns false
// if it was already done. The EventLoop must outlive the calls on the handle
// that reach it (cancel), and must eventually run: a handle whose task was
// never started is completed (cancelled) by the loop's close().
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>

#include "coronet/runtime/event_loop.hpp"
#include "coronet/runtime/future.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

namespace detail {

struct ConcurrentCore {
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    bool done = false;
    bool cancelled = false;
    bool cancel_requested = false;
    std::exception_ptr error;
    std::function<void()> canceller;  // set on the loop once the task exists
    EventLoop* loop = nullptr;

    void wait() const {
        std::unique_lock lock(mutex);
        changed.wait(lock, [this] { return done; });
    }
    bool cancel();
    // Under `mutex`: rethrows the failure, CancelledError if cancelled.
    void check_locked() const;
};

template <class T>
struct ConcurrentState : ConcurrentCore {
    std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> value{};
};

}  // namespace detail

template <class T = void>
class ConcurrentFuture {
  public:
    explicit ConcurrentFuture(std::shared_ptr<detail::ConcurrentState<T>> state) noexcept
        : state_(std::move(state)) {}

    T get() const {
        state_->wait();
        std::lock_guard lock(state_->mutex);
        state_->check_locked();
        if constexpr (!std::is_void_v<T>) return *state_->value;
    }
    void wait() const { state_->wait(); }
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
        std::unique_lock lock(state_->mutex);
        return state_->changed.wait_for(lock, timeout, [this] { return state_->done; });
    }
    bool done() const {
        std::lock_guard lock(state_->mutex);
        return state_->done;
    }
    bool cancelled() const {
        std::lock_guard lock(state_->mutex);
        return state_->cancelled;
    }
    bool cancel() { return state_->cancel(); }

  private:
    std::shared_ptr<detail::ConcurrentState<T>> state_;
};

template <class T>
ConcurrentFuture<T> run_coroutine_threadsafe(Task<T> task, EventLoop& loop) {
    if (!task.valid()) throw std::invalid_argument("run_coroutine_threadsafe: empty Task");
    auto state = std::make_shared<detail::ConcurrentState<T>>();
    state->loop = &loop;
    // std::function needs a copyable callable; the Task rides in a shared_ptr.
    auto holder = std::make_shared<Task<T>>(std::move(task));
    loop.call_soon_threadsafe([&loop, state, holder] {
        TaskHandle<T> handle = loop.create_task(std::move(*holder));
        {
            std::lock_guard lock(state->mutex);
            state->canceller = [handle]() mutable { handle.cancel(); };
            if (state->cancel_requested) handle.cancel();
        }
        handle.add_done_callback([state](const Future<T>& done) {
            std::lock_guard lock(state->mutex);
            if (done.cancelled()) {
                state->cancelled = true;
            } else if (auto error = done.exception()) {
                state->error = error;
            } else if constexpr (std::is_void_v<T>) {
                state->value = true;
            } else {
                state->value.emplace(done.result());
            }
            state->done = true;
            state->canceller = nullptr;  // drops the handle it held
            state->changed.notify_all();
        });
    });
    return ConcurrentFuture<T>(std::move(state));
}

}  // namespace coronet
