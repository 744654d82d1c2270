#include "coronet/runtime/task_group.hpp"

#include "coronet/runtime/loop.hpp"

namespace coronet {

namespace detail {

void StartStateBase::finish() noexcept {
    done = true;
    child_scope = nullptr;
    if (waiting) starter->wake();
}

void StartStateBase::request_cancel() noexcept {
    cancel_requested = true;
    if (child_scope) child_scope->cancel();
}

}  // namespace detail

// A spawned child: its task context, and the owner of its root coroutine.
struct TaskGroup::Child final : detail::TaskContext, detail::RootObserver {
    TaskGroup* group = nullptr;
    std::coroutine_handle<> root;

    void root_finished(std::exception_ptr error) noexcept override {
        group->child_finished(*this, std::move(error));
        // Safe: the root is suspended at its final point, and this context is
        // not touched by the loop after the resume that brought us here.
        root.destroy();
        delete this;
    }
};

void TaskGroup::open(detail::TaskContext& host) {
    host_ = &host;
    closed_ = false;
    scope_.enter(host);
}

void TaskGroup::spawn(Task<void> task) {
    if (closed_) {
        throw std::logic_error(
            "TaskGroup::spawn on a group that is not open (its body and children have "
            "finished): no task can join it");
    }
    host_->loop->check_thread("TaskGroup::spawn");
    if (!task.valid()) throw std::invalid_argument("TaskGroup::spawn: empty Task");
    auto handle = task.release();
    auto* child = new Child;
    child->group = this;
    child->root = handle;
    child->loop = host_->loop;
    child->resume_point = handle;
    handle.promise().mark_started();
    handle.promise().set_observer(child);
    scope_.adopt(*child);
    ++children_;
    host_->loop->schedule(*child);
}

void TaskGroup::record(std::exception_ptr error) noexcept {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const Cancelled&) {
        saw_cancelled_ = true;
        return;
    } catch (...) {
    }
    errors_.push_back(std::move(error));
    scope_.cancel();
}

void TaskGroup::body_finished(std::exception_ptr error) noexcept {
    record(std::move(error));
}

void TaskGroup::child_finished(Child& child, std::exception_ptr error) noexcept {
    scope_.release(child);
    record(std::move(error));
    if (--children_ == 0 && host_waiting_) {
        host_waiting_ = false;
        host_->wake();
    }
}

void TaskGroup::Join::await_suspend(std::coroutine_handle<> h) noexcept {
    // Not cancellable: the children are what cancellation stops; the host
    // just waits for them.
    group.host_waiting_ = true;
    group.host_->suspend(h, nullptr);
}

void TaskGroup::close_and_raise() {
    closed_ = true;
    const bool caught = scope_.leave(saw_cancelled_);
    if (!errors_.empty()) {
        throw ExceptionGroup("unhandled errors in a task group", std::move(errors_));
    }
    if (saw_cancelled_ && !caught) throw Cancelled();
}

}  // namespace coronet
