// Internals shared by the runtime's awaitables: the scheduled unit
// (Runnable), the per-task state (TaskContext) and the hook a blocked task
// leaves for cancellation (Cancellable). Not part of the public API.
#pragma once

#include <coroutine>

#include "coronet/runtime/detail/hot_tls.hpp"

namespace coronet {
class CancelScope;
class Loop;
}  // namespace coronet

namespace coronet::detail {

// Anything the loop's ready queue can run: a task to resume or a callback.
struct Runnable {
    Runnable* next_ready = nullptr;
    void (*run)(Runnable& self) noexcept = nullptr;
    bool queued = false;
};

// What a task blocked in an await leaves behind so that cancellation can
// interrupt it. request_cancel must end the wait promptly; the task then
// raises Cancelled (or returns a result that arrived first: nothing is lost).
struct Cancellable {
    virtual void request_cancel() noexcept = 0;

  protected:
    ~Cancellable() = default;
};

// How many awaits in a row may complete without suspending before the task
// yields to the others (Tokio's co-operative budget): without it a task whose
// socket always has data would starve everyone else.
inline constexpr int kTaskBudget = 128;

// One task: a chain of coroutines that runs as a unit (Trio's Task). Awaiting
// a Task<T> stays inside the same TaskContext; spawning creates a new one.
struct TaskContext : Runnable {
    TaskContext() noexcept { run = &resume_task; }

    // The innermost cancel scope the task is in (nullptr: none).
    CancelScope* scope = nullptr;
    // Intrusive membership in scope->tasks.
    TaskContext* scope_next = nullptr;
    TaskContext* scope_prev = nullptr;

    // Set while suspended: what to resume, and how to interrupt the wait.
    std::coroutine_handle<> resume_point;
    Cancellable* blocked = nullptr;

    Loop* loop = nullptr;
    int budget = kTaskBudget;

    // Level-triggered: true while any enclosing, unshielded scope is cancelled.
    bool cancel_pending() const noexcept;
    // Throws Cancelled if cancel_pending(): the check at every await point.
    void checkpoint_cancel() const;

    // Park: remember where to resume and how to interrupt.
    void suspend(std::coroutine_handle<> h, Cancellable* on_cancel) noexcept {
        resume_point = h;
        blocked = on_cancel;
    }
    // Make runnable again (the loop resumes `resume_point`).
    void wake() noexcept;

    // Counts one await that finished without suspending; true when the task
    // has used its budget and should yield now.
    bool spend_budget() noexcept {
        if (--budget > 0) return false;
        budget = kTaskBudget;
        return true;
    }

  private:
    static void resume_task(Runnable& self) noexcept;
};

// The task running on this thread right now (nullptr in plain callbacks).
CORONET_HOT_TLS inline thread_local TaskContext* tl_current_task = nullptr;

// The current task, or a std::logic_error naming `what` when there is none
// (an await used outside coronet::run).
TaskContext& current_task(const char* what);

}  // namespace coronet::detail
