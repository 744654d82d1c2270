// Awaiting one backend operation from a task: the bridge every I/O call in
// the layers above is built on.
//
//     backend::Operation op;
//     op.code = backend::OpCode::recv; op.fd = fd; op.buffer = p; op.length = n;
//     int result = co_await OperationAwaiter(op);   // bytes, or -errno
//
// The await is a checkpoint: inside a cancelled scope it raises Cancelled
// before starting anything. When the operation finishes at once (epoll's
// try-first path) the task continues without suspending, within a budget
// after which it yields so other tasks run. When cancellation arrives while it
// waits, the operation is cancelled through the driver and the task resumes
// only after the driver gave the operation back: with -ECANCELED the await
// raises Cancelled; with a real result (the kernel finished first) the result
// is returned, so no received byte is ever dropped.
#pragma once

#include <coroutine>

#include "coronet/backend/driver.hpp"
#include "coronet/runtime/detail/task_context.hpp"

namespace coronet {

class OperationAwaiter : private detail::Cancellable {
  public:
    explicit OperationAwaiter(backend::Operation& op) noexcept : op_(&op) {}
    OperationAwaiter(const OperationAwaiter&) = default;

    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) noexcept;
    int await_resume();

  protected:
    using Completion = void (*)(backend::Operation&) noexcept;

    OperationAwaiter() = default;
    void bind(backend::Operation& op) noexcept { op_ = &op; }
    backend::Operation& operation() const noexcept { return *op_; }

    // For awaiters that carry an operation on from its own completion (a
    // send that resubmits the rest after a partial write) without a
    // coroutine frame: `completion` runs instead of the wake-up; it either
    // restarts the operation (start_again) or calls finish(op).
    // Call after bind(): it is kept in the operation, not in the awaiter, which
    // sits in the caller's frame for as long as the frame lives.
    void set_completion(Completion completion) noexcept {
        op_->on_complete = completion;
        custom_completion_ = true;
    }
    // Starts the operation again from a completion; true if it finished
    // inline (the completion will not run for it).
    bool start_again() noexcept;
    bool cancel_was_requested() const noexcept { return cancel_requested_; }
    // Whether the last await_ready finished the operation without waiting.
    bool finished_inline() const noexcept { return finished_inline_; }
    // Resumes the waiting task (the default completion).
    static void finish(backend::Operation& op) noexcept;

  private:
    void request_cancel() noexcept override;

    backend::Operation* op_ = nullptr;
    detail::TaskContext* task_ = nullptr;
    bool custom_completion_ = false;
    bool finished_inline_ = false;
    bool cancel_requested_ = false;
};

}  // namespace coronet
