// CapacityLimiter: a pool of tokens with a record of who holds them
// (anyio.CapacityLimiter, trio.CapacityLimiter).
//
//     CapacityLimiter limiter(10);            // at most ten at once
//     co_await limiter.acquire();             // borrower: the current task
//     co_await crawl(url);
//     limiter.release();
//
//     // On behalf of something else (a thread job, a connection object):
//     co_await limiter.acquire_on_behalf_of(&job);
//     limiter.release_on_behalf_of(&job);
//
// Unlike a Semaphore, each borrower holds at most one token: borrowing twice
// or releasing a token one does not hold is a std::logic_error, which catches
// leaks early. total_tokens (at least 1) can change while in use: raising it
// wakes waiters at once; lowering it below borrowed_tokens stops new
// borrowing until enough tokens come back. Fair and cancellation-safe as
// Semaphore (a token handed to a waiter is never lost). acquire() is a
// checkpoint.
#pragma once

#include <coroutine>
#include <cstddef>
#include <unordered_set>
#include <vector>

#include "coronet/runtime/detail/parking_lot.hpp"

namespace coronet {

class CapacityLimiter {
  public:
    struct Statistics {
        std::size_t borrowed_tokens = 0;
        std::size_t total_tokens = 0;
        std::vector<const void*> borrowers;  // opaque identities, in no particular order
        std::size_t tasks_waiting = 0;
    };
    class AcquireAwaiter;

    // std::invalid_argument if total_tokens is 0.
    explicit CapacityLimiter(std::size_t total_tokens);
    CapacityLimiter(const CapacityLimiter&) = delete;
    CapacityLimiter& operator=(const CapacityLimiter&) = delete;

    // Borrows a token for the current task.
    AcquireAwaiter acquire() noexcept;
    void acquire_nowait();
    void release();

    // Borrows a token for `borrower` (any non-null object address).
    AcquireAwaiter acquire_on_behalf_of(const void* borrower) noexcept;
    void acquire_on_behalf_of_nowait(const void* borrower);
    void release_on_behalf_of(const void* borrower);

    std::size_t total_tokens() const noexcept { return total_; }
    // std::invalid_argument if 0. Growing hands the new tokens to waiters.
    void set_total_tokens(std::size_t total_tokens);
    std::size_t borrowed_tokens() const noexcept { return borrowers_.size(); }
    // Never negative: 0 while total_tokens is below borrowed_tokens.
    std::size_t available_tokens() const noexcept;
    Statistics statistics() const;

  private:
    // Validates `borrower`; true if it got a token now.
    bool try_borrow(const void* borrower, const char* what);
    void wake_waiters();

    detail::ParkingLot lot_;
    std::unordered_set<const void*> borrowers_;
    std::size_t total_;
};

class CapacityLimiter::AcquireAwaiter : public detail::ParkingAwaiter {
  public:
    // borrower == nullptr: the current task.
    AcquireAwaiter(CapacityLimiter& limiter, const void* borrower) noexcept
        : limiter_(&limiter), borrower_(borrower) {}
    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) noexcept { suspend_in(limiter_->lot_, h); }
    // Unparked means wake_waiters() recorded our borrower.
    void await_resume() const;

  private:
    friend class CapacityLimiter;
    CapacityLimiter* limiter_;
    const void* borrower_;
    bool duplicate_ = false;
};

inline CapacityLimiter::AcquireAwaiter CapacityLimiter::acquire() noexcept {
    return AcquireAwaiter(*this, nullptr);
}
inline CapacityLimiter::AcquireAwaiter CapacityLimiter::acquire_on_behalf_of(
    const void* borrower) noexcept {
    return AcquireAwaiter(*this, borrower);
}

}  // namespace coronet
