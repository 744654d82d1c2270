#include "coronet/runtime/cancel_scope.hpp"

#include <string>

#include "coronet/runtime/loop.hpp"

namespace coronet {

namespace detail {

bool TaskContext::cancel_pending() const noexcept {
    // OperationAwaiter::await_ready repeats this test inline.
    if (loop && !loop->has_cancelled_scopes()) return false;
    for (const CancelScope* s = scope; s; s = s->parent_) {
        if (s->cancel_called_) return true;
        if (s->shield_) return false;
    }
    return false;
}

void TaskContext::checkpoint_cancel() const {
    if (cancel_pending()) throw Cancelled();
}

}  // namespace detail

CancelScope::CancelScope(TimePoint deadline, bool shield) noexcept
    : deadline_(deadline), shield_(shield) {}

CancelScope::~CancelScope() {
    // Normally already left; a scope destroyed while active (its coroutine
    // frame destroyed early) must still not leave a timer pointing at it.
    // Its loop may count it as cancelled for good then: that only costs the
    // loop's awaits the walk up their scopes. Counting it out here could
    // touch a loop already destroyed (a frame that outlived its EventLoop).
    disarm_timer();
}

void CancelScope::enter(detail::TaskContext& task) {
    if (entered_) throw std::logic_error("a CancelScope can be entered only once");
    entered_ = true;
    owner_ = &task;
    loop_ = task.loop;
    parent_ = task.scope;
    if (parent_) {
        parent_->release(task);
        next_sibling_ = parent_->first_child_;
        if (next_sibling_) next_sibling_->prev_sibling_ = this;
        parent_->first_child_ = this;
    }
    adopt(task);
    if (cancel_called_) {  // cancelled before it was entered
        ++loop_->cancelled_scopes_;
        return;
    }
    if (deadline_ != kNoDeadline) {
        if (deadline_ <= loop_->now()) {
            mark_cancel_called();
        } else {
            arm_timer();
        }
    }
}

void CancelScope::open_as_root(Loop& loop) noexcept {
    entered_ = true;
    loop_ = &loop;
}

bool CancelScope::leave(bool cancelled_in_flight) noexcept {
    // Once only: run()'s handler for an exception from its own co_return
    // (a result whose move throws) reaches here a second time, and leaving
    // twice would unlink the task twice and count the scope out twice.
    if (left_) return false;
    disarm_timer();
    release(*owner_);
    if (parent_) {
        parent_->adopt(*owner_);
        (prev_sibling_ ? prev_sibling_->next_sibling_ : parent_->first_child_) = next_sibling_;
        if (next_sibling_) next_sibling_->prev_sibling_ = prev_sibling_;
    } else {
        owner_->scope = nullptr;
    }
    next_sibling_ = prev_sibling_ = nullptr;
    if (cancel_called_) --loop_->cancelled_scopes_;
    left_ = true;
    const bool caught = cancelled_in_flight && cancel_called_;
    if (caught) cancelled_caught_ = true;
    return caught;
}

void CancelScope::adopt(detail::TaskContext& task) noexcept {
    task.scope = this;
    task.scope_prev = nullptr;
    task.scope_next = first_task_;
    if (first_task_) first_task_->scope_prev = &task;
    first_task_ = &task;
}

void CancelScope::release(detail::TaskContext& task) noexcept {
    (task.scope_prev ? task.scope_prev->scope_next : first_task_) = task.scope_next;
    if (task.scope_next) task.scope_next->scope_prev = task.scope_prev;
    task.scope_next = task.scope_prev = nullptr;
}

void CancelScope::mark_cancel_called() noexcept {
    cancel_called_ = true;
    if (entered_ && !left_) ++loop_->cancelled_scopes_;
}

void CancelScope::cancel() noexcept {
    if (cancel_called_) return;
    mark_cancel_called();
    disarm_timer();
    if (entered_ && !left_) deliver_cancel();
}

void CancelScope::deliver_cancel() noexcept {
    // Wake every task blocked anywhere below, except behind a shield. The
    // hooks only cancel operations and reschedule tasks: they never run user
    // code, so the tree cannot change while we walk it.
    for (detail::TaskContext* task = first_task_; task; task = task->scope_next) {
        if (detail::Cancellable* blocked = task->blocked) {
            task->blocked = nullptr;
            blocked->request_cancel();
        }
    }
    for (CancelScope* child = first_child_; child; child = child->next_sibling_) {
        if (!child->shield_) child->deliver_cancel();
    }
}

void CancelScope::set_deadline(TimePoint deadline) {
    deadline_ = deadline;
    if (!entered_ || left_ || cancel_called_) return;
    disarm_timer();
    if (deadline_ == kNoDeadline) return;
    if (deadline_ <= loop_->now()) {
        cancel();
    } else {
        arm_timer();
    }
}

void CancelScope::set_shield(bool shield) noexcept {
    shield_ = shield;
    if (shield || !entered_ || left_ || !parent_) return;
    // Dropping a shield exposes the cancellation of the scopes around us.
    for (const CancelScope* s = parent_; s; s = s->parent_) {
        if (s->cancel_called_) {
            deliver_cancel();
            return;
        }
        if (s->shield_) return;
    }
}

void CancelScope::arm_timer() {
    timer_ = backend::Operation{};
    timer_.code = backend::OpCode::timeout;
    timer_.deadline = deadline_;
    timer_.on_complete = &CancelScope::on_deadline;
    timer_.context = this;
    if (loop_->driver().start(timer_)) {
        mark_cancel_called();  // already due: the task is running, nothing to wake
        return;
    }
    timer_armed_ = true;
}

void CancelScope::disarm_timer() noexcept {
    if (!timer_armed_) return;
    // Timers fire inside poll() straight from the heap, so an armed timer is
    // always still in the heap here and removal is synchronous.
    loop_->driver().remove_timer(timer_);
    timer_armed_ = false;
}

void CancelScope::on_deadline(backend::Operation& op) noexcept {
    auto* scope = static_cast<CancelScope*>(op.context);
    if (op.result < 0) return;
    scope->timer_armed_ = false;
    scope->cancel();
}

TimePoint current_time() {
    return Loop::current().now();
}

TimePoint deadline_after(Duration delay, const char* who) {
    if (delay < Duration::zero()) {
        throw std::invalid_argument(std::string(who) + ": the delay must not be negative (got " +
                                    std::to_string(delay.count()) + " ns)");
    }
    const TimePoint now = current_time();
    if (delay >= kNoDeadline - now) return kNoDeadline;
    return now + delay;
}

}  // namespace coronet
