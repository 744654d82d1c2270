#include "syscall_ops.hpp"

#include <sys/socket.h>
#include <cerrno>

namespace coronet::backend {
namespace {

// Runs `syscall` again for as long as a signal interrupts it: its value, or
// -errno. EWOULDBLOCK is EAGAIN on Linux, so callers test one value. Always
// inlined, so that recv_into and send_from stay as small to the callers'
// inlining as the loops they replaced.
template <class Syscall>
[[gnu::always_inline]] inline int retrying_eintr(Syscall syscall) noexcept {
    for (;;) {
        const long value = syscall();
        if (value >= 0) return static_cast<int>(value);
        if (errno != EINTR) return -errno;
    }
}

long call(Operation& op) noexcept {
    switch (op.code) {
        case OpCode::accept:
            return ::accept4(op.fd, op.address, op.address_length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        case OpCode::connect:
            return ::connect(op.fd, op.connect_address, op.connect_length);
        case OpCode::recvmsg:
            return ::recvmsg(op.fd, op.message, op.flags | MSG_CMSG_CLOEXEC);
        case OpCode::recvfrom:
            return ::recvfrom(op.fd, op.buffer, op.length, op.flags, op.address, op.address_length);
        case OpCode::sendmsg:
            return ::sendmsg(op.fd, op.message, op.flags | MSG_NOSIGNAL);
        case OpCode::sendto:
            return ::sendto(op.fd, op.buffer, op.length, op.flags | MSG_NOSIGNAL,
                            op.connect_address, op.connect_length);
        case OpCode::recv:  // perform_syscall calls recv_into and send_from for these
        case OpCode::send:
        case OpCode::recv_provided:
        case OpCode::poll:
        case OpCode::timeout:
            break;
    }
    errno = EINVAL;
    return -1;
}

}  // namespace

int perform_syscall(Operation& op) noexcept {
    if (op.code == OpCode::recv) return recv_into(op.fd, op.buffer, op.length, op.flags);
    if (op.code == OpCode::send) return send_from(op.fd, op.buffer, op.length, op.flags);
    return retrying_eintr([&op] { return call(op); });
}

int recv_into(int fd, void* buffer, std::size_t length, int flags) noexcept {
    return retrying_eintr([=] { return ::recv(fd, buffer, length, flags); });
}

int send_from(int fd, const void* buffer, std::size_t length, int flags) noexcept {
    return retrying_eintr([=] { return ::send(fd, buffer, length, flags | MSG_NOSIGNAL); });
}

int finish_connect(int fd) noexcept {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return -errno;
    return -error;
}

const char* to_string(OpCode code) noexcept {
    switch (code) {
        case OpCode::accept:
            return "accept";
        case OpCode::connect:
            return "connect";
        case OpCode::recv:
            return "recv";
        case OpCode::recv_provided:
            return "recv_provided";
        case OpCode::recvmsg:
            return "recvmsg";
        case OpCode::recvfrom:
            return "recvfrom";
        case OpCode::send:
            return "send";
        case OpCode::sendmsg:
            return "sendmsg";
        case OpCode::sendto:
            return "sendto";
        case OpCode::poll:
            return "poll";
        case OpCode::timeout:
            return "timeout";
    }
    return "unknown";
}

}  // namespace coronet::backend
