#include "coronet/runtime/semaphore.hpp"

#include <stdexcept>
#include <string>

namespace coronet {

Semaphore::Semaphore(std::size_t initial_value, std::optional<std::size_t> max_value)
    : value_(initial_value), max_value_(max_value) {
    if (max_value_ && initial_value > *max_value_) {
        throw std::invalid_argument("Semaphore: the initial value (" +
                                    std::to_string(initial_value) + ") exceeds max_value (" +
                                    std::to_string(*max_value_) + ")");
    }
}

bool Semaphore::try_take() noexcept {
    // value_ > 0 implies nobody waits (release hands tokens to waiters), so
    // taking it here never jumps the queue.
    if (value_ == 0) return false;
    --value_;
    return true;
}

void Semaphore::acquire_nowait() {
    if (!try_take()) throw WouldBlock("Semaphore::acquire_nowait: no token is available");
}

void Semaphore::release() {
    if (max_value_ && value_ >= *max_value_) {
        throw std::logic_error(
            "Semaphore::release: released too many times (value is already "
            "max_value, " +
            std::to_string(*max_value_) + ")");
    }
    if (detail::ParkingLotWaiter* next = lot_.front()) {
        lot_.unpark(*next);
    } else {
        ++value_;
    }
}

}  // namespace coronet
