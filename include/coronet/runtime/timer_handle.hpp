// What EventLoop::call_soon / call_later / call_at return (asyncio's Handle
// and TimerHandle): a way to cancel the callback before it runs.
//
//     TimerHandle h = loop.call_later(5.0, [] { std::puts("late"); });
//     h.cancel();              // it will not run; its captures are released now
//
// Handles are cheap shared references; dropping them does not cancel.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "coronet/backend/operation.hpp"

namespace coronet {

class EventLoop;

namespace detail {
struct HandleState {
    std::function<void()> callback;
    std::atomic<bool> cancelled{false};  // call_soon_threadsafe handles are cancelled anywhere
    // Timers only: the backend operation, and a self-reference held while it
    // is armed (the backend owns the operation until it fires or is removed).
    backend::Operation timer;
    std::shared_ptr<HandleState> self;
    EventLoop* loop = nullptr;
    double when = 0;
};
}  // namespace detail

class Handle {
  public:
    // Prevents the callback from running (no effect once it ran).
    void cancel();
    bool cancelled() const noexcept { return state_->cancelled.load(std::memory_order_acquire); }

    explicit Handle(std::shared_ptr<detail::HandleState> state) noexcept
        : state_(std::move(state)) {}

  protected:
    std::shared_ptr<detail::HandleState> state_;
};

class TimerHandle : public Handle {
  public:
    using Handle::Handle;
    // When the callback is due, on the EventLoop::time() scale (seconds).
    double when() const noexcept { return state_->when; }
};

}  // namespace coronet
