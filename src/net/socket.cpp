// Socket: construction, ownership and the synchronous calls.
#include "coronet/net/socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/fd_wait.hpp"
#include "coronet/runtime/loop.hpp"
#include "net/socket_access.hpp"

namespace coronet::net {
namespace {

constexpr int kTypeFlags = SOCK_NONBLOCK | SOCK_CLOEXEC;

int socket_int_option(int fd, int name) {
    int value = 0;
    socklen_t length = sizeof value;
    if (::getsockopt(fd, SOL_SOCKET, name, &value, &length) < 0) return -errno;
    return value;
}

void make_nonblocking_cloexec(int fd, const char* what) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        ::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        throw_os_error(errno, what);
    }
}

// Asks the kernel what `fd` is; std::invalid_argument if it is not a socket.
void describe_socket(int fd, int& family, int& type, int& proto, const char* what) {
    const int kernel_type = socket_int_option(fd, SO_TYPE);
    if (kernel_type == -ENOTSOCK) {
        throw std::invalid_argument(std::string(what) + ": fd " + std::to_string(fd) +
                                    " is not a socket");
    }
    if (kernel_type == -EBADF) {
        throw std::invalid_argument(std::string(what) + ": fd " + std::to_string(fd) +
                                    " is not an open file descriptor");
    }
    if (kernel_type < 0) throw_os_error(-kernel_type, what);
    if (type == 0) type = kernel_type;
    if (family == 0) family = socket_int_option(fd, SO_DOMAIN);
    if (proto == 0) proto = std::max(0, socket_int_option(fd, SO_PROTOCOL));
}

}  // namespace

Socket::Socket(Socket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      family_(other.family_),
      type_(other.type_),
      proto_(other.proto_),
      did_shutdown_wr_(other.did_shutdown_wr_) {}

Socket& Socket::operator=(Socket&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        family_ = other.family_;
        type_ = other.type_;
        proto_ = other.proto_;
        did_shutdown_wr_ = other.did_shutdown_wr_;
    }
    return *this;
}

int Socket::fd_for(const char* what) const {
    if (fd_ < 0) throw ClosedResourceError(std::string(what) + " on a closed socket");
    return fd_;
}

int Socket::after_wait(int result, const char* what) const {
    // close() from another task makes the driver finish our operation with
    // -ECANCELED (or an error from a closed fd); that is a closed resource,
    // not a cancellation of ours.
    if (result < 0 && fd_ < 0) {
        throw ClosedResourceError("socket closed while " + std::string(what) + " was waiting");
    }
    return result;
}

// The driver must drop the fd before its number can be reused: pending
// operations complete with -ECANCELED (after_wait turns that into
// ClosedResourceError). Sockets are used on their loop's thread, so the loop
// running here is the one whose driver saw this fd. With none running no
// operation is pending, but a loop that is alive may still hold a request on
// the fd (io_uring's multishot recv, which keeps the file open) and per-fd
// state: every loop of this thread forgets it.
namespace {
void forget(int fd) noexcept {
    if (Loop* loop = Loop::current_or_null()) {
        loop->driver().forget_fd(fd);
    } else {
        notify_closing_on_this_thread(fd);
    }
}
}  // namespace

void Socket::close() noexcept {
    if (fd_ < 0) return;
    const int fd = std::exchange(fd_, -1);
    forget(fd);
    ::close(fd);
}

int Socket::detach() noexcept {
    if (fd_ < 0) return -1;
    forget(fd_);
    return std::exchange(fd_, -1);
}

void Socket::listen(int backlog) {
    if (::listen(fd_for("listen"), backlog) < 0) throw_os_error(errno, "listen");
}

SocketAddress Socket::getpeername() const {
    sockaddr_storage storage;
    socklen_t length = sizeof storage;
    if (::getpeername(fd_for("getpeername"), reinterpret_cast<sockaddr*>(&storage), &length) < 0) {
        throw_os_error(errno, "getpeername");
    }
    return SocketAddress::from_native(reinterpret_cast<sockaddr*>(&storage), length);
}

SocketAddress Socket::getsockname() const {
    sockaddr_storage storage;
    socklen_t length = sizeof storage;
    if (::getsockname(fd_for("getsockname"), reinterpret_cast<sockaddr*>(&storage), &length) < 0) {
        throw_os_error(errno, "getsockname");
    }
    return SocketAddress::from_native(reinterpret_cast<sockaddr*>(&storage), length);
}

void Socket::shutdown(int how) {
    if (::shutdown(fd_for("shutdown"), how) < 0) throw_os_error(errno, "shutdown");
    if (how == SHUT_WR || how == SHUT_RDWR) did_shutdown_wr_ = true;
}

void Socket::setsockopt(int level, int name, int value) {
    if (::setsockopt(fd_for("setsockopt"), level, name, &value, sizeof value) < 0) {
        throw_os_error(errno, "setsockopt");
    }
}

void Socket::setsockopt(int level, int name, BytesView value) {
    if (::setsockopt(fd_for("setsockopt"), level, name, value.data(),
                     static_cast<socklen_t>(value.size())) < 0) {
        throw_os_error(errno, "setsockopt");
    }
}

int Socket::getsockopt(int level, int name) const {
    int value = 0;
    socklen_t length = sizeof value;
    if (::getsockopt(fd_for("getsockopt"), level, name, &value, &length) < 0) {
        throw_os_error(errno, "getsockopt");
    }
    return value;
}

Bytes Socket::getsockopt(int level, int name, std::size_t max_length) const {
    Bytes value(max_length);
    auto length = static_cast<socklen_t>(max_length);
    if (::getsockopt(fd_for("getsockopt"), level, name, value.data(), &length) < 0) {
        throw_os_error(errno, "getsockopt");
    }
    value.resize(length);
    return value;
}

Socket Socket::dup() const {
    const int fd = ::fcntl(fd_for("dup"), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) throw_os_error(errno, "dup");
    return detail::SocketAccess::adopt(fd, family_, type_, proto_);
}

void Socket::set_inheritable(bool inheritable) {
    if (::fcntl(fd_for("set_inheritable"), F_SETFD, inheritable ? 0 : FD_CLOEXEC) < 0) {
        throw_os_error(errno, "set_inheritable");
    }
}

bool Socket::get_inheritable() const {
    const int flags = ::fcntl(fd_for("get_inheritable"), F_GETFD);
    if (flags < 0) throw_os_error(errno, "get_inheritable");
    return !(flags & FD_CLOEXEC);
}

bool Socket::is_readable() const {
    pollfd probe{fd_for("is_readable"), POLLIN, 0};
    // Bytes the loop received ahead of us (io_uring) are readable too.
    if (Loop* loop = Loop::current_or_null(); loop && loop->driver().holds_input(probe.fd))
        return true;
    int rc;
    while ((rc = ::poll(&probe, 1, 0)) < 0 && errno == EINTR) {
    }
    if (rc < 0) throw_os_error(errno, "is_readable");
    return rc > 0;
}

Socket socket(int family, int type, int proto) {
    const int fd = ::socket(family, type | kTypeFlags, proto);
    if (fd < 0) throw_os_error(errno, "socket");
    return detail::SocketAccess::adopt(fd, family, type & ~kTypeFlags, proto);
}

std::pair<Socket, Socket> socketpair(int family, int type, int proto) {
    int fds[2];
    if (::socketpair(family, type | kTypeFlags, proto, fds) < 0)
        throw_os_error(errno, "socketpair");
    type &= ~kTypeFlags;
    return {detail::SocketAccess::adopt(fds[0], family, type, proto),
            detail::SocketAccess::adopt(fds[1], family, type, proto)};
}

Socket fromfd(int fd, int family, int type, int proto) {
    describe_socket(fd, family, type, proto, "fromfd");
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) throw_os_error(errno, "fromfd");
    // The Socket owns the copy from here, so a failure below closes it.
    Socket s = detail::SocketAccess::adopt(copy, family, type, proto);
    // O_NONBLOCK lives in the open file description, shared with `fd` (as in
    // Python and Trio).
    make_nonblocking_cloexec(copy, "fromfd");
    return s;
}

Socket from_native(int fd) {
    int family = 0, type = 0, proto = 0;
    describe_socket(fd, family, type, proto, "from_native");
    make_nonblocking_cloexec(fd, "from_native");
    return detail::SocketAccess::adopt(fd, family, type, proto);
}

}  // namespace coronet::net
