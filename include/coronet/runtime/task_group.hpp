// Task groups (Trio's nurseries, AnyIO's task groups): structured concurrency.
//
//     co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
//         tg.spawn(heartbeat());                               // runs concurrently
//         int port = co_await tg.start<int>(serve_on_free_port); // waits for started(port)
//         co_await talk_to(port);
//     });   // waits for every child
//
// Rules:
// - No child outlives its group: with_task_group returns only when the body
//   and every child have finished.
// - When a child (or the body) fails, the group's scope is cancelled, so the
//   siblings and the body receive Cancelled at their next await.
// - The group then raises an ExceptionGroup holding every failure, even when
//   there is just one (Trio's strict rule, AnyIO 4). The group's own
//   cancellation never appears in it. A cancellation coming from outside the
//   group propagates as Cancelled to the scope that caused it.
// - Cancelling `tg.cancel_scope()` ends the group quietly.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/detail/task_context.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

namespace detail {

// Rendezvous between TaskGroup::start() and the child's status.started().
struct StartStateBase : Cancellable {
    TaskContext* starter = nullptr;
    CancelScope* child_scope = nullptr;
    std::exception_ptr error;
    bool done = false;
    bool waiting = false;
    bool cancel_requested = false;

    void finish() noexcept;
    // A cancelled starter cancels the child that has not started yet, then
    // keeps waiting for it: the child must not outlive the state it reports to.
    void request_cancel() noexcept override;

    struct Wait {
        StartStateBase& state;
        bool await_ready() const noexcept { return state.done; }
        void await_suspend(std::coroutine_handle<> h) noexcept {
            state.waiting = true;
            state.starter->suspend(h, &state);
        }
        void await_resume() const noexcept {}
    };
};

template <class T>
struct StartState : StartStateBase {
    std::optional<T> value;
};
template <>
struct StartState<void> : StartStateBase {};

}  // namespace detail

// Handed to a child started with TaskGroup::start; the child calls
// started(value) once it is ready (AnyIO's task_status.started()).
template <class T = void>
class TaskStatus {
  public:
    explicit TaskStatus(detail::StartState<T>* state) noexcept : state_(state) {}
    TaskStatus(const TaskStatus&) = delete;
    TaskStatus& operator=(const TaskStatus&) = delete;

    template <class U = T>
    requires(!std::is_void_v<U>) void started(U value) {
        auto* state = take("started");
        state->value.emplace(std::move(value));
        state->finish();
    }
    template <class U = T>
    requires std::is_void_v<U>
    void started() { take("started")->finish(); }

    // --- runtime internals ---
    bool pending() const noexcept { return state_ != nullptr; }
    void fail(std::exception_ptr error) noexcept {
        auto* state = std::exchange(state_, nullptr);
        state->error = std::move(error);
        state->finish();
    }

  private:
    detail::StartState<T>* take(const char* what) {
        if (!state_) {
            throw std::logic_error(std::string("TaskStatus::") + what +
                                   "() called twice: a child reports started only once");
        }
        return std::exchange(state_, nullptr);
    }
    detail::StartState<T>* state_;
};

class TaskGroup {
  public:
    TaskGroup() = default;
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;
    ~TaskGroup() = default;

    // Runs `task` concurrently, as a child of this group. It starts at the
    // loop's next iteration.
    void spawn(Task<void> task);

    // Same for a callable returning an awaitable; the callable (and its
    // captures) lives as long as the child, so capturing lambdas are safe.
    template <class F, class... Args>
    requires std::is_invocable_v<F&, Args&...>
    void spawn(F fn, Args... args) { spawn(invoke_owned(std::move(fn), std::move(args)...)); }

    // Spawns fn(status) and waits until the child calls status.started(...),
    // returning the value it passed. If the child fails or returns before
    // that, its error is raised here instead of in the group.
    template <class T = void, class F>
    Task<T> start(F fn);

    // The group's scope: cancel it to end every child and the body quietly.
    CancelScope& cancel_scope() noexcept { return scope_; }

    // --- runtime internals (with_task_group drives these) ---
    void open(detail::TaskContext& host);
    void body_finished(std::exception_ptr error) noexcept;
    struct Join {
        TaskGroup& group;
        bool await_ready() const noexcept { return group.children_ == 0; }
        void await_suspend(std::coroutine_handle<> h) noexcept;
        void await_resume() const noexcept {}
    };
    Join join() noexcept { return Join{*this}; }
    void close_and_raise();

  private:
    struct Child;
    void child_finished(Child& child, std::exception_ptr error) noexcept;
    void record(std::exception_ptr error) noexcept;

    template <class F, class... Args>
    static Task<void> invoke_owned(F fn, Args... args) {
        co_await std::invoke(fn, args...);
    }
    template <class T, class F>
    static Task<void> start_child(F fn, detail::StartState<T>* state);

    CancelScope scope_;
    detail::TaskContext* host_ = nullptr;
    std::size_t children_ = 0;
    std::vector<std::exception_ptr> errors_;
    bool saw_cancelled_ = false;
    bool host_waiting_ = false;
    bool closed_ = true;
};

// Opens a task group, runs body(group) in it, waits for every child, and
// raises as described at the top of this file.
template <class F>
requires std::is_invocable_v<F&, TaskGroup&> Task<void> with_task_group(F body) {
    TaskGroup group;
    group.open(detail::current_task("with_task_group"));
    std::exception_ptr body_error;
    try {
        co_await std::invoke(body, group);
    } catch (...) {
        body_error = std::current_exception();
    }
    group.body_finished(std::move(body_error));
    co_await group.join();
    group.close_and_raise();
}

// ---------------------------------------------------------------- internals

template <class T, class F>
Task<T> TaskGroup::start(F fn) {
    detail::TaskContext& starter = detail::current_task("TaskGroup::start");
    // Checked before spawning: once the child runs, we must wait for it.
    starter.checkpoint_cancel();
    detail::StartState<T> state;
    state.starter = &starter;
    spawn(start_child<T>(std::move(fn), &state));
    co_await detail::StartStateBase::Wait{state};
    if (state.error) {
        // Our own cancellation stopped the child: report it as ours.
        if (state.cancel_requested) throw Cancelled();
        std::rethrow_exception(state.error);
    }
    if constexpr (!std::is_void_v<T>) co_return std::move(*state.value);
}

template <class T, class F>
Task<void> TaskGroup::start_child(F fn, detail::StartState<T>* state) {
    TaskStatus<T> status(state);
    CancelScope scope;
    state->child_scope = &scope;
    std::exception_ptr error;
    try {
        co_await scope.run(std::invoke(fn, status));
    } catch (...) {
        error = std::current_exception();
    }
    if (status.pending()) {
        if (!error || scope.cancelled_caught()) {
            error = std::make_exception_ptr(std::runtime_error(
                scope.cancelled_caught()
                    ? "the child was cancelled before it called task_status.started()"
                    : "the child returned without calling task_status.started()"));
        } else {
            try {
                std::rethrow_exception(error);
            } catch (const Cancelled&) {
                error = std::make_exception_ptr(std::runtime_error(
                    "the task group was cancelled before the child called task_status.started()"));
            } catch (...) {
            }
        }
        status.fail(std::move(error));
        co_return;
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace coronet
