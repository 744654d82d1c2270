// The event loop: one per thread, owning a backend driver, a ready queue and
// the loop-level exception handler.
//
// Most programs never touch a Loop directly: `coronet::run(main)` creates one,
// runs `main` to completion and tears it down. The Loop is the place for what
// asyncio's loop offers around that: `call_soon`, `call_soon_threadsafe`, and
// `set_exception_handler` / `call_exception_handler` for errors that have no
// awaiter to go to (a failed connection handler in `serve`, a transport
// callback that threw).
//
// A Loop belongs to the thread that runs it; calling it from another thread
// (other than call_soon_threadsafe) is a std::logic_error, never a data race.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "coronet/backend/driver.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/detail/task_context.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

// What the exception handler receives (asyncio's context dict, typed).
struct ExceptionContext {
    std::string message;           // what was going on: "connection handler failed"
    std::exception_ptr exception;  // may be null
};

struct LoopOptions {
    backend::DriverOptions driver;
};

class Loop {
  public:
    using ExceptionHandler = std::function<void(Loop&, const ExceptionContext&)>;

    explicit Loop(LoopOptions options = {});
    // Runs on a driver the caller made (a wrapped one, in tests).
    explicit Loop(std::unique_ptr<backend::Driver> driver);
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;
    ~Loop();

    // The loop running on this thread; std::logic_error when there is none.
    static Loop& current();
    static Loop* current_or_null() noexcept;

    backend::Driver& driver() noexcept { return *driver_; }
    // The loop's clock (monotonic, or the mock one it was given).
    TimePoint now() const noexcept { return driver_->clock().now(); }
    std::string_view backend_name() const noexcept { return driver_->name(); }

    // Runs `main` to completion on this thread and returns its result (or
    // rethrows its exception). The loop must not be running already.
    template <class T>
    T run_until_complete(Task<T> main);

    // Schedules `fn` to run on the next loop iteration. Loop thread only.
    void call_soon(std::function<void()> fn);
    // Same, from any thread; wakes the loop if it is waiting.
    void call_soon_threadsafe(std::function<void()> fn);

    void set_exception_handler(ExceptionHandler handler);
    // Sends an orphan error to the handler (or the default one). Never throws.
    void call_exception_handler(const ExceptionContext& context) noexcept;
    // Prints one line to stderr: "coronet: <message>: <exception>".
    static void default_exception_handler(const ExceptionContext& context);

    bool is_running() const noexcept { return running_; }
    // Throws std::logic_error naming `what` unless called on the loop's thread.
    void check_thread(const char* what) const;

    // --- for the runtime's awaitables ---
    void schedule(detail::Runnable& runnable) noexcept;
    // Tasks with no parent group (from_thread::run, EventLoop::create_task)
    // live in this scope; destroying the loop cancels them and runs the loop
    // until they have finished, so none outlives it.
    void adopt_detached(detail::TaskContext& task) noexcept;
    void release_detached(detail::TaskContext& task) noexcept;
    // Whether any scope of this loop is cancelled and not yet left. While
    // none is, no task can have a cancellation pending: the check every
    // await makes is then one comparison instead of a walk up the scopes.
    bool has_cancelled_scopes() const noexcept { return cancelled_scopes_ != 0; }

  private:
    friend class CancelScope;
    struct MainTask;
    void run_main(detail::TaskContext& main_task, const bool& finished);
    void run_once();
    void run_ready();
    void drain_threadsafe();
    void enter();
    void leave() noexcept;
    void finish_detached_tasks() noexcept;

    std::unique_ptr<backend::Driver> driver_;
    detail::Runnable* ready_head_ = nullptr;
    detail::Runnable* ready_tail_ = nullptr;
    std::thread::id owner_;
    bool running_ = false;
    std::size_t cancelled_scopes_ = 0;  // kept by CancelScope
    CancelScope detached_scope_;
    std::size_t detached_tasks_ = 0;
    ExceptionHandler exception_handler_;

    std::mutex threadsafe_mutex_;
    std::vector<std::function<void()>> threadsafe_calls_;
    std::atomic<bool> threadsafe_pending_{false};
};

// The backend the loop on this thread runs on ("epoll" or "io_uring"); with
// no loop running, the one a new loop would get.
std::string backend_name();

// ---------------------------------------------------------------- internals

struct Loop::MainTask final : detail::TaskContext, detail::RootObserver {
    bool finished = false;
    std::exception_ptr error;
    void root_finished(std::exception_ptr failure) noexcept override {
        error = std::move(failure);
        finished = true;
    }
};

template <class T>
T Loop::run_until_complete(Task<T> main) {
    auto handle = main.release();
    if (!handle) throw std::invalid_argument("run_until_complete: empty Task");
    struct Destroy {
        std::coroutine_handle<typename Task<T>::promise_type> h;
        ~Destroy() { h.destroy(); }
    } destroy{handle};
    MainTask task;
    handle.promise().mark_started();
    handle.promise().set_observer(&task);
    task.resume_point = handle;
    run_main(task, task.finished);
    if (task.error) std::rethrow_exception(task.error);
    return handle.promise().take_result();
}

}  // namespace coronet
