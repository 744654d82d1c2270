#include "coronet/runtime/blocking_portal.hpp"

#include "coronet/base/errors.hpp"
#include "coronet/runtime/thread_pool.hpp"

namespace coronet {

BlockingPortal::BlockingPortal(LoopOptions options) {
    std::promise<void> started;
    auto ready = started.get_future();
    thread_ = detail::start_thread_without_signals(
        [this, options = std::move(options), &started]() mutable {
            run_thread(std::move(options), started);
        });
    try {
        ready.get();
    } catch (...) {
        thread_.join();
        throw;
    }
}

BlockingPortal::~BlockingPortal() {
    try {
        stop();
    } catch (...) {
        // A destructor cannot report it; stop() called explicitly would have.
    }
}

void BlockingPortal::run_thread(LoopOptions options, std::promise<void>& started) {
    std::unique_ptr<Loop> loop;
    try {
        loop = std::make_unique<Loop>(std::move(options));
    } catch (...) {
        started.set_exception(std::current_exception());
        return;
    }
    {
        std::lock_guard lock(mutex_);
        loop_ = loop.get();
    }
    started.set_value();  // `started` is not touched after this: its owner returns
    try {
        loop->run_until_complete(host());
    } catch (...) {
        failure_ = std::current_exception();
    }
    // From here post() refuses, so nobody reaches the loop we are destroying.
    std::lock_guard lock(mutex_);
    stopping_ = true;
    loop.reset();
}

Task<void> BlockingPortal::host() {
    co_await with_task_group([this](TaskGroup& group) -> Task<void> {
        group_ = &group;
        struct StopWait {
            BlockingPortal& portal;
            bool await_ready() const noexcept { return portal.stop_requested_; }
            void await_suspend(std::coroutine_handle<> h) noexcept {
                // Not cancellable: only stop() ends the portal.
                portal.stop_waiter_ = detail::tl_current_task;
                portal.stop_waiter_->suspend(h, nullptr);
            }
            void await_resume() const noexcept {}
        };
        co_await StopWait{*this};
        if (cancel_remaining_) group.cancel_scope().cancel();
    });
}

void BlockingPortal::post(std::function<void(TaskGroup&)> fn) {
    std::lock_guard lock(mutex_);
    if (stopping_) throw ClosedResourceError("BlockingPortal: the portal has been stopped");
    // Under the mutex: the portal thread cannot destroy the loop meanwhile.
    loop_->call_soon_threadsafe([this, fn = std::move(fn)] { fn(*group_); });
}

bool BlockingPortal::running() const {
    std::lock_guard lock(mutex_);
    return !stopping_;
}

void BlockingPortal::stop(bool cancel_remaining) {
    detail::check_not_loop_thread(*loop_, "BlockingPortal::stop");
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            stopping_ = true;
            // Queued after every call posted so far, so those are spawned first.
            loop_->call_soon_threadsafe([this, cancel_remaining] {
                stop_requested_ = true;
                cancel_remaining_ = cancel_remaining;
                if (stop_waiter_) stop_waiter_->wake();
            });
        }
    }
    if (thread_.joinable()) thread_.join();
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
}

}  // namespace coronet
