// Socket: the asynchronous calls built on one backend operation each
// (accept, bind, connect, recv*, send*, wait_writable).
//
// Every coroutine here keeps its Operation, buffers and sockaddr storage in
// its own frame: the frame stays suspended (and so alive) until the driver has
// given the operation back, which OperationAwaiter guarantees even when the
// wait is cancelled.
#include <poll.h>
#include <cerrno>

#include <algorithm>
#include <string>

#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_awaiters.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/operation_awaiter.hpp"
#include "net/socket_access.hpp"

namespace coronet::net {
namespace {

using backend::OpCode;
using backend::Operation;

std::string family_name(int family) {
    switch (family) {
        case AF_INET:
            return "AF_INET";
        case AF_INET6:
            return "AF_INET6";
        case AF_UNIX:
            return "AF_UNIX";
        default:
            return "family " + std::to_string(family);
    }
}

// The kernel's EAFNOSUPPORT/EINVAL for a mismatched family says little; this
// names both sides. AF_UNSPEC is left to the kernel (connect uses it to
// dissolve a UDP association).
void check_family(const Socket& s, const SocketAddress& address, const char* what) {
    if (address.family() == AF_UNSPEC || address.family() == s.family()) return;
    throw std::invalid_argument(std::string(what) + ": address " + address.to_string() + " is " +
                                family_name(address.family()) + " but the socket is " +
                                family_name(s.family()));
}

SocketAddress peer_address(const sockaddr_storage& storage, socklen_t length) {
    return SocketAddress::from_native(reinterpret_cast<const sockaddr*>(&storage),
                                      std::min<socklen_t>(length, sizeof storage));
}

}  // namespace

Task<Accepted> Socket::accept() {
    Operation op;
    op.code = OpCode::accept;
    op.fd = fd_for("accept");
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    op.address = reinterpret_cast<sockaddr*>(&storage);
    op.address_length = &length;
    const int result = after_wait(co_await OperationAwaiter(op), "accept");
    if (result < 0) throw_os_error(-result, "accept");
    // Owned at once, so nothing below can leak the new fd.
    Socket accepted = detail::SocketAccess::adopt(result, family_, type_, proto_);
    co_return Accepted{std::move(accepted), peer_address(storage, length)};
}

Task<void> Socket::bind(SocketAddress address) {
    const int fd = fd_for("bind");
    check_family(*this, address, "bind");
    if (::bind(fd, address.native(), address.length()) < 0) {
        throw_os_error(errno, "bind", address.to_string());
    }
    co_return;
}

Task<void> Socket::connect(SocketAddress address) {
    Operation op;
    op.code = OpCode::connect;
    op.fd = fd_for("connect");
    check_family(*this, address, "connect");
    op.connect_address = address.native();
    op.connect_length = address.length();
    int result;
    try {
        result = co_await OperationAwaiter(op);
    } catch (const Cancelled&) {
        // Trio's rule: a connection attempt cannot be reliably undone, so
        // the socket is closed rather than left half-connected.
        close();
        throw;
    }
    result = after_wait(result, "connect");
    if (result < 0) throw_os_error(-result, "connect", address.to_string());
}

Task<Bytes> Socket::recv(std::size_t max_bytes, int flags) {
    co_return co_await ReceiveAwaiter(*this, max_bytes, flags);
}

Task<std::size_t> Socket::recv_into(std::span<std::byte> buffer, int flags) {
    Operation op;
    op.code = OpCode::recv;
    op.fd = fd_for("recv_into");
    op.flags = flags;
    op.buffer = buffer.data();
    op.length = buffer.size();
    const int result = after_wait(co_await OperationAwaiter(op), "recv_into");
    if (result < 0) throw_os_error(-result, "recv_into");
    co_return static_cast<std::size_t>(result);
}

Task<ReceivedFrom> Socket::recvfrom(std::size_t max_bytes, int flags) {
    Bytes data;
    data.resize_uninitialized(max_bytes);
    auto [nbytes, address] = co_await recvfrom_into(data.writable_span(), flags);
    data.resize_uninitialized(nbytes);
    co_return ReceivedFrom{std::move(data), std::move(address)};
}

Task<ReceivedFromInto> Socket::recvfrom_into(std::span<std::byte> buffer, int flags) {
    Operation op;
    op.code = OpCode::recvfrom;
    op.fd = fd_for("recvfrom");
    op.flags = flags;
    op.buffer = buffer.data();
    op.length = buffer.size();
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    op.address = reinterpret_cast<sockaddr*>(&storage);
    op.address_length = &length;
    const int result = after_wait(co_await OperationAwaiter(op), "recvfrom");
    if (result < 0) throw_os_error(-result, "recvfrom");
    // A connected stream socket reports no address (length 0): AF_UNSPEC.
    co_return ReceivedFromInto{static_cast<std::size_t>(result), peer_address(storage, length)};
}

Task<std::size_t> Socket::send(BytesView data, int flags) {
    Operation op;
    op.code = OpCode::send;
    op.fd = fd_for("send");
    op.flags = flags;
    op.byte_stream = type_ == SOCK_STREAM;
    // The driver only reads the buffer; Operation has one pointer for both ways.
    op.buffer = const_cast<std::byte*>(data.data());
    op.length = data.size();
    const int result = after_wait(co_await OperationAwaiter(op), "send");
    if (result < 0) throw_os_error(-result, "send");
    co_return static_cast<std::size_t>(result);
}

Task<std::size_t> Socket::sendto(BytesView data, SocketAddress address, int flags) {
    Operation op;
    op.code = OpCode::sendto;
    op.fd = fd_for("sendto");
    check_family(*this, address, "sendto");
    op.flags = flags;
    op.buffer = const_cast<std::byte*>(data.data());  // read only, as in send()
    op.length = data.size();
    op.connect_address = address.native();
    op.connect_length = address.length();
    const int result = after_wait(co_await OperationAwaiter(op), "sendto");
    if (result < 0) throw_os_error(-result, "sendto", address.to_string());
    co_return static_cast<std::size_t>(result);
}

Task<void> Socket::wait_writable() {
    Operation op;
    op.code = OpCode::poll;
    op.fd = fd_for("wait_writable");
    op.poll_events = POLLOUT;
    const int result = after_wait(co_await OperationAwaiter(op), "wait_writable");
    if (result < 0) throw_os_error(-result, "wait_writable");
}

}  // namespace coronet::net
