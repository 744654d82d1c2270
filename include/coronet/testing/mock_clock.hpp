// A clock whose time moves only when told to, for fast deterministic tests
// of timeouts (Trio's MockClock).
//
//     MockClock clock;                      // autojump on
//     LoopOptions options; options.driver.clock = &clock;
//     coronet::run_with(options, [] -> Task<void> {
//         co_await sleep(1h);               // returns at once: the clock jumps
//     });
//
// With autojump (the default) the loop, once idle for `threshold` of real
// time (zero by default), jumps the clock to the next deadline. Without it,
// time moves only through jump()/jump_to().
#pragma once

#include <atomic>
#include <optional>

#include "coronet/backend/clock.hpp"

namespace coronet::testing {

class MockClock final : public backend::Clock {
  public:
    struct Options {
        bool autojump = true;
        Duration autojump_threshold = Duration::zero();
        TimePoint start = TimePoint(std::chrono::hours(1));
    };
    MockClock() noexcept : MockClock(Options{}) {}
    explicit MockClock(Options options) noexcept
        : now_(options.start.time_since_epoch().count()),
          autojump_(options.autojump),
          threshold_(options.autojump_threshold) {}

    TimePoint now() const noexcept override {
        return TimePoint(Duration(now_.load(std::memory_order_acquire)));
    }
    bool is_mock() const noexcept override { return true; }
    std::optional<Duration> autojump_threshold() const noexcept override {
        if (!autojump_) return std::nullopt;
        return threshold_;
    }
    void jump_to(TimePoint deadline) noexcept override {
        auto target = deadline.time_since_epoch().count();
        auto current = now_.load(std::memory_order_acquire);
        while (current < target &&
               !now_.compare_exchange_weak(current, target, std::memory_order_acq_rel)) {
        }
    }
    // Moves time forward by `delta` (negative is ignored).
    void jump(Duration delta) noexcept { jump_to(now() + delta); }
    void set_autojump(bool on) noexcept { autojump_ = on; }

  private:
    std::atomic<Duration::rep> now_;
    bool autojump_;
    Duration threshold_;
};

}  // namespace coronet::testing
