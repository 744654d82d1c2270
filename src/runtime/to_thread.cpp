#include "coronet/runtime/to_thread.hpp"

#include "coronet/base/errors.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/thread_pool.hpp"

namespace coronet {

CapacityLimiter& to_thread::current_default_thread_limiter() {
    // One loop per thread: a thread-local limiter is the loop's limiter.
    thread_local CapacityLimiter limiter(40);
    return limiter;
}

namespace detail {

void ThreadCallBase::run_on_worker() noexcept {
    invoke();
    std::lock_guard lock(mutex);
    finished = true;
    if (abandoned) return;
    // Posted under the mutex: neither an abandon nor the delivery (both take
    // it) can let the task, and so the loop, finish while we are inside
    // call_soon_threadsafe.
    loop->call_soon_threadsafe([self = shared_from_this()] { self->deliver(); });
}

void ThreadCallBase::deliver() noexcept {
    // The worker may still be inside call_soon_threadsafe (waking the
    // driver) although we already run: wait for it to leave before the task
    // can resume, finish, and let the loop be destroyed under its feet.
    { std::lock_guard lock(mutex); }
    if (TaskContext* task = std::exchange(waiting, nullptr)) task->wake();
}

bool ThreadCallAwaiter::await_ready() {
    task_ = &current_task("to_thread::run_sync");
    task_->checkpoint_cancel();
    call_->loop = task_->loop;
    ThreadPool::for_this_thread().submit([call = call_] { call->run_on_worker(); });
    return false;
}

void ThreadCallAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
    // The report cannot have been delivered yet: it runs on this thread.
    call_->waiting = task_;
    task_->suspend(h, cancellable_ ? this : nullptr);
}

void ThreadCallAwaiter::request_cancel() noexcept {
    {
        std::lock_guard lock(call_->mutex);
        // A result that is already there is returned, not dropped.
        if (!call_->finished) abandoned_ = call_->abandoned = true;
    }
    call_->waiting = nullptr;
    task_->wake();
}

void ThreadCallAwaiter::await_resume() {
    if (abandoned_) throw Cancelled();
    if (call_->error) std::rethrow_exception(call_->error);
}

}  // namespace detail
}  // namespace coronet
