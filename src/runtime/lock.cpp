#include "coronet/runtime/lock.hpp"

#include <stdexcept>
#include <string>

namespace coronet {

bool Lock::try_take(detail::TaskContext& task, const char* what) {
    if (owner_ == &task) {
        throw std::logic_error(std::string(what) +
                               ": this task already holds the Lock (coronet's Lock is not "
                               "re-entrant)");
    }
    if (owner_) return false;
    owner_ = &task;
    return true;
}

void Lock::acquire_nowait() {
    if (!try_take(detail::current_task("Lock::acquire_nowait"), "Lock::acquire_nowait")) {
        throw WouldBlock("Lock::acquire_nowait: the lock is held by another task");
    }
}

void Lock::release() {
    const detail::TaskContext* me = detail::tl_current_task;
    if (!owner_) throw std::logic_error("Lock::release: the lock is not held");
    if (owner_ != me) {
        throw std::logic_error("Lock::release: only the task that holds the lock may release it");
    }
    hand_off();
}

void Lock::hand_off() noexcept {
    owner_ = nullptr;
    if (detail::ParkingLotWaiter* next = lot_.front()) {
        // Ownership moves before the waiter runs: it cannot be stolen by a
        // task that calls acquire() in between (fairness), and the waiter's
        // cancellation can no longer interrupt it (see ParkingLot::unpark).
        owner_ = next->task();
        lot_.unpark(*next);
    }
}

bool Lock::owned_by_current_task() const noexcept {
    return owner_ != nullptr && owner_ == detail::tl_current_task;
}

}  // namespace coronet
