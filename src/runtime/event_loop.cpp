#include "coronet/runtime/event_loop.hpp"

#include <cmath>
#include <cstdio>
#include <string>

namespace coronet {

namespace detail {

TaskControl::TaskControl(EventLoop& owner, std::shared_ptr<FutureCore> result)
    : loop(&owner), future(std::move(result)) {
    loop->register_task(*this);
}

TaskControl::~TaskControl() {
    if (!loop) return;
    loop->unregister_task(*this);
    if (!future->done() || future->retrieved() || future->cancelled()) return;
    if (std::exception_ptr error = future->peek_exception()) {
        loop->call_exception_handler({"task exception was never retrieved", error});
    } else if (loop->get_debug()) {
        loop->call_exception_handler(
            {"task was created but its result was never awaited", nullptr});
    }
}

}  // namespace detail

// What a run's main task waits on: a future's completion or stop().
struct EventLoop::RunnerWait {
    EventLoop& loop;
    const detail::FutureCore* core;
    bool await_ready() const noexcept { return loop.stop_requested_ || (core && core->done()); }
    void await_suspend(std::coroutine_handle<> h) noexcept {
        loop.runner_ = detail::tl_current_task;
        loop.runner_->suspend(h, nullptr);  // nothing cancels a run's main task
    }
    void await_resume() const noexcept {}
};

EventLoop::EventLoop(LoopOptions options) : loop_(std::make_unique<Loop>(std::move(options))) {}

EventLoop::~EventLoop() {
    try {
        close();
    } catch (...) {
        // Running (destroyed from inside its own run) or failing to drain:
        // nothing sensible is left to do in a destructor.
    }
    for (detail::TaskControl* t = tasks_; t; t = t->next)
        t->loop = nullptr;
}

double EventLoop::time() const noexcept {
    return std::chrono::duration<double>(loop_->now().time_since_epoch()).count();
}

void EventLoop::check_open(const char* what) const {
    if (is_closed()) {
        throw std::runtime_error(std::string("EventLoop::") + what + ": the event loop is closed");
    }
}

void EventLoop::run_handle(detail::HandleState& handle) {
    if (handle.cancelled.load(std::memory_order_acquire)) return;
    std::function<void()> callback = std::move(handle.callback);
    if (!debug_) {
        callback();
        return;
    }
    const auto start = std::chrono::steady_clock::now();
    auto report = [&] {
        const double took =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (took < slow_callback_duration) return;
        char text[96];
        std::snprintf(text, sizeof text, "executing a callback took %.3f seconds", took);
        call_exception_handler({text, nullptr});
    };
    try {
        callback();
    } catch (...) {
        report();
        throw;  // to the loop's "exception in callback" report
    }
    report();
}

std::function<void()> EventLoop::handle_runner(std::shared_ptr<detail::HandleState> state) {
    return [this, state = std::move(state)] { run_handle(*state); };
}

Handle EventLoop::call_soon(std::function<void()> callback) {
    check_open("call_soon");
    auto state = std::make_shared<detail::HandleState>();
    state->callback = std::move(callback);
    loop_->call_soon(handle_runner(state));
    return Handle(std::move(state));
}

Handle EventLoop::call_soon_threadsafe(std::function<void()> callback) {
    check_open("call_soon_threadsafe");
    auto state = std::make_shared<detail::HandleState>();
    state->callback = std::move(callback);
    loop_->call_soon_threadsafe(handle_runner(state));
    return Handle(std::move(state));
}

TimerHandle EventLoop::call_later(double delay, std::function<void()> callback) {
    if (std::isnan(delay)) throw std::invalid_argument("EventLoop::call_later: delay is NaN");
    return call_at(time() + std::max(delay, 0.0), std::move(callback));
}

TimerHandle EventLoop::call_at(double when, std::function<void()> callback) {
    check_open("call_at");
    loop_->check_thread("EventLoop::call_at");
    if (std::isnan(when)) throw std::invalid_argument("EventLoop::call_at: when is NaN");
    auto state = std::make_shared<detail::HandleState>();
    state->callback = std::move(callback);
    state->loop = this;
    state->when = when;
    const double limit = std::chrono::duration<double>(kNoDeadline.time_since_epoch()).count();
    state->timer.code = backend::OpCode::timeout;
    state->timer.deadline = when >= limit
                                ? kNoDeadline
                                : TimePoint(std::chrono::duration_cast<Duration>(
                                      std::chrono::duration<double>(std::max(when, 0.0))));
    state->timer.on_complete = &EventLoop::on_timer;
    state->timer.context = state.get();
    if (loop_->driver().start(state->timer)) {
        loop_->call_soon(handle_runner(state));  // already due
    } else {
        // The backend owns the operation until it fires or is removed.
        state->self = state;
        timers_.insert(state.get());
    }
    return TimerHandle(std::move(state));
}

void EventLoop::on_timer(backend::Operation& op) noexcept {
    auto* raw = static_cast<detail::HandleState*>(op.context);
    std::shared_ptr<detail::HandleState> state = std::move(raw->self);
    EventLoop& self = *raw->loop;
    self.timers_.erase(raw);
    if (op.result < 0 || state->cancelled.load(std::memory_order_acquire)) return;
    try {
        // Through the ready queue, like every callback: timers that fire in
        // one poll run in deadline order, in the loop's callback phase.
        self.loop_->call_soon(self.handle_runner(std::move(state)));
    } catch (...) {
        self.call_exception_handler(
            {"a timer callback could not be scheduled", std::current_exception()});
    }
}

void EventLoop::disarm(detail::HandleState& timer) noexcept {
    if (!timer.self) return;
    if (loop_->driver().remove_timer(timer.timer)) {
        timers_.erase(&timer);
        timer.self.reset();  // may free `timer`: last touch
    }
}

void Handle::cancel() {
    state_->cancelled.store(true, std::memory_order_release);
    // An armed timer leaves the backend now (call_later handles belong to
    // the loop's thread, like the loop).
    if (state_->loop && state_->self) state_->loop->disarm(*state_);
}

void EventLoop::register_task(detail::TaskControl& control) noexcept {
    control.prev = nullptr;
    control.next = tasks_;
    if (tasks_) tasks_->prev = &control;
    tasks_ = &control;
}

void EventLoop::unregister_task(detail::TaskControl& control) noexcept {
    (control.prev ? control.prev->next : tasks_) = control.next;
    if (control.next) control.next->prev = control.prev;
    control.next = control.prev = nullptr;
}

void EventLoop::begin_run(const char* what) {
    check_open(what);
    if (loop_->is_running()) {
        throw std::runtime_error(std::string("EventLoop::") + what +
                                 ": the event loop is already running");
    }
}

Task<void> EventLoop::wait_for(std::shared_ptr<detail::FutureCore> core) {
    CallbackId id = 0;
    if (core) {
        id = core->add_done_callback([this](detail::FutureCore&) {
            if (detail::TaskContext* runner = std::exchange(runner_, nullptr)) runner->wake();
        });
    }
    co_await RunnerWait{*this, core.get()};
    runner_ = nullptr;
    if (core) core->remove_done_callback(id);
    stop_requested_ = false;
}

void EventLoop::run_until(std::shared_ptr<detail::FutureCore> core) {
    loop_->run_until_complete(wait_for(std::move(core)));
}

void EventLoop::run_forever() {
    begin_run("run_forever");
    run_until(nullptr);
}

void EventLoop::stop() noexcept {
    stop_requested_ = true;
    if (detail::TaskContext* runner = std::exchange(runner_, nullptr)) runner->wake();
}

void EventLoop::close() {
    if (is_closed()) return;
    if (loop_->is_running()) {
        throw std::runtime_error("EventLoop::close: cannot close a running event loop");
    }
    // asyncio.run's cleanup: cancel what is pending and let it finish, so no
    // coroutine frame is left suspended when the loop goes.
    std::vector<std::shared_ptr<detail::FutureCore>> pending;
    for (detail::TaskControl* t = tasks_; t; t = t->next) {
        if (t->future->done()) continue;
        t->cancel_requested = true;
        if (t->scope) t->scope->cancel();
        pending.push_back(t->future);
    }
    for (auto& core : pending) {
        stop_requested_ = false;
        run_until(core);
    }
    signals_.reset();
    watchers_.reset();
    while (!timers_.empty())
        disarm(**timers_.begin());
    closed_.store(true, std::memory_order_release);
}

FdWatchers& EventLoop::watchers() {
    if (!watchers_) watchers_ = std::make_unique<FdWatchers>(*loop_);
    return *watchers_;
}

void EventLoop::add_reader(int fd, std::function<void()> callback) {
    check_open("add_reader");
    watchers().add_reader(fd, std::move(callback));
}
bool EventLoop::remove_reader(int fd) {
    return watchers_ && watchers_->remove_reader(fd);
}
void EventLoop::add_writer(int fd, std::function<void()> callback) {
    check_open("add_writer");
    watchers().add_writer(fd, std::move(callback));
}
bool EventLoop::remove_writer(int fd) {
    return watchers_ && watchers_->remove_writer(fd);
}

void EventLoop::add_signal_handler(int signal_number, std::function<void()> handler) {
    check_open("add_signal_handler");
    if (!signals_) signals_ = std::make_unique<SignalHandlers>(*loop_);
    signals_->add_signal_handler(signal_number, std::move(handler));
}
bool EventLoop::remove_signal_handler(int signal_number) {
    return signals_ && signals_->remove_signal_handler(signal_number);
}

void EventLoop::set_exception_handler(Loop::ExceptionHandler handler) {
    loop_->set_exception_handler(std::move(handler));
}
void EventLoop::call_exception_handler(const ExceptionContext& context) noexcept {
    loop_->call_exception_handler(context);
}

}  // namespace coronet
