// The loop's notion of time: a monotonic clock behind an interface, so tests
// can substitute `coronet::testing::MockClock` and run timeouts instantly.
#pragma once

#include <chrono>
#include <optional>

namespace coronet {

// Every deadline in coronet is a point on the monotonic clock, in nanoseconds.
using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

namespace backend {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const noexcept = 0;
    // True for a clock whose time only moves when told to (MockClock). Drivers
    // then never sleep in real time waiting for one of its deadlines.
    virtual bool is_mock() const noexcept { return false; }
    // For a mock clock: how long (real time) the loop may sit idle before it
    // jumps the clock to the next deadline (Trio's autojump_threshold);
    // nullopt: never jump on its own.
    virtual std::optional<Duration> autojump_threshold() const noexcept { return std::nullopt; }
    // Moves a mock clock forward to `deadline` (never backwards); a real
    // clock ignores it.
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
