// asyncio's event loop surface, as a facade over coronet::Loop, for code
// ported from asyncio and for the callback-style (transport/protocol) layer.
//
//     EventLoop loop;
//     loop.call_later(0.5, [&] { std::puts("half a second later"); });
//     TaskHandle<int> t = loop.create_task(compute());
//     int v = loop.run_until_complete(finish(t));
//     loop.close();
//
// Differences from asyncio, on purpose:
// - Tasks cannot outlive the loop: close() cancels the tasks still pending
//   and runs the loop until they have finished (what asyncio.run does), so no
//   coroutine frame is left suspended.
// - run_until_complete(task) returns when that task is done; other tasks
//   stay pending until the next run (as in asyncio), or close().
// - Time is the loop clock's (monotonic, or a MockClock), in seconds.
// - Debug mode reports slow callbacks and tasks whose result was never read
//   through the exception handler (asyncio logs them).
//
// An EventLoop belongs to the thread that created it; only
// call_soon_threadsafe may be called from others. Closing a running loop is a
// std::runtime_error, so is any use of a closed loop.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <unordered_set>

#include "coronet/runtime/detail/detached_task.hpp"
#include "coronet/runtime/fd_watchers.hpp"
#include "coronet/runtime/future.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/signal_handlers.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/runtime/task_handle.hpp"
#include "coronet/runtime/timer_handle.hpp"

namespace coronet {

class EventLoop {
  public:
    explicit EventLoop(LoopOptions options = {});
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;
    ~EventLoop();  // close(), if not closed yet

    // The underlying loop (for the coronet-style API).
    Loop& loop() noexcept { return *loop_; }

    // The loop clock, in seconds.
    double time() const noexcept;

    Handle call_soon(std::function<void()> callback);
    Handle call_soon_threadsafe(std::function<void()> callback);  // any thread
    // `delay` and `when` in seconds, as time(); a negative delay runs soon.
    TimerHandle call_later(double delay, std::function<void()> callback);
    template <class Rep, class Period>
    TimerHandle call_later(std::chrono::duration<Rep, Period> delay,
                           std::function<void()> callback) {
        return call_later(std::chrono::duration<double>(delay).count(), std::move(callback));
    }
    TimerHandle call_at(double when, std::function<void()> callback);

    template <class T = void>
    Future<T> create_future() {
        check_open("create_future");
        return Future<T>(*loop_);
    }
    template <class T>
    TaskHandle<T> create_task(Task<T> task);

    // Runs the loop until `task` (or the future) is done; returns its result
    // or rethrows. std::runtime_error if stop() ended the run first.
    template <class T>
    T run_until_complete(Task<T> task);
    template <class T>
    T run_until_complete(const Future<T>& future);
    // Runs until stop(). stop() before run_forever makes it return after
    // running what is already scheduled.
    void run_forever();
    void stop() noexcept;
    void close();
    bool is_running() const noexcept { return loop_->is_running(); }
    bool is_closed() const noexcept { return closed_.load(std::memory_order_acquire); }

    // asyncio's add_reader family and signal handlers (fd_watchers.hpp,
    // signal_handlers.hpp), owned by this loop.
    void add_reader(int fd, std::function<void()> callback);
    bool remove_reader(int fd);
    void add_writer(int fd, std::function<void()> callback);
    bool remove_writer(int fd);
    void add_signal_handler(int signal_number, std::function<void()> handler);
    bool remove_signal_handler(int signal_number);

    void set_exception_handler(Loop::ExceptionHandler handler);
    void call_exception_handler(const ExceptionContext& context) noexcept;
    static void default_exception_handler(const ExceptionContext& context) {
        Loop::default_exception_handler(context);
    }

    void set_debug(bool enabled) noexcept { debug_ = enabled; }
    bool get_debug() const noexcept { return debug_; }
    // Callbacks running longer than this (seconds, real time) are reported in
    // debug mode. asyncio's default: 0.1.
    double slow_callback_duration = 0.1;

    // --- internals ---
    void register_task(detail::TaskControl& control) noexcept;
    void unregister_task(detail::TaskControl& control) noexcept;
    void disarm(detail::HandleState& timer) noexcept;

  private:
    struct RunnerWait;
    void check_open(const char* what) const;
    void begin_run(const char* what);
    void run_until(std::shared_ptr<detail::FutureCore> core);
    Task<void> wait_for(std::shared_ptr<detail::FutureCore> core);
    void run_handle(detail::HandleState& handle);
    std::function<void()> handle_runner(std::shared_ptr<detail::HandleState> state);
    static void on_timer(backend::Operation& op) noexcept;
    FdWatchers& watchers();

    template <class T>
    static Task<void> run_task(Task<T> task, TaskHandle<T> handle);

    std::unique_ptr<Loop> loop_;
    std::unique_ptr<FdWatchers> watchers_;
    std::unique_ptr<SignalHandlers> signals_;
    std::unordered_set<detail::HandleState*> timers_;  // armed
    detail::TaskControl* tasks_ = nullptr;             // every live task handle
    detail::TaskContext* runner_ = nullptr;            // the run's main, while waiting
    bool stop_requested_ = false;
    bool debug_ = false;
    std::atomic<bool> closed_{false};
};

// ---------------------------------------------------------------- internals

template <class T>
TaskHandle<T> EventLoop::create_task(Task<T> task) {
    check_open("create_task");
    loop_->check_thread("EventLoop::create_task");
    if (!task.valid()) throw std::invalid_argument("EventLoop::create_task: empty Task");
    TaskHandle<T> handle(*this, *loop_);
    detail::spawn_detached(*loop_, run_task<T>(std::move(task), handle));
    return handle;
}

template <class T>
Task<void> EventLoop::run_task(Task<T> task, TaskHandle<T> handle) {
    Future<T>& future = handle;  // its cancel() ends the future, not the task
    detail::TaskControl& control = *handle.control_;
    if (control.cancel_requested) {
        future.cancel();
        co_return;
    }
    CancelScope scope;
    control.scope = &scope;
    std::exception_ptr error;
    detail::scoped_result_t<T> result{};
    try {
        result = co_await scope.run(std::move(task));
    } catch (const Cancelled&) {
        result = {};  // raised by the coroutine itself: it ends cancelled too
    } catch (...) {
        error = std::current_exception();
    }
    control.scope = nullptr;
    if (future.done()) co_return;  // the future was cancelled directly
    if (error) {
        future.set_exception(std::move(error));
    } else if (!result) {
        future.cancel();
    } else if constexpr (std::is_void_v<T>) {
        future.set_result();
    } else {
        future.set_result(std::move(*result));
    }
}

template <class T>
T EventLoop::run_until_complete(Task<T> task) {
    TaskHandle<T> handle = create_task(std::move(task));
    return run_until_complete(static_cast<const Future<T>&>(handle));
}

template <class T>
T EventLoop::run_until_complete(const Future<T>& future) {
    begin_run("run_until_complete");
    run_until(future.core());
    if (!future.done()) {
        throw std::runtime_error(
            "EventLoop::run_until_complete: the loop was stopped before the future completed");
    }
    return future.result();
}

}  // namespace coronet
