#include "coronet/runtime/detail/parking_lot.hpp"

namespace coronet::detail {

void ParkingLotWaiter::request_cancel() noexcept {
    // The runtime cleared task_->blocked, so no one else will touch us: leave
    // the queue so nothing is handed to a waiter that is going away.
    if (lot_) lot_->remove(*this);
    state_ = State::cancelled;
    task_->wake();
}

void ParkingLot::enqueue(ParkingLotWaiter& w, TaskContext& task) noexcept {
    w.task_ = &task;
    w.lot_ = this;
    w.state_ = ParkingLotWaiter::State::parked;
    w.next_ = nullptr;
    w.prev_ = tail_;
    (tail_ ? tail_->next_ : head_) = &w;
    tail_ = &w;
    ++size_;
}

void ParkingLot::remove(ParkingLotWaiter& w) noexcept {
    (w.prev_ ? w.prev_->next_ : head_) = w.next_;
    (w.next_ ? w.next_->prev_ : tail_) = w.prev_;
    w.next_ = w.prev_ = nullptr;
    w.lot_ = nullptr;
    --size_;
}

void ParkingLot::unpark(ParkingLotWaiter& w) noexcept {
    remove(w);
    w.state_ = ParkingLotWaiter::State::unparked;
    // wake() clears task->blocked: from here on a cancellation cannot
    // interrupt this wait, so whatever was handed to `w` is delivered.
    w.task_->wake();
}

std::size_t ParkingLot::unpark(std::size_t count) noexcept {
    std::size_t woken = 0;
    while (woken < count && head_) {
        unpark(*head_);
        ++woken;
    }
    return woken;
}

std::size_t ParkingLot::unpark_all() noexcept {
    return unpark(size_);
}

std::size_t ParkingLot::repark(ParkingLot& other, std::size_t count) noexcept {
    std::size_t moved = 0;
    while (moved < count && head_) {
        ParkingLotWaiter& w = *head_;
        remove(w);
        // Still `parked`, still the same task and cancel hook: only the queue changes.
        other.enqueue(w, *w.task_);
        ++moved;
    }
    return moved;
}

std::size_t ParkingLot::repark_all(ParkingLot& other) noexcept {
    return repark(other, size_);
}

}  // namespace coronet::detail
