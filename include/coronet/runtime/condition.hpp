// Condition: wait for a notification while holding a Lock (trio.Condition,
// anyio.Condition).
//
//     Condition cond;                        // owns its Lock (or Condition(lock))
//     // consumer                            // producer
//     auto g = co_await cond.lock();         auto g = co_await cond.lock();
//     while (queue.empty())                  queue.push_back(x);
//         co_await cond.wait();              cond.notify();
//     use(queue.front());
//
// wait() releases the lock, sleeps until notified, and re-acquires the lock
// before it returns, also when it raises Cancelled (Trio's rule: the caller
// always holds the lock after wait(), so its cleanup can rely on it). A
// notified waiter queues for the lock behind the tasks already waiting for
// it (Trio reparks it into the Lock's queue). wait() and notify() require
// the current task to hold the lock (std::logic_error otherwise).
#pragma once

#include <coroutine>
#include <cstddef>

#include "coronet/runtime/detail/parking_lot.hpp"
#include "coronet/runtime/lock.hpp"

namespace coronet {

class Condition {
  public:
    struct Statistics {
        std::size_t tasks_waiting = 0;
        Lock::Statistics lock_statistics;
    };
    class WaitAwaiter;

    // With its own Lock.
    Condition() noexcept : lock_(&own_lock_) {}
    // Sharing `lock`, which must outlive the Condition.
    explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
    Condition(const Condition&) = delete;
    Condition& operator=(const Condition&) = delete;

    // The underlying lock's operations.
    Lock::AcquireAwaiter acquire() noexcept { return lock_->acquire(); }
    void acquire_nowait() { lock_->acquire_nowait(); }
    void release() { lock_->release(); }
    Lock::GuardAwaiter lock() noexcept { return lock_->lock(); }
    bool locked() const noexcept { return lock_->locked(); }
    Lock& underlying_lock() noexcept { return *lock_; }

    // Releases the lock, waits for notify(), re-acquires the lock.
    WaitAwaiter wait() noexcept;
    // Wakes up to `count` waiters (oldest first) / every waiter.
    void notify(std::size_t count = 1);
    void notify_all();

    Statistics statistics() const noexcept { return {lot_.size(), lock_->statistics()}; }

  private:
    void check_owner(const char* what) const;

    Lock own_lock_;
    Lock* lock_;
    detail::ParkingLot lot_;
};

class Condition::WaitAwaiter : public detail::ParkingAwaiter {
  public:
    explicit WaitAwaiter(Condition& cond) noexcept : cond_(&cond) {}
    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) noexcept;
    // Returns holding the lock; raises Cancelled (still holding it) when
    // cancelled.
    void await_resume() const;

  private:
    // Cancelled while waiting: re-acquire the lock before waking, without
    // letting a second cancellation interrupt that.
    void request_cancel() noexcept override;

    Condition* cond_;
    bool cancelled_ = false;
};

inline Condition::WaitAwaiter Condition::wait() noexcept {
    return WaitAwaiter(*this);
}

}  // namespace coronet
