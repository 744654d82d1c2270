// Lock: a mutex for tasks (trio.Lock, anyio.Lock).
//
//     Lock lock;
//     {
//         auto guard = co_await lock.lock();   // released when guard goes away
//         co_await write_record(stream);
//     }
//     co_await lock.acquire(); ...; lock.release();   // the manual form
//
// Fair (Trio's rule): release() hands the lock straight to the task that has
// waited longest, so a task that releases and re-acquires in a loop cannot
// starve the others. The handoff is final: a task that was handed the lock
// owns it even if its scope is cancelled before it runs (its acquire returns
// normally and the next await point raises), so a cancellation never strands
// the lock. A task cancelled while still queued simply leaves the queue.
//
// Only the owning task may release; the lock is not re-entrant. Both misuses
// are std::logic_error. acquire() is a checkpoint.
#pragma once

#include <coroutine>
#include <cstddef>
#include <utility>

#include "coronet/runtime/detail/parking_lot.hpp"

namespace coronet {

class Condition;

class Lock {
  public:
    struct Statistics {
        bool locked = false;
        // Opaque identity of the owning task (nullptr when unlocked); only
        // good for comparing with another owner value.
        const void* owner = nullptr;
        std::size_t tasks_waiting = 0;
    };
    class AcquireAwaiter;
    class Guard;
    class GuardAwaiter;

    Lock() noexcept = default;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

    // Waits for the lock and takes it for the current task.
    AcquireAwaiter acquire() noexcept;
    // Takes the lock now, or raises WouldBlock.
    void acquire_nowait();
    // Releases the lock held by the current task, handing it to the oldest
    // waiter if there is one.
    void release();
    // acquire() returning a Guard that releases on destruction.
    GuardAwaiter lock() noexcept;

    bool locked() const noexcept { return owner_ != nullptr; }
    // True when the current task holds the lock.
    bool owned_by_current_task() const noexcept;
    Statistics statistics() const noexcept { return {locked(), owner_, lot_.size()}; }

  private:
    friend class Condition;
    // Takes the lock for `task` if it is free; logic_error if `task` has it.
    bool try_take(detail::TaskContext& task, const char* what);
    // Gives the lock to the oldest waiter, or leaves it free. No owner check.
    void hand_off() noexcept;

    detail::ParkingLot lot_;
    detail::TaskContext* owner_ = nullptr;
};

class Lock::AcquireAwaiter : public detail::ParkingAwaiter {
  public:
    explicit AcquireAwaiter(Lock& lock) noexcept : lock_(&lock) {}
    bool await_ready() {
        detail::TaskContext& task = begin("Lock::acquire");
        return ready(lock_->try_take(task, "Lock::acquire"));
    }
    void await_suspend(std::coroutine_handle<> h) noexcept { suspend_in(lock_->lot_, h); }
    // Unparked means hand_off already made us the owner.
    void await_resume() const { throw_if_cancelled(); }

  protected:
    Lock* lock_;
};

// Holds a Lock and releases it when destroyed (or at unlock()). Move-only.
// The release is the guard's own: it does not check which task runs it, so
// a guard may be moved into a child task that finishes the critical section.
class [[nodiscard]] Lock::Guard {
  public:
    Guard() noexcept = default;
    explicit Guard(Lock& lock) noexcept : lock_(&lock) {}
    Guard(Guard&& other) noexcept : lock_(std::exchange(other.lock_, nullptr)) {}
    Guard& operator=(Guard&& other) noexcept {
        if (this != &other) {
            unlock();
            lock_ = std::exchange(other.lock_, nullptr);
        }
        return *this;
    }
    ~Guard() { unlock(); }

    bool owns_lock() const noexcept { return lock_ != nullptr; }
    explicit operator bool() const noexcept { return owns_lock(); }
    // Releases early; idempotent.
    void unlock() noexcept {
        if (Lock* lock = std::exchange(lock_, nullptr)) lock->hand_off();
    }

  private:
    Lock* lock_ = nullptr;
};

class Lock::GuardAwaiter : public AcquireAwaiter {
  public:
    using AcquireAwaiter::AcquireAwaiter;
    Guard await_resume() const {
        throw_if_cancelled();
        return Guard(*lock_);
    }
};

inline Lock::AcquireAwaiter Lock::acquire() noexcept {
    return AcquireAwaiter(*this);
}
inline Lock::GuardAwaiter Lock::lock() noexcept {
    return GuardAwaiter(*this);
}

}  // namespace coronet
