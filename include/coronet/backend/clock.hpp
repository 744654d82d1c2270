// The loop's notion of time: a monotonic clock behind an interface, so tests
// can substitute `coronet::testing::MockClock` and run timeouts instantly.
#pragma once

#include <chrono>

namespace coronet {

// Every deadline in coronet is a point on the monotonic clock, in nanoseconds.
using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

namespace backend {

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const noexcept = 0;
    // True for a clock whose time only moves when told to (see MockClock):
    // the loop then jumps it to the next deadline instead of sleeping.
    virtual bool autojump() const noexcept { return false; }
    // Moves a jumping clock to `deadline`; a real clock ignores it.
    virtual void jump_to(TimePoint /*deadline*/) noexcept {}
};

// CLOCK_MONOTONIC, the default.
class MonotonicClock final : public Clock {
public:
    TimePoint now() const noexcept override;
    static MonotonicClock& instance() noexcept;
};

}  // namespace backend
}  // namespace coronet
