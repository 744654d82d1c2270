#include "coronet/runtime/future.hpp"

#include <string>

#include "coronet/runtime/loop.hpp"

namespace coronet::detail {

void FutureCore::check_pending(const char* what) const {
    if (state_ == State::pending) return;
    throw InvalidStateError(std::string(what) + ": the future is already " +
                            (state_ == State::cancelled ? "cancelled" : "done"));
}

void FutureCore::check_result(const char* what) {
    if (state_ == State::pending) {
        throw InvalidStateError(std::string(what) + ": the result is not set yet");
    }
    retrieved_ = true;
    if (state_ == State::cancelled) throw CancelledError();
    if (error_) std::rethrow_exception(error_);
}

std::exception_ptr FutureCore::exception(const char* what) {
    if (state_ == State::pending) {
        throw InvalidStateError(std::string(what) + ": the exception is not set yet");
    }
    retrieved_ = true;
    if (state_ == State::cancelled) throw CancelledError();
    return error_;
}

void FutureCore::set_exception(std::exception_ptr error) {
    check_pending("Future::set_exception");
    if (!error) throw std::invalid_argument("Future::set_exception: null exception_ptr");
    error_ = std::move(error);
    complete(State::finished);
}

bool FutureCore::cancel() noexcept {
    if (state_ != State::pending) return false;
    complete(State::cancelled);
    return true;
}

void FutureCore::mark_finished() noexcept {
    complete(State::finished);
}

void FutureCore::complete(State state) noexcept {
    state_ = state;
    while (FutureWaiter* w = waiters_) {
        remove_waiter(*w);
        w->task->wake();
    }
    auto callbacks = std::move(callbacks_);
    callbacks_.clear();
    for (auto& entry : callbacks)
        schedule_callback(std::move(entry.second));
}

void FutureCore::schedule_callback(std::function<void(FutureCore&)> callback) noexcept {
    try {
        loop_->call_soon(
            [self = shared_from_this(), callback = std::move(callback)] { callback(*self); });
    } catch (...) {
        // call_soon from a foreign thread: report rather than lose it silently.
        loop_->call_exception_handler(
            {"a future's done callback could not be scheduled", std::current_exception()});
    }
}

CallbackId FutureCore::add_done_callback(std::function<void(FutureCore&)> callback) {
    const CallbackId id = next_id_++;
    if (done()) {
        loop_->check_thread("Future::add_done_callback");
        schedule_callback(std::move(callback));
    } else {
        callbacks_.emplace_back(id, std::move(callback));
    }
    return id;
}

std::size_t FutureCore::remove_done_callback(CallbackId id) noexcept {
    std::size_t removed = 0;
    for (auto it = callbacks_.begin(); it != callbacks_.end();) {
        if (it->first == id) {
            it = callbacks_.erase(it);
            ++removed;
        } else {
            ++it;
        }
    }
    return removed;
}

void FutureCore::add_waiter(FutureWaiter& waiter) noexcept {
    waiter.prev = nullptr;
    waiter.next = waiters_;
    if (waiters_) waiters_->prev = &waiter;
    waiters_ = &waiter;
}

void FutureCore::remove_waiter(FutureWaiter& waiter) noexcept {
    (waiter.prev ? waiter.prev->next : waiters_) = waiter.next;
    if (waiter.next) waiter.next->prev = waiter.prev;
    waiter.next = waiter.prev = nullptr;
}

bool FutureWaiter::ready() {
    task = &current_task("co_await Future");
    if (&core->loop() != task->loop) {
        throw std::logic_error("co_await Future: the future belongs to another loop");
    }
    task->checkpoint_cancel();
    return core->done();
}

void FutureWaiter::suspend(std::coroutine_handle<> h) noexcept {
    core->add_waiter(*this);
    task->suspend(h, this);
}

void FutureWaiter::request_cancel() noexcept {
    cancelled = true;
    core->remove_waiter(*this);
    task->wake();
}

}  // namespace coronet::detail
