// Waiting for a file descriptor to become readable or writable (Trio's
// wait_readable / wait_writable / notify_closing), for code that drives a
// non-blocking fd itself.
//
//     co_await wait_readable(fd);            // then read(fd, ...) without blocking
//     co_await wait_writable(fd);
//     notify_closing(fd); ::close(fd);       // waiters get ClosedResourceError
//
// Each wait is a checkpoint and is cancellable. It also returns when the fd
// has an error or hang-up pending (the next read or write reports it). On
// both backends it is one `poll` operation (backend/operation.hpp).
#pragma once

#include "coronet/runtime/operation_awaiter.hpp"

namespace coronet {

class FdWaitAwaiter : public OperationAwaiter {
  public:
    FdWaitAwaiter(int fd, short events, const char* what) noexcept;
    FdWaitAwaiter(const FdWaitAwaiter& other) noexcept;
    bool await_ready() {
        bind(op_);
        return OperationAwaiter::await_ready();
    }
    // ClosedResourceError after notify_closing; OSError (EBADF, ...) otherwise.
    void await_resume();

  private:
    backend::Operation op_;
    const char* what_;
};

// OSError (EBADF) for a negative fd.
FdWaitAwaiter wait_readable(int fd);
FdWaitAwaiter wait_writable(int fd);

// Call before closing an fd that tasks may be waiting on: their waits end with
// ClosedResourceError, and the loop forgets what it knew about the fd (so a
// new fd reusing the number starts clean). Loop thread only.
void notify_closing(int fd);

// The same for code that may run while no loop does (a socket closed after
// run_until_complete returned, with its EventLoop still alive): every loop
// alive on this thread forgets the fd, so none keeps a request on it (an
// io_uring request holds the file open) or state a reused number would
// inherit. Does nothing where no loop was made. Never throws.
void notify_closing_on_this_thread(int fd) noexcept;

}  // namespace coronet
