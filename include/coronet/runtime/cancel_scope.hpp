// Cancel scopes and timeouts, as in Trio and AnyIO.
//
//     // Give up after 2 s; nullopt when the deadline passed.
//     std::optional<Bytes> r = co_await move_on_after(2s, stream.receive());
//     // Same, but raise TimeoutError.
//     Bytes b = co_await fail_after(2s, stream.receive());
//
//     // A scope other tasks can cancel, around several steps:
//     CancelScope scope;
//     tg.spawn(watchdog(scope));                  // may call scope.cancel()
//     bool finished = co_await scope.run(work()); // false: cancelled
//
// Semantics (Trio's): cancellation is level-triggered. Once a scope is
// cancelled (cancel() or its deadline), every await point inside it raises
// `Cancelled`, again and again, until control leaves the scope, which then
// catches the `Cancelled` (cancelled_caught() becomes true). Scopes nest; a
// shielded scope hides the cancellation of the scopes around it. An await
// that had already completed when the cancellation came returns its result
// (nothing is lost); the next await point raises.
//
// There are no per-call timeout parameters in coronet: timeouts are scopes.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/runtime/detail/awaitable_traits.hpp"
#include "coronet/runtime/detail/task_context.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

inline constexpr TimePoint kNoDeadline = TimePoint::max();

class CancelScope {
  public:
    explicit CancelScope(TimePoint deadline = kNoDeadline, bool shield = false) noexcept;
    CancelScope(const CancelScope&) = delete;
    CancelScope& operator=(const CancelScope&) = delete;
    ~CancelScope();

    // Cancels every await inside the scope (including in tasks spawned inside
    // it) now and until the scope is left. Idempotent; callable before the
    // scope is entered and after it is left.
    void cancel() noexcept;
    bool cancel_called() const noexcept { return cancel_called_; }
    // True once the scope has caught the Cancelled it caused.
    bool cancelled_caught() const noexcept { return cancelled_caught_; }

    TimePoint deadline() const noexcept { return deadline_; }
    // Moves the deadline (earlier or later), also while the scope is active.
    void set_deadline(TimePoint deadline);
    bool shield() const noexcept { return shield_; }
    void set_shield(bool shield) noexcept;

    // Runs `awaitable` inside this scope. Returns its result, or nullopt when
    // this scope's cancellation ended it (for void: true if it completed).
    // A scope can be run once.
    template <class Awaitable>
    auto run(Awaitable awaitable)
        -> Task<detail::scoped_result_t<detail::await_result_t<Awaitable>>>;

    // --- runtime internals ---
    // Enter/leave for the current task. leave(true) is called with a
    // Cancelled propagating out of the scope and returns whether the scope
    // catches it (it does when it was itself cancelled).
    void enter(detail::TaskContext& task);
    bool leave(bool cancelled_in_flight) noexcept;
    // Opens the scope with no owning task: the loop's scope for detached
    // tasks, which it cancels when the loop is destroyed.
    void open_as_root(Loop& loop) noexcept;
    // Attaches a spawned task (a group's child) to this scope.
    void adopt(detail::TaskContext& task) noexcept;
    void release(detail::TaskContext& task) noexcept;
    CancelScope* parent() const noexcept { return parent_; }

  private:
    struct DeadlineTimer;
    void deliver_cancel() noexcept;
    // Sets cancel_called_, counting the scope in its loop's cancelled
    // scopes while it is active (Loop::has_cancelled_scopes).
    void mark_cancel_called() noexcept;
    void arm_timer();
    void disarm_timer() noexcept;
    static void on_deadline(backend::Operation& op) noexcept;

    TimePoint deadline_;
    CancelScope* parent_ = nullptr;
    CancelScope* first_child_ = nullptr;
    CancelScope* next_sibling_ = nullptr;
    CancelScope* prev_sibling_ = nullptr;
    detail::TaskContext* first_task_ = nullptr;
    detail::TaskContext* owner_ = nullptr;  // the task that entered the scope
    Loop* loop_ = nullptr;
    backend::Operation timer_;
    bool timer_armed_ = false;
    bool shield_ = false;
    bool cancel_called_ = false;
    bool cancelled_caught_ = false;
    bool entered_ = false;
    bool left_ = false;

    friend struct detail::TaskContext;
};

// The current time on the running loop's clock.
TimePoint current_time();
// now + delay; std::invalid_argument if delay is negative.
TimePoint deadline_after(Duration delay, const char* who);

// Runs `awaitable`; gives up at the deadline and returns nullopt (for an
// awaitable returning void: false if it gave up, true if it completed).
template <class Awaitable>
auto move_on_at(TimePoint deadline, Awaitable awaitable)
    -> Task<detail::scoped_result_t<detail::await_result_t<Awaitable>>> {
    CancelScope scope(deadline);
    co_return co_await scope.run(std::move(awaitable));
}

template <class Awaitable, class Rep, class Period>
auto move_on_after(std::chrono::duration<Rep, Period> delay, Awaitable awaitable) {
    return move_on_at(deadline_after(std::chrono::duration_cast<Duration>(delay), "move_on_after"),
                      std::move(awaitable));
}

// Runs `awaitable`; raises TimeoutError at the deadline.
template <class Awaitable>
auto fail_at(TimePoint deadline, Awaitable awaitable) -> Task<detail::await_result_t<Awaitable>> {
    using Result = detail::await_result_t<Awaitable>;
    CancelScope scope(deadline);
    if constexpr (std::is_void_v<Result>) {
        if (!co_await scope.run(std::move(awaitable))) throw TimeoutError();
    } else {
        auto result = co_await scope.run(std::move(awaitable));
        if (!result) throw TimeoutError();
        co_return std::move(*result);
    }
}

template <class Awaitable, class Rep, class Period>
auto fail_after(std::chrono::duration<Rep, Period> delay, Awaitable awaitable) {
    return fail_at(deadline_after(std::chrono::duration_cast<Duration>(delay), "fail_after"),
                   std::move(awaitable));
}

// Runs `awaitable` shielded from the cancellation of enclosing scopes
// (cleanup that must finish, such as a graceful close).
template <class Awaitable>
auto shielded(Awaitable awaitable) -> Task<detail::await_result_t<Awaitable>> {
    CancelScope scope(kNoDeadline, /*shield=*/true);
    if constexpr (std::is_void_v<detail::await_result_t<Awaitable>>) {
        co_await scope.run(std::move(awaitable));
    } else {
        co_return std::move(*co_await scope.run(std::move(awaitable)));
    }
}

// ---------------------------------------------------------------- internals

template <class Awaitable>
auto CancelScope::run(Awaitable awaitable)
    -> Task<detail::scoped_result_t<detail::await_result_t<Awaitable>>> {
    using Result = detail::await_result_t<Awaitable>;
    enter(detail::current_task("CancelScope::run"));
    try {
        if constexpr (std::is_void_v<Result>) {
            co_await std::move(awaitable);
        } else {
            std::optional<Result> value(co_await std::move(awaitable));
            leave(false);
            co_return value;
        }
    } catch (const Cancelled&) {
        if (!leave(true)) throw;
        co_return detail::scoped_result_t<Result>{};  // nullopt, or false for void
    } catch (...) {
        leave(false);
        throw;
    }
    leave(false);
    if constexpr (std::is_void_v<Result>) co_return true;
}

}  // namespace coronet
