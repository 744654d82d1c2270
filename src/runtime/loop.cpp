#include "coronet/runtime/loop.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/detail/hot_tls.hpp"
#include "coronet/runtime/fd_wait.hpp"

namespace coronet {
namespace {

// initial-exec: a plain %fs-relative load instead of a __tls_get_addr call
// per access from this shared library (see CORONET_HOT_TLS).
CORONET_HOT_TLS thread_local Loop* tl_loop = nullptr;

// A call_soon callback on the ready queue; frees itself after running.
struct CallbackRunnable final : detail::Runnable {
    explicit CallbackRunnable(Loop& owner, std::function<void()> callback)
        : loop(owner), fn(std::move(callback)) {
        run = &run_callback;
    }
    static void run_callback(detail::Runnable& self) noexcept {
        auto* callback = static_cast<CallbackRunnable*>(&self);
        try {
            callback->fn();
        } catch (...) {
            callback->loop.call_exception_handler(
                {"exception in callback scheduled with call_soon", std::current_exception()});
        }
        delete callback;
    }
    Loop& loop;
    std::function<void()> fn;
};

// Every loop alive, with the thread that owns it, for
// notify_closing_on_this_thread (a socket closed between two runs).
struct AliveLoops {
    std::mutex mutex;
    std::vector<std::pair<Loop*, std::thread::id>> loops;
};
AliveLoops& alive_loops() {
    static AliveLoops alive;
    return alive;
}

}  // namespace

void notify_closing_on_this_thread(int fd) noexcept {
    AliveLoops& alive = alive_loops();
    const auto self = std::this_thread::get_id();
    std::lock_guard lock(alive.mutex);
    for (auto& [loop, owner] : alive.loops)
        if (owner == self) loop->driver().forget_fd(fd);
}

namespace detail {

void TaskContext::wake() noexcept {
    blocked = nullptr;
    loop->schedule(*this);
}

void TaskContext::resume_task(Runnable& self) noexcept {
    auto& task = static_cast<TaskContext&>(self);
    TaskContext* const outer = tl_current_task;
    tl_current_task = &task;
    task.budget = kTaskBudget;
    // `task` may be destroyed by the time resume_chain returns (its root
    // finished and its group freed it), so it is not touched afterwards.
    resume_chain(std::exchange(task.resume_point, nullptr));
    tl_current_task = outer;
}

TaskContext& current_task(const char* what) {
    if (!tl_current_task) {
        throw std::logic_error(std::string(what) +
                               " must be awaited inside a coronet task (under coronet::run)");
    }
    return *tl_current_task;
}

}  // namespace detail

Loop::Loop(LoopOptions options) : Loop(backend::make_driver(options.driver)) {}

Loop::Loop(std::unique_ptr<backend::Driver> driver)
    : driver_(std::move(driver)), owner_(std::this_thread::get_id()) {
    if (!driver_) throw std::invalid_argument("Loop: the driver must not be null");
    detached_scope_.open_as_root(*this);
    AliveLoops& alive = alive_loops();
    std::lock_guard lock(alive.mutex);
    alive.loops.emplace_back(this, owner_);
}

Loop::~Loop() {
    {
        AliveLoops& alive = alive_loops();
        std::lock_guard lock(alive.mutex);
        std::erase_if(alive.loops, [this](const auto& entry) { return entry.first == this; });
    }
    finish_detached_tasks();
    {
        // A thread still inside call_soon_threadsafe holds this mutex while it
        // wakes the driver: wait for it before the driver goes away.
        std::lock_guard lock(threadsafe_mutex_);
    }
    // Tasks cannot outlive run_until_complete (structured concurrency), but
    // callbacks scheduled and never run are ours to free.
    while (detail::Runnable* r = ready_head_) {
        ready_head_ = r->next_ready;
        if (r->run == &CallbackRunnable::run_callback) delete static_cast<CallbackRunnable*>(r);
    }
}

Loop& Loop::current() {
    if (!tl_loop) {
        throw std::logic_error(
            "no coronet loop is running in this thread (call this under coronet::run)");
    }
    return *tl_loop;
}

Loop* Loop::current_or_null() noexcept {
    return tl_loop;
}

void Loop::check_thread(const char* what) const {
    if (std::this_thread::get_id() != owner_) {
        throw std::logic_error(std::string(what) +
                               " called from a thread that does not own the loop "
                               "(use call_soon_threadsafe to reach a loop from another thread)");
    }
}

void Loop::enter() {
    if (tl_loop) throw std::logic_error("a coronet loop is already running in this thread");
    if (running_) throw std::logic_error("this loop is already running in another thread");
    owner_ = std::this_thread::get_id();
    tl_loop = this;
    running_ = true;
}

void Loop::leave() noexcept {
    tl_loop = nullptr;
    running_ = false;
}

void Loop::run_main(detail::TaskContext& main_task, const bool& finished) {
    enter();
    main_task.loop = this;
    schedule(main_task);
    try {
        while (!finished)
            run_once();
    } catch (...) {
        leave();
        throw;
    }
    leave();
}

void Loop::adopt_detached(detail::TaskContext& task) noexcept {
    detached_scope_.adopt(task);
    ++detached_tasks_;
}

void Loop::release_detached(detail::TaskContext& task) noexcept {
    detached_scope_.release(task);
    --detached_tasks_;
}

void Loop::finish_detached_tasks() noexcept {
    if (detached_tasks_ == 0 || running_ || tl_loop) return;
    detached_scope_.cancel();
    try {
        enter();
        while (detached_tasks_ > 0)
            run_once();
    } catch (...) {
        // The driver failed while draining: nothing more can run; what is
        // left is reported rather than silently abandoned.
        default_exception_handler(
            {"loop destroyed with detached tasks still running", std::current_exception()});
    }
    leave();
}

void Loop::schedule(detail::Runnable& runnable) noexcept {
    if (runnable.queued) return;
    runnable.queued = true;
    runnable.next_ready = nullptr;
    if (ready_tail_) {
        ready_tail_->next_ready = &runnable;
    } else {
        ready_head_ = &runnable;
    }
    ready_tail_ = &runnable;
}

void Loop::run_once() {
    drain_threadsafe();
    backend::Clock& clock = driver_->clock();
    if (ready_head_) {
        driver_->poll(Duration::zero());
    } else if (!clock.is_mock()) {
        driver_->poll(std::nullopt);
    } else {
        // Mock time: wait (in real time) at most the autojump threshold for
        // I/O; if nothing at all happened, everyone is waiting for time, so
        // jump to the next deadline (Trio's autojump).
        const auto threshold = clock.autojump_threshold();
        const std::size_t ran = driver_->poll(threshold);
        drain_threadsafe();
        if (ran == 0 && !ready_head_ && threshold) {
            if (auto deadline = driver_->next_deadline()) {
                clock.jump_to(*deadline);
                driver_->poll(Duration::zero());
            }
        }
    }
    drain_threadsafe();
    run_ready();
}

void Loop::run_ready() {
    // Only what is ready now runs in this iteration; what these schedule runs
    // after the next poll, so I/O is never starved by busy tasks.
    detail::Runnable* r = ready_head_;
    ready_head_ = ready_tail_ = nullptr;
    while (r) {
        detail::Runnable* next = r->next_ready;
        r->next_ready = nullptr;
        r->queued = false;
        r->run(*r);  // may free r: not touched afterwards
        r = next;
    }
}

void Loop::call_soon(std::function<void()> fn) {
    check_thread("Loop::call_soon");
    schedule(*new CallbackRunnable(*this, std::move(fn)));
}

void Loop::call_soon_threadsafe(std::function<void()> fn) {
    // wake() runs under the mutex so the loop cannot drain the call, finish
    // and destroy the driver while this thread is still inside wake().
    std::lock_guard lock(threadsafe_mutex_);
    threadsafe_calls_.push_back(std::move(fn));
    threadsafe_pending_.store(true, std::memory_order_release);
    driver_->wake();
}

void Loop::drain_threadsafe() {
    if (!threadsafe_pending_.load(std::memory_order_acquire)) return;
    std::vector<std::function<void()>> calls;
    {
        std::lock_guard lock(threadsafe_mutex_);
        threadsafe_pending_.store(false, std::memory_order_relaxed);
        calls.swap(threadsafe_calls_);
    }
    for (auto& fn : calls)
        schedule(*new CallbackRunnable(*this, std::move(fn)));
}

void Loop::set_exception_handler(ExceptionHandler handler) {
    check_thread("Loop::set_exception_handler");
    exception_handler_ = std::move(handler);
}

void Loop::call_exception_handler(const ExceptionContext& context) noexcept {
    try {
        if (exception_handler_) {
            exception_handler_(*this, context);
            return;
        }
    } catch (...) {
        // A failing handler must not take the loop down: report both.
        default_exception_handler(
            {"exception in the loop's exception handler", std::current_exception()});
    }
    try {
        default_exception_handler(context);
    } catch (...) {
    }
}

void Loop::default_exception_handler(const ExceptionContext& context) {
    if (context.exception) {
        std::fprintf(stderr, "coronet: %s: %s\n", context.message.c_str(),
                     describe_exception(context.exception).c_str());
    } else {
        std::fprintf(stderr, "coronet: %s\n", context.message.c_str());
    }
}

std::string backend_name() {
    if (Loop* loop = Loop::current_or_null()) return std::string(loop->backend_name());
    switch (backend::backend_from_environment()) {
        case backend::BackendKind::epoll:
            return "epoll";
        case backend::BackendKind::io_uring:
            return "io_uring";
        case backend::BackendKind::automatic:
            break;
    }
    return backend::io_uring_available() ? "io_uring" : "epoll";
}

}  // namespace coronet
