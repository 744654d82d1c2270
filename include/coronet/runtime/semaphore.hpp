// Semaphore: a counter of tokens (trio.Semaphore, anyio.Semaphore).
//
//     Semaphore slots(4);                // at most four downloads at a time
//     co_await slots.acquire();
//     co_await download(url);
//     slots.release();
//
// acquire() takes a token, waiting while there is none. Fair: release()
// hands its token straight to the task that has waited longest instead of
// raising the value, so the token cannot be lost to a cancellation: a
// waiter cancelled before the handoff has left the queue (the token goes to
// the next one), and a waiter handed the token keeps it (its acquire returns
// normally; the next await point raises). With max_value set, releasing
// above it is a std::logic_error (a bounded semaphore catches double
// releases). acquire() is a checkpoint.
#pragma once

#include <coroutine>
#include <cstddef>
#include <optional>

#include "coronet/runtime/detail/parking_lot.hpp"

namespace coronet {

class Semaphore {
  public:
    struct Statistics {
        std::size_t tasks_waiting = 0;
    };
    class AcquireAwaiter;

    // std::invalid_argument if initial_value > max_value.
    explicit Semaphore(std::size_t initial_value,
                       std::optional<std::size_t> max_value = std::nullopt);
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;

    AcquireAwaiter acquire() noexcept;
    // Takes a token now, or raises WouldBlock.
    void acquire_nowait();
    // Returns a token (to the oldest waiter if any). Callable outside tasks.
    void release();

    std::size_t value() const noexcept { return value_; }
    std::optional<std::size_t> max_value() const noexcept { return max_value_; }
    Statistics statistics() const noexcept { return {lot_.size()}; }

  private:
    bool try_take() noexcept;

    detail::ParkingLot lot_;
    std::size_t value_;
    std::optional<std::size_t> max_value_;
};

class Semaphore::AcquireAwaiter : public detail::ParkingAwaiter {
  public:
    explicit AcquireAwaiter(Semaphore& sem) noexcept : sem_(&sem) {}
    bool await_ready() {
        begin("Semaphore::acquire");
        return ready(sem_->try_take());
    }
    void await_suspend(std::coroutine_handle<> h) noexcept { suspend_in(sem_->lot_, h); }
    // Unparked means release() handed us its token.
    void await_resume() const { throw_if_cancelled(); }

  private:
    Semaphore* sem_;
};

inline Semaphore::AcquireAwaiter Semaphore::acquire() noexcept {
    return AcquireAwaiter(*this);
}

}  // namespace coronet
