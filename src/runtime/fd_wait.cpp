#include "coronet/runtime/fd_wait.hpp"

#include <poll.h>

#include <cerrno>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet {

FdWaitAwaiter::FdWaitAwaiter(int fd, short events, const char* what) noexcept : what_(what) {
    op_.code = backend::OpCode::poll;
    op_.fd = fd;
    op_.poll_events = events;
}

FdWaitAwaiter::FdWaitAwaiter(const FdWaitAwaiter& other) noexcept
    : OperationAwaiter(), op_(other.op_), what_(other.what_) {}

void FdWaitAwaiter::await_resume() {
    const int result = OperationAwaiter::await_resume();  // Cancelled if we were cancelled
    if (result >= 0) return;
    if (result == -ECANCELED) {
        throw ClosedResourceError(std::string(what_) +
                                  ": the fd was closed (notify_closing) while a task waited on it");
    }
    throw_os_error(-result, what_, "fd " + std::to_string(op_.fd));
}

namespace {
void check_fd(int fd, const char* what) {
    // poll(2) silently ignores negative fds: the wait would never end.
    if (fd < 0) throw_os_error(EBADF, what, "fd " + std::to_string(fd));
}
}  // namespace

FdWaitAwaiter wait_readable(int fd) {
    check_fd(fd, "wait_readable");
    return FdWaitAwaiter(fd, POLLIN, "wait_readable");
}

FdWaitAwaiter wait_writable(int fd) {
    check_fd(fd, "wait_writable");
    return FdWaitAwaiter(fd, POLLOUT, "wait_writable");
}

void notify_closing(int fd) {
    Loop& loop = Loop::current();
    loop.check_thread("notify_closing");
    loop.driver().forget_fd(fd);
}

}  // namespace coronet
