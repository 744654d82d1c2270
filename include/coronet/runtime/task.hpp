// Task<T>: the coroutine type of coronet.
//
//     Task<int> answer() { co_return 42; }
//     Task<void> main_task() { int x = co_await answer(); }
//
// A Task is lazy (its body starts when awaited), move-only, and can be awaited
// exactly once; an exception thrown in its body propagates to the awaiter.
// Awaiting a Task runs it inside the awaiting task (same cancel scopes); to run
// something concurrently, spawn it in a TaskGroup.
//
// Stack depth stays constant however long a chain of awaits gets, in every
// build: control passes between a Task and its awaiter through a trampoline
// (detail::hand_off), never by a nested resume() that only the optimiser's
// tail call would flatten.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "coronet/runtime/detail/hot_tls.hpp"

namespace coronet {

template <class T = void>
class Task;

namespace detail {

struct TaskContext;

// The trampoline: resume_chain(h) resumes h and then whatever coroutine
// control was handed to, one at a time from this frame, so the native stack
// never grows with the length of a chain.
struct Trampoline {
    std::coroutine_handle<> next;
    bool active = false;
};
CORONET_HOT_TLS inline thread_local Trampoline tl_trampoline;

inline void resume_chain(std::coroutine_handle<> h) {
    Trampoline& t = tl_trampoline;
    // Re-entrant use (a nested loop) must not lose the outer chain's next hop.
    const Trampoline saved = t;
    t.active = true;
    while (h) {
        t.next = nullptr;
        h.resume();
        h = t.next;
    }
    t = saved;
}

// Called from an await_suspend that has just suspended its coroutine: the
// caller returns to the trampoline, which then resumes `h`.
inline void hand_off(std::coroutine_handle<> h) {
    if (tl_trampoline.active) {
        tl_trampoline.next = h;
    } else {
        resume_chain(h);
    }
}

// A finished root coroutine reports here (set for the root of a spawned task).
struct RootObserver {
    virtual void root_finished(std::exception_ptr error) noexcept = 0;

  protected:
    ~RootObserver() = default;
};

class PromiseBase {
  public:
    std::suspend_always initial_suspend() noexcept { return {}; }

    struct FinalAwaiter {
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        void await_suspend(std::coroutine_handle<Promise> h) noexcept {
            PromiseBase& p = h.promise();
            if (p.continuation_) {
                hand_off(p.continuation_);
            } else if (p.observer_) {
                // The observer may destroy this frame: legal, the coroutine is
                // suspended at its final point and nothing here touches it after.
                p.observer_->root_finished(std::move(p.exception_));
            }
        }
        void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }

    void unhandled_exception() noexcept { exception_ = std::current_exception(); }

    void set_continuation(std::coroutine_handle<> h) noexcept { continuation_ = h; }
    void set_observer(RootObserver* observer) noexcept { observer_ = observer; }
    void rethrow_if_failed() {
        if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
    }
    bool started() const noexcept { return started_; }
    void mark_started() noexcept { started_ = true; }

  private:
    std::coroutine_handle<> continuation_;
    RootObserver* observer_ = nullptr;
    std::exception_ptr exception_;
    bool started_ = false;
};

template <class T>
class Promise final : public PromiseBase {
  public:
    Task<T> get_return_object() noexcept;
    template <class U>
    void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        value_.emplace(std::forward<U>(value));
    }
    T take_result() {
        rethrow_if_failed();
        return std::move(*value_);
    }

  private:
    std::optional<T> value_;
};

template <>
class Promise<void> final : public PromiseBase {
  public:
    Task<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void take_result() { rethrow_if_failed(); }
};

[[noreturn]] void throw_task_misuse(const char* what);

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
  public:
    using promise_type = detail::Promise<T>;
    using value_type = T;

    Task() noexcept = default;
    explicit Task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
    Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Task& operator=(Task&& other) noexcept {
        if (this != &other) {
            destroy();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    ~Task() { destroy(); }

    bool valid() const noexcept { return handle_ != nullptr; }

    struct Awaiter {
        std::coroutine_handle<promise_type> handle;
        bool await_ready() const {
            if (!handle) detail::throw_task_misuse("awaiting an empty Task (moved from?)");
            if (handle.promise().started()) {
                detail::throw_task_misuse("a Task can be awaited only once; it was awaited twice");
            }
            return false;
        }
        void await_suspend(std::coroutine_handle<> awaiter) noexcept {
            handle.promise().mark_started();
            handle.promise().set_continuation(awaiter);
            detail::hand_off(handle);
        }
        T await_resume() { return handle.promise().take_result(); }
    };
    Awaiter operator co_await() & noexcept { return Awaiter{handle_}; }
    Awaiter operator co_await() && noexcept { return Awaiter{handle_}; }

    // For the runtime: hands the coroutine over (the caller destroys it).
    std::coroutine_handle<promise_type> release() noexcept {
        return std::exchange(handle_, nullptr);
    }

  private:
    void destroy() noexcept {
        // Only a Task that is not running may be destroyed; the runtime never
        // destroys a frame that is suspended inside an operation.
        if (handle_) handle_.destroy();
    }
    std::coroutine_handle<promise_type> handle_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
    return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
    return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace detail

template <class A>
struct is_task : std::false_type {};
template <class T>
struct is_task<Task<T>> : std::true_type {};

}  // namespace coronet
