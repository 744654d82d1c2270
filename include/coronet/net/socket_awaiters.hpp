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
//
// Each comes in two forms. The one above carries its own backend::Operation,
// set up afresh on every await. The `...On` form runs on an operation the
// caller keeps and hands in, so one that is awaited again and again (a
// connection's every receive) is set up once and each await writes only the
// few fields it needs:
//
//     backend::Operation receive_op;   // outlives every await on it
//     LentBytes chunk = co_await net::ReceiveLentAwaiterOn(sock, receive_op, 65536);
//
// The operation may serve one await at a time.
#pragma once

#include <cstddef>
#include <span>
#include <utility>

#include "coronet/backend/operation.hpp"
#include "coronet/base/bytes.hpp"
#include "coronet/net/lent_bytes.hpp"
#include "coronet/runtime/operation_awaiter.hpp"

namespace coronet::net {

class Socket;

class ReceiveAwaiterOn : private OperationAwaiter {
  public:
    ReceiveAwaiterOn(Socket& socket, backend::Operation& op, std::size_t max_bytes,
                     int flags = 0) noexcept
        : socket_(&socket), max_bytes_(max_bytes), flags_(flags) {
        bind(op);
    }
    // Movable until awaited, so it can be handed to fail_after/move_on_after
    // (which take their awaitable by value): before await_ready nothing has
    // been submitted, and the operation stays where it is.
    ReceiveAwaiterOn(ReceiveAwaiterOn&& other) noexcept
        : ReceiveAwaiterOn(std::move(other), other.operation()) {}
    ReceiveAwaiterOn(const ReceiveAwaiterOn&) = delete;
    ReceiveAwaiterOn& operator=(const ReceiveAwaiterOn&) = delete;

    std::size_t requested() const noexcept { return max_bytes_; }
    bool await_ready();
    using OperationAwaiter::await_suspend;
    Bytes await_resume();

  protected:
    // The same await, on another operation.
    ReceiveAwaiterOn(ReceiveAwaiterOn&& other, backend::Operation& op) noexcept
        : ReceiveAwaiterOn(*other.socket_, op, other.max_bytes_, other.flags_) {}

  private:
    Socket* socket_;
    std::size_t max_bytes_;
    int flags_;
    Bytes own_buffer_;  // when the driver supplies none
};

class ReceiveLentAwaiterOn : private OperationAwaiter {
  public:
    ReceiveLentAwaiterOn(Socket& socket, backend::Operation& op, std::size_t max_bytes,
                         int flags = 0) noexcept
        : socket_(&socket), max_bytes_(max_bytes), flags_(flags) {
        bind(op);
    }
    // Movable until awaited, as ReceiveAwaiterOn is.
    ReceiveLentAwaiterOn(ReceiveLentAwaiterOn&& other) noexcept
        : ReceiveLentAwaiterOn(std::move(other), other.operation()) {}
    ReceiveLentAwaiterOn(const ReceiveLentAwaiterOn&) = delete;
    ReceiveLentAwaiterOn& operator=(const ReceiveLentAwaiterOn&) = delete;

    std::size_t requested() const noexcept { return max_bytes_; }
    bool await_ready();
    using OperationAwaiter::await_suspend;
    LentBytes await_resume();

  protected:
    ReceiveLentAwaiterOn(ReceiveLentAwaiterOn&& other, backend::Operation& op) noexcept
        : ReceiveLentAwaiterOn(*other.socket_, op, other.max_bytes_, other.flags_) {}

  private:
    Socket* socket_;
    std::size_t max_bytes_;
    int flags_;
};

class ReceiveIntoAwaiterOn : private OperationAwaiter {
  public:
    ReceiveIntoAwaiterOn(Socket& socket, backend::Operation& op, std::span<std::byte> buffer,
                         int flags = 0) noexcept
        : socket_(&socket), buffer_(buffer), flags_(flags) {
        bind(op);
    }
    // Movable until awaited, as ReceiveAwaiterOn is.
    ReceiveIntoAwaiterOn(ReceiveIntoAwaiterOn&& other) noexcept
        : ReceiveIntoAwaiterOn(std::move(other), other.operation()) {}
    ReceiveIntoAwaiterOn(const ReceiveIntoAwaiterOn&) = delete;
    ReceiveIntoAwaiterOn& operator=(const ReceiveIntoAwaiterOn&) = delete;

    std::size_t requested() const noexcept { return buffer_.size(); }
    bool await_ready();
    using OperationAwaiter::await_suspend;
    std::size_t await_resume();

  protected:
    ReceiveIntoAwaiterOn(ReceiveIntoAwaiterOn&& other, backend::Operation& op) noexcept
        : ReceiveIntoAwaiterOn(*other.socket_, op, other.buffer_, other.flags_) {}

  private:
    Socket* socket_;
    std::span<std::byte> buffer_;
    int flags_;
};

class SendAllAwaiterOn : private OperationAwaiter {
  public:
    SendAllAwaiterOn(Socket& socket, backend::Operation& op, BytesView data, int flags = 0) noexcept
        : socket_(&socket), rest_(data), flags_(flags) {
        bind(op);
    }
    // Movable until awaited, as ReceiveAwaiterOn is.
    SendAllAwaiterOn(SendAllAwaiterOn&& other) noexcept
        : SendAllAwaiterOn(std::move(other), other.operation()) {}
    SendAllAwaiterOn(const SendAllAwaiterOn&) = delete;
    SendAllAwaiterOn& operator=(const SendAllAwaiterOn&) = delete;

    bool await_ready();
    using OperationAwaiter::await_suspend;
    void await_resume();

  protected:
    SendAllAwaiterOn(SendAllAwaiterOn&& other, backend::Operation& op) noexcept
        : SendAllAwaiterOn(*other.socket_, op, other.rest_, other.flags_) {}

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
};

namespace detail {
// A base, so that the operation is built before the awaiter it is handed to.
struct OwnOperation {
    backend::Operation own_op;
};
}  // namespace detail

// The self-contained forms: each carries its own operation. The `On` base is
// private, so an owning awaiter cannot be handed on as an `On` one bound to
// an operation that dies with it.
template <class AwaiterOn, class Arg>
class OwningAwaiter : private detail::OwnOperation, private AwaiterOn {
  public:
    OwningAwaiter(Socket& socket, Arg arg, int flags = 0) noexcept
        : AwaiterOn(socket, own_op, arg, flags) {}
    // The moved-to awaiter runs on its own operation, not the other's.
    OwningAwaiter(OwningAwaiter&& other) noexcept : AwaiterOn(std::move(other), own_op) {}

    using AwaiterOn::await_ready;
    using AwaiterOn::await_resume;
    using AwaiterOn::await_suspend;
};

using ReceiveAwaiter = OwningAwaiter<ReceiveAwaiterOn, std::size_t>;
using ReceiveLentAwaiter = OwningAwaiter<ReceiveLentAwaiterOn, std::size_t>;
using ReceiveIntoAwaiter = OwningAwaiter<ReceiveIntoAwaiterOn, std::span<std::byte>>;
using SendAllAwaiter = OwningAwaiter<SendAllAwaiterOn, BytesView>;

}  // namespace coronet::net
