// Socket::sendfile: zero-copy file transmission with sendfile(2).
//
// sendfile is not one of the backend's operations, so it runs here as
// "try the call; on EAGAIN wait for POLLOUT through the driver; retry" —
// which both backends serve, since both implement the poll operation.
#include <poll.h>
#include <sys/sendfile.h>

#include <algorithm>
#include <cerrno>

#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/runtime/operation_awaiter.hpp"
#include "coronet/runtime/sleep.hpp"

namespace coronet::net {
namespace {
// The most one sendfile(2) call transfers on Linux.
constexpr std::size_t kMaxChunk = 0x7ffff000;
}  // namespace

Task<std::size_t> Socket::sendfile(int file_fd, std::uint64_t offset, std::size_t count) {
    fd_for("sendfile");
    // Every async socket call is a checkpoint, also when the whole file
    // would go out without ever waiting.
    co_await checkpoint();
    std::size_t sent = 0;
    auto position = static_cast<off_t>(offset);
    while (sent < count) {
        const int fd = fd_for("sendfile");
        const ssize_t n = ::sendfile(fd, file_fd, &position, std::min(count - sent, kMaxChunk));
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0) break;  // end of the file
        if (errno == EINTR) continue;
        if (errno != EAGAIN) throw_os_error(errno, "sendfile");
        backend::Operation op;
        op.code = backend::OpCode::poll;
        op.fd = fd;
        op.poll_events = POLLOUT;
        const int result = after_wait(co_await OperationAwaiter(op), "sendfile");
        if (result < 0) throw_os_error(-result, "sendfile");
    }
    co_return sent;
}

}  // namespace coronet::net
