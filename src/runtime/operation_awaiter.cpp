#include "coronet/runtime/operation_awaiter.hpp"

#include <cerrno>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet {

bool OperationAwaiter::await_ready() {
    // Every receive and send passes here, so the common case (inside a task,
    // no cancelled scope anywhere on the loop) is decided inline; the calls
    // behind the two tests raise the errors. The second test is the first
    // line of TaskContext::cancel_pending: change them together.
    task_ = detail::tl_current_task;
    if (!task_) task_ = &detail::current_task("an I/O operation");
    if (!task_->loop || task_->loop->has_cancelled_scopes()) task_->checkpoint_cancel();
    finished_inline_ = false;
    if (!custom_completion_) op_->on_complete = &finish;
    op_->context = this;
    if (!task_->loop->driver().start(*op_)) return false;
    finished_inline_ = true;
    // Finished without waiting: carry on inline unless the task has had its
    // share, in which case await_suspend yields once. A timer that is already
    // due always yields: sleep(0) is a scheduling point, as in Trio.
    return op_->code != backend::OpCode::timeout && !task_->spend_budget();
}

void OperationAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
    if (finished_inline_) {
        task_->suspend(h, nullptr);
        task_->wake();
        return;
    }
    task_->suspend(h, this);
}

int OperationAwaiter::await_resume() {
    if (cancel_requested_ && op_->result == -ECANCELED) throw Cancelled();
    return op_->result;
}

void OperationAwaiter::request_cancel() noexcept {
    cancel_requested_ = true;
    backend::Driver& driver = task_->loop->driver();
    if (op_->code == backend::OpCode::timeout && driver.remove_timer(*op_)) {
        op_->result = -ECANCELED;
        task_->wake();
        return;
    }
    driver.cancel(*op_);
}

void OperationAwaiter::finish(backend::Operation& op) noexcept {
    static_cast<OperationAwaiter*>(op.context)->task_->wake();
}

bool OperationAwaiter::start_again() noexcept {
    // The drivers allow starting from inside a completion. A start that
    // throws (no memory for its bookkeeping) ends the operation with an
    // error the awaiting task sees, since a completion cannot throw.
    try {
        return task_->loop->driver().start(*op_);
    } catch (...) {
        op_->result = -ENOMEM;
        return true;
    }
}

}  // namespace coronet
