// Event: a flag tasks can wait for (trio.Event, anyio.Event).
//
//     Event ready;
//     tg.spawn([&]() -> Task<void> { co_await ready.wait(); use(); });
//     ready.set();                  // wakes every waiter, now and later
//
// An Event is set once and stays set (no clear(): make a new Event, as Trio
// advises). wait() is a checkpoint: it raises Cancelled inside a cancelled
// scope even when the event is already set.
#pragma once

#include <coroutine>
#include <cstddef>

#include "coronet/runtime/detail/parking_lot.hpp"

namespace coronet {

class Event {
  public:
    struct Statistics {
        std::size_t tasks_waiting = 0;
    };
    class WaitAwaiter;

    Event() noexcept = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    // Sets the flag and wakes every waiting task. Idempotent; callable from
    // callbacks as well as tasks (loop thread only).
    void set() noexcept;
    bool is_set() const noexcept { return set_; }
    // Waits until the flag is set (returns at once if it is).
    WaitAwaiter wait() noexcept;
    Statistics statistics() const noexcept { return {lot_.size()}; }

  private:
    detail::ParkingLot lot_;
    bool set_ = false;
};

class Event::WaitAwaiter : public detail::ParkingAwaiter {
  public:
    explicit WaitAwaiter(Event& event) noexcept : event_(&event) {}
    bool await_ready() {
        begin("Event::wait");
        return ready(event_->set_);
    }
    void await_suspend(std::coroutine_handle<> h) noexcept { suspend_in(event_->lot_, h); }
    void await_resume() const { throw_if_cancelled(); }

  private:
    Event* event_;
};

inline Event::WaitAwaiter Event::wait() noexcept {
    return WaitAwaiter(*this);
}

}  // namespace coronet
