// Time: sleeping, and the plain checkpoint.
//
//     co_await sleep(100ms);
//     co_await sleep_until(current_time() + 1s);
//     co_await checkpoint();   // let others run; raise Cancelled if cancelled
#pragma once

#include <chrono>
#include <coroutine>

#include "coronet/backend/clock.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/operation_awaiter.hpp"

namespace coronet {

// Awaitable returned by sleep/sleep_until; holds its own timer operation.
class SleepAwaiter : public OperationAwaiter {
  public:
    explicit SleepAwaiter(TimePoint deadline) noexcept {
        timer_.code = backend::OpCode::timeout;
        timer_.deadline = deadline;
    }
    SleepAwaiter(const SleepAwaiter& other) noexcept : OperationAwaiter(), timer_(other.timer_) {}
    bool await_ready() {
        bind(timer_);
        return OperationAwaiter::await_ready();
    }
    void await_resume() { OperationAwaiter::await_resume(); }

  private:
    backend::Operation timer_;
};

// Sleeps until `deadline` on the loop's clock (returns at once, after a
// checkpoint, if it has passed).
SleepAwaiter sleep_until(TimePoint deadline);

// Sleeps for `delay`; std::invalid_argument if it is negative. sleep(0s) is a
// checkpoint.
SleepAwaiter sleep(Duration delay);
template <class Rep, class Period>
SleepAwaiter sleep(std::chrono::duration<Rep, Period> delay) {
    return sleep(std::chrono::duration_cast<Duration>(delay));
}

// Trio's checkpoint: raises Cancelled inside a cancelled scope, and otherwise
// lets every other ready task run once before continuing.
class CheckpointAwaiter {
  public:
    bool await_ready() const;
    void await_suspend(std::coroutine_handle<> h) const noexcept;
    void await_resume() const noexcept {}
};
inline CheckpointAwaiter checkpoint() noexcept {
    return {};
}

}  // namespace coronet
