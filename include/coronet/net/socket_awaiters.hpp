// The frame-free forms of a socket's two hot calls, for layers that receive
// and send on every request (SocketStream does): awaiting one costs no
// coroutine frame, unlike the Task-returning Socket members.
//
//     Bytes data = co_await net::ReceiveAwaiter(sock, 65536);  // empty at EOF
//     co_await net::SendAllAwaiter(sock, data);               // all of it
//     LentBytes chunk = co_await net::ReceiveLentAwaiter(sock, 65536);  // no copy
//     std::size_t n = co_await net::ReceiveIntoAwaiter(sock, span);     // 0 at EOF
//
// Both behave as the Socket calls they mirror: ReceiveAwaiter as
// Socket::recv (a driver-provided buffer for stream sockets, so a waiting
// socket holds no buffer of its own), SendAllAwaiter as sock_sendall (every
// byte, resubmitting after partial sends from the operation's completion, so
// a large send wakes the task once). ReceiveLentAwaiter is ReceiveAwaiter
// without the allocation and copy: the bytes stay in the driver's provided
// buffer, lent out as a LentBytes (see lent_bytes.hpp; empty at EOF).
// ReceiveIntoAwaiter receives into the caller's buffer (which a waiting
// socket then holds, unlike the provided-buffer receives). Errors raise OSError
// (ClosedResourceError when the socket was closed meanwhile); cancellation raises Cancelled, and a
// cancelled SendAllAwaiter may have sent a prefix of its data. Each awaiter
// borrows the socket and the data: await it at once, as you would the call
// (or hand it to fail_after/move_on_after, which await it at once).
#pragma once

#include <cstddef>
#include <span>

#include "coronet/backend/operation.hpp"
#include "coronet/base/bytes.hpp"
#include "coronet/net/lent_bytes.hpp"
#include "coronet/runtime/operation_awaiter.hpp"

namespace coronet::net {

class Socket;

class ReceiveAwaiter : private OperationAwaiter {
  public:
    ReceiveAwaiter(Socket& socket, std::size_t max_bytes, int flags = 0) noexcept
        : socket_(&socket), max_bytes_(max_bytes), flags_(flags) {}
    // Movable until awaited, so it can be handed to fail_after/move_on_after
    // (which take their awaitable by value): before await_ready nothing has
    // been submitted and the operation holds no state worth carrying over.
    ReceiveAwaiter(ReceiveAwaiter&& other) noexcept
        : socket_(other.socket_), max_bytes_(other.max_bytes_), flags_(other.flags_) {}
    ReceiveAwaiter(const ReceiveAwaiter&) = delete;
    ReceiveAwaiter& operator=(const ReceiveAwaiter&) = delete;

    std::size_t requested() const noexcept { return max_bytes_; }
    bool await_ready();
    using OperationAwaiter::await_suspend;
    Bytes await_resume();

  private:
    Socket* socket_;
    std::size_t max_bytes_;
    int flags_;
    Bytes own_buffer_;  // when the driver supplies none
    backend::Operation op_;
};

// ReceiveLentAwaiter and ReceiveIntoAwaiter keep their arguments in the
// operation itself: they sit in the frame of every connection's coroutine,
// so every byte of them counts per idle connection.
class ReceiveLentAwaiter : private OperationAwaiter {
  public:
    ReceiveLentAwaiter(Socket& socket, std::size_t max_bytes, int flags = 0) noexcept
        : socket_(&socket) {
        op_.length = max_bytes;
        op_.flags = flags;
    }
    // Movable until awaited, as ReceiveAwaiter is.
    ReceiveLentAwaiter(ReceiveLentAwaiter&& other) noexcept
        : ReceiveLentAwaiter(*other.socket_, other.op_.length, other.op_.flags) {}
    ReceiveLentAwaiter(const ReceiveLentAwaiter&) = delete;
    ReceiveLentAwaiter& operator=(const ReceiveLentAwaiter&) = delete;

    std::size_t requested() const noexcept { return op_.length; }
    bool await_ready();
    using OperationAwaiter::await_suspend;
    LentBytes await_resume();

  private:
    Socket* socket_;
    backend::Operation op_;
};

class ReceiveIntoAwaiter : private OperationAwaiter {
  public:
    ReceiveIntoAwaiter(Socket& socket, std::span<std::byte> buffer, int flags = 0) noexcept
        : socket_(&socket) {
        op_.code = backend::OpCode::recv;
        op_.buffer = buffer.data();
        op_.length = buffer.size();
        op_.flags = flags;
    }
    // Movable until awaited, as ReceiveAwaiter is.
    ReceiveIntoAwaiter(ReceiveIntoAwaiter&& other) noexcept
        : ReceiveIntoAwaiter(*other.socket_,
                             {static_cast<std::byte*>(other.op_.buffer), other.op_.length},
                             other.op_.flags) {}
    ReceiveIntoAwaiter(const ReceiveIntoAwaiter&) = delete;
    ReceiveIntoAwaiter& operator=(const ReceiveIntoAwaiter&) = delete;

    std::size_t requested() const noexcept { return op_.length; }
    bool await_ready();
    using OperationAwaiter::await_suspend;
    std::size_t await_resume();

  private:
    Socket* socket_;
    backend::Operation op_;
};

class SendAllAwaiter : private OperationAwaiter {
  public:
    SendAllAwaiter(Socket& socket, BytesView data, int flags = 0) noexcept
        : socket_(&socket), rest_(data), flags_(flags) {}
    // Movable until awaited, as ReceiveAwaiter is.
    SendAllAwaiter(SendAllAwaiter&& other) noexcept
        : socket_(other.socket_), rest_(other.rest_), flags_(other.flags_) {}
    SendAllAwaiter(const SendAllAwaiter&) = delete;
    SendAllAwaiter& operator=(const SendAllAwaiter&) = delete;

    bool await_ready();
    using OperationAwaiter::await_suspend;
    void await_resume();

  private:
    static void on_progress(backend::Operation& op) noexcept;
    // Takes a finished send's result into account; true when nothing is
    // left to do (everything sent, or an error to report).
    bool account(int result) noexcept;
    void prepare() noexcept;

    Socket* socket_;
    BytesView rest_;
    int flags_;
    int error_ = 0;  // -errno of the send that failed
    backend::Operation op_;
};

}  // namespace coronet::net
