// asyncio's Future: a result that will be set later, on one loop.
//
//     Future<int> f = event_loop.create_future<int>();   // or Future<int>(loop)
//     f.add_done_callback([](const Future<int>& done) { use(done.result()); });
//     ...elsewhere, on the loop:  f.set_result(42);
//     int v = co_await f;
//
// A Future is a shared handle (copies refer to the same result) that belongs
// to its loop's thread; to complete one from another thread, use
// loop.call_soon_threadsafe. T may be void. result() and co_await copy the
// value out, so T must be copyable for them (take_result() moves it out once).
//
// - set_result / set_exception on a future that is done: InvalidStateError.
// - result() / exception() before done: InvalidStateError; on a cancelled
//   future: CancelledError.
// - cancel() returns false if it was already done.
// - Done callbacks are scheduled with call_soon when the future completes (or
//   at once, if it already has). add_done_callback returns an id;
//   remove_done_callback(id) returns how many callbacks it removed (0 or 1):
//   std::function cannot be compared, so ids stand in for asyncio's identity.
// - A task awaiting a future is cancellable; its cancellation does not cancel
//   the future (other tasks may be waiting for it: coronet cancels scopes, not
//   results). The await raises the future's exception, or CancelledError.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/detail/task_context.hpp"

namespace coronet {

class Loop;

// A future (or task) was used in a state that does not allow it: set twice,
// read before it is done.
class InvalidStateError : public Error {
  public:
    using Error::Error;
};

// The result of a cancelled future or task was asked for. An ordinary error,
// unlike Cancelled: it reports what happened to a result, it does not cancel
// the task that reads it.
class CancelledError : public Error {
  public:
    CancelledError() : Error("the future was cancelled") {}
    using Error::Error;
};

using CallbackId = std::uint64_t;

namespace detail {

struct FutureWaiter;

class FutureCore : public std::enable_shared_from_this<FutureCore> {
  public:
    explicit FutureCore(Loop& loop) noexcept : loop_(&loop) {}
    virtual ~FutureCore() = default;

    Loop& loop() const noexcept { return *loop_; }
    bool done() const noexcept { return state_ != State::pending; }
    bool cancelled() const noexcept { return state_ == State::cancelled; }
    // Throws InvalidStateError unless pending (naming `what`).
    void check_pending(const char* what) const;
    // Throws unless done; CancelledError if cancelled; rethrows the exception.
    void check_result(const char* what);
    std::exception_ptr exception(const char* what);
    void set_exception(std::exception_ptr error);
    bool cancel() noexcept;
    void mark_finished() noexcept;  // after the subclass stored the value
    bool retrieved() const noexcept { return retrieved_; }
    // The stored exception, without counting as retrieval (for reports).
    std::exception_ptr peek_exception() const noexcept { return error_; }

    CallbackId add_done_callback(std::function<void(FutureCore&)> callback);
    std::size_t remove_done_callback(CallbackId id) noexcept;

    void add_waiter(FutureWaiter& waiter) noexcept;
    void remove_waiter(FutureWaiter& waiter) noexcept;

  private:
    enum class State { pending, finished, cancelled };
    void complete(State state) noexcept;
    void schedule_callback(std::function<void(FutureCore&)> callback) noexcept;

    Loop* loop_;
    State state_ = State::pending;
    bool retrieved_ = false;
    std::exception_ptr error_;
    CallbackId next_id_ = 1;
    std::vector<std::pair<CallbackId, std::function<void(FutureCore&)>>> callbacks_;
    FutureWaiter* waiters_ = nullptr;
};

template <class T>
struct FutureState final : FutureCore {
    using FutureCore::FutureCore;
    std::optional<T> value;
};
template <>
struct FutureState<void> final : FutureCore {
    using FutureCore::FutureCore;
};

// A task waiting for a future (intrusive, lives in the awaiter).
struct FutureWaiter : Cancellable {
    FutureCore* core = nullptr;
    TaskContext* task = nullptr;
    FutureWaiter* next = nullptr;
    FutureWaiter* prev = nullptr;
    bool cancelled = false;
    bool ready();  // await_ready's work
    void suspend(std::coroutine_handle<> h) noexcept;
    void request_cancel() noexcept override;
};

}  // namespace detail

template <class T = void>
class Future {
  public:
    explicit Future(Loop& loop) : state_(std::make_shared<detail::FutureState<T>>(loop)) {}

    template <class U = T>
    requires(!std::is_void_v<U>) void set_result(U value) {
        state_->check_pending("Future::set_result");
        state_->value.emplace(std::move(value));
        state_->mark_finished();
    }
    template <class U = T>
    requires std::is_void_v<U>
    void set_result() {
        state_->check_pending("Future::set_result");
        state_->mark_finished();
    }
    void set_exception(std::exception_ptr error) { state_->set_exception(std::move(error)); }
    bool cancel() noexcept { return state_->cancel(); }

    bool done() const noexcept { return state_->done(); }
    bool cancelled() const noexcept { return state_->cancelled(); }

    T result() const {
        state_->check_result("Future::result");
        if constexpr (!std::is_void_v<T>) return *state_->value;
    }
    T take_result() {
        state_->check_result("Future::take_result");
        if constexpr (!std::is_void_v<T>) return std::move(*state_->value);
    }
    // Null when it finished with a value.
    std::exception_ptr exception() const { return state_->exception("Future::exception"); }

    CallbackId add_done_callback(std::function<void(const Future&)> callback) {
        return state_->add_done_callback([callback =
                                              std::move(callback)](detail::FutureCore& core) {
            callback(
                Future(std::static_pointer_cast<detail::FutureState<T>>(core.shared_from_this())));
        });
    }
    std::size_t remove_done_callback(CallbackId id) noexcept {
        return state_->remove_done_callback(id);
    }

    Loop& get_loop() const noexcept { return state_->loop(); }
    // For the runtime: the shared state behind the handle.
    std::shared_ptr<detail::FutureCore> core() const noexcept { return state_; }

    struct Awaiter : detail::FutureWaiter {
        std::shared_ptr<detail::FutureState<T>> state;
        bool await_ready() { return ready(); }
        void await_suspend(std::coroutine_handle<> h) noexcept { suspend(h); }
        T await_resume() {
            if (cancelled) throw Cancelled();
            return Future(state).result();
        }
    };
    Awaiter operator co_await() const {
        Awaiter awaiter;
        awaiter.core = state_.get();
        awaiter.state = state_;
        return awaiter;
    }

    // Two handles are equal when they refer to the same future.
    bool operator==(const Future& other) const noexcept { return state_ == other.state_; }

  protected:
    explicit Future(std::shared_ptr<detail::FutureState<T>> state) noexcept
        : state_(std::move(state)) {}
    std::shared_ptr<detail::FutureState<T>> state_;
};

}  // namespace coronet
