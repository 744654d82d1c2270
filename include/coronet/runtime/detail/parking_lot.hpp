// Trio's ParkingLot: a FIFO queue of parked tasks, the building block of
// every synchronisation primitive and of memory object streams.
//
//     detail::ParkingLot lot;
//     co_await lot.park();     // in one task: sleeps until unparked (cancellable)
//     lot.unpark();            // in another: wakes the longest-parked task
//
// The waiters are intrusive: each lives inside the awaiter that parks, so a
// wait allocates nothing. A waiter ends in exactly one of two states:
// `unparked` (someone woke it on purpose: the wait succeeded, even if a
// cancellation arrives before the task runs) or `cancelled` (it left the
// queue because its scope was cancelled, and nobody will hand it anything).
// That split is what lets the primitives above hand a resource directly to a
// waiter without ever losing it to a cancellation.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/detail/task_context.hpp"

namespace coronet::detail {

class ParkingLot;

// One parked task. Primitives derive their awaiters from it to carry a
// payload (an item handed over, a borrower, an error to raise).
class ParkingLotWaiter : public Cancellable {
  public:
    enum class State : std::uint8_t { idle, parked, unparked, cancelled };

    ParkingLotWaiter() noexcept = default;
    // A waiter may be moved only before it parks (awaiters passed by value
    // into move_on_after & co.); the copy starts fresh and unlinked.
    ParkingLotWaiter(ParkingLotWaiter&&) noexcept : Cancellable() {}
    ParkingLotWaiter& operator=(const ParkingLotWaiter&) = delete;

    State state() const noexcept { return state_; }
    TaskContext* task() const noexcept { return task_; }
    ParkingLot* lot() const noexcept { return lot_; }
    // The next waiter in the same lot (for walks that unpark selectively).
    ParkingLotWaiter* next() const noexcept { return next_; }

  protected:
    ~ParkingLotWaiter() = default;
    // Default: leave the lot, become `cancelled`, wake the task.
    void request_cancel() noexcept override;
    void mark_cancelled() noexcept { state_ = State::cancelled; }

  private:
    friend class ParkingLot;
    TaskContext* task_ = nullptr;
    ParkingLot* lot_ = nullptr;
    ParkingLotWaiter* next_ = nullptr;
    ParkingLotWaiter* prev_ = nullptr;
    State state_ = State::idle;
};

class ParkingLot {
  public:
    struct Statistics {
        std::size_t tasks_waiting = 0;
    };
    class ParkAwaiter;

    ParkingLot() noexcept = default;
    ParkingLot(const ParkingLot&) = delete;
    ParkingLot& operator=(const ParkingLot&) = delete;
    // A lot must outlive its waiters; structured concurrency guarantees it
    // for lots owned by objects the waiting tasks reference.
    ~ParkingLot() = default;

    // Parks the current task until unparked. A checkpoint: raises Cancelled
    // at once inside a cancelled scope, and when cancelled while parked.
    ParkAwaiter park() noexcept;

    // Wakes up to `count` tasks, oldest first; returns how many it woke.
    std::size_t unpark(std::size_t count = 1) noexcept;
    std::size_t unpark_all() noexcept;
    // Moves up to `count` waiters, oldest first, to the back of `other`
    // without waking them (Condition.notify hands waiters to its Lock).
    std::size_t repark(ParkingLot& other, std::size_t count = 1) noexcept;
    std::size_t repark_all(ParkingLot& other) noexcept;

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    Statistics statistics() const noexcept { return {size_}; }

    // --- building blocks for primitives with their own awaiters ---
    // Appends `w` (state `parked`) for `task`; the awaiter then calls
    // task.suspend(h, &w) (or nullptr for a wait that cannot be cancelled).
    void enqueue(ParkingLotWaiter& w, TaskContext& task) noexcept;
    ParkingLotWaiter* front() const noexcept { return head_; }
    // Unlinks `w`, marks it `unparked` and wakes its task.
    void unpark(ParkingLotWaiter& w) noexcept;
    // Unlinks `w` without changing its state.
    void remove(ParkingLotWaiter& w) noexcept;

  private:
    ParkingLotWaiter* head_ = nullptr;
    ParkingLotWaiter* tail_ = nullptr;
    std::size_t size_ = 0;
};

// The usual shape of a primitive's awaiter: complete at once when possible
// (then continue inline within the task's budget, or yield once), else park.
class ParkingAwaiter : public ParkingLotWaiter {
  protected:
    // From await_ready: binds the current task and raises Cancelled inside a
    // cancelled scope (every wait is a checkpoint).
    TaskContext& begin(const char* what) {
        task_ = &current_task(what);
        task_->checkpoint_cancel();
        return *task_;
    }
    // From await_ready, after a fast-path attempt: `done` says it succeeded.
    bool ready(bool done) noexcept {
        if (!done) return false;
        yield_ = task_->spend_budget();
        return !yield_;
    }
    // From await_suspend: yields (fast path, budget spent) or parks in `lot`.
    void suspend_in(ParkingLot& lot, std::coroutine_handle<> h) noexcept {
        if (yield_) {
            // Not cancellable: the operation already happened, keep its result.
            task_->suspend(h, nullptr);
            task_->wake();
            return;
        }
        lot.enqueue(*this, *task_);
        task_->suspend(h, this);
    }
    void throw_if_cancelled() const {
        if (state() == State::cancelled) throw Cancelled();
    }

    TaskContext* task_ = nullptr;
    bool yield_ = false;
};

class ParkingLot::ParkAwaiter : public ParkingAwaiter {
  public:
    explicit ParkAwaiter(ParkingLot& lot) noexcept : target_(&lot) {}
    bool await_ready() {
        begin("ParkingLot::park");
        return false;
    }
    void await_suspend(std::coroutine_handle<> h) noexcept { suspend_in(*target_, h); }
    void await_resume() const { throw_if_cancelled(); }

  private:
    ParkingLot* target_;
};

inline ParkingLot::ParkAwaiter ParkingLot::park() noexcept {
    return ParkAwaiter(*this);
}

}  // namespace coronet::detail
