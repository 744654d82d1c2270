#include "coronet/runtime/condition.hpp"

#include <stdexcept>
#include <string>

namespace coronet {

void Condition::check_owner(const char* what) const {
    if (!lock_->owned_by_current_task()) {
        throw std::logic_error(std::string(what) + ": the current task must hold the lock");
    }
}

void Condition::notify(std::size_t count) {
    check_owner("Condition::notify");
    // The notified tasks still need the lock, which we hold: queue them for
    // it; the Lock's handoff wakes them one at a time, each as the owner.
    lot_.repark(lock_->lot_, count);
}

void Condition::notify_all() {
    check_owner("Condition::notify_all");
    lot_.repark_all(lock_->lot_);
}

bool Condition::WaitAwaiter::await_ready() {
    task_ = &detail::current_task("Condition::wait");
    cond_->check_owner("Condition::wait");
    // Already cancelled: raise still holding the lock, as if woken at once.
    task_->checkpoint_cancel();
    return false;
}

void Condition::WaitAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
    cond_->lock_->hand_off();
    suspend_in(cond_->lot_, h);
}

void Condition::WaitAwaiter::await_resume() const {
    // Either way we were woken by the Lock's handoff (or took it free in
    // request_cancel): the current task owns the lock here.
    if (cancelled_) throw Cancelled();
}

void Condition::WaitAwaiter::request_cancel() noexcept {
    cancelled_ = true;
    Lock& lock = *cond_->lock_;
    if (lot() == &lock.lot_) return;  // notified already: keep our place in the Lock's queue
    cond_->lot_.remove(*this);
    if (!lock.owner_) {
        // The lock is free (so nobody queues for it): take it and run.
        lock.owner_ = task_;
        task_->wake();
        return;
    }
    // Queue for the lock. task->blocked stays null (the runtime cleared it),
    // so a second cancellation cannot interrupt the re-acquisition.
    lock.lot_.enqueue(*this, *task_);
}

}  // namespace coronet
