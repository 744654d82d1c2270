#include "coronet/backend/clock.hpp"

namespace coronet::backend {

TimePoint MonotonicClock::now() const noexcept {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

MonotonicClock& MonotonicClock::instance() noexcept {
    static MonotonicClock clock;
    return clock;
}

}  // namespace coronet::backend
