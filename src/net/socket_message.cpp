// Socket: recvmsg / recvmsg_into / sendmsg, the calls that carry ancillary
// data and scatter/gather buffers.
//
// The msghdr, its iovecs, the control buffer and the sockaddr storage live in
// the coroutine frame, which stays suspended until the driver gives the
// operation back (OperationAwaiter's guarantee), so the kernel never writes
// into freed memory.
#include <sys/uio.h>

#include <algorithm>
#include <vector>

#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/runtime/operation_awaiter.hpp"
#include "net/control_messages.hpp"

namespace coronet::net {

Task<ReceivedMessage> Socket::recvmsg(std::size_t bufsize, std::size_t ancbufsize, int flags) {
    Bytes data;
    data.resize_uninitialized(bufsize);
    const std::span<std::byte> buffers[1] = {data.writable_span()};
    ReceivedMessageInto r = co_await recvmsg_into(buffers, ancbufsize, flags);
    data.resize_uninitialized(r.nbytes);
    co_return ReceivedMessage{std::move(data), std::move(r.ancillary), r.msg_flags,
                              std::move(r.address)};
}

Task<ReceivedMessageInto> Socket::recvmsg_into(std::span<const std::span<std::byte>> buffers,
                                               std::size_t ancbufsize, int flags) {
    backend::Operation op;
    op.code = backend::OpCode::recvmsg;
    op.fd = fd_for("recvmsg");
    std::vector<iovec> iov(buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i)
        iov[i] = {buffers[i].data(), buffers[i].size()};
    detail::ControlBuffer control = detail::make_control_buffer(ancbufsize);
    sockaddr_storage storage{};
    msghdr message{};
    message.msg_name = &storage;
    message.msg_namelen = sizeof storage;
    message.msg_iov = iov.data();
    message.msg_iovlen = iov.size();
    message.msg_control = ancbufsize ? control.data() : nullptr;
    message.msg_controllen = ancbufsize;
    op.message = &message;
    // Received fds are close-on-exec from the moment they exist (the drivers
    // add this too; stating it here keeps the guarantee local).
    op.flags = flags | MSG_CMSG_CLOEXEC;
    const int result = after_wait(co_await OperationAwaiter(op), "recvmsg");
    if (result < 0) throw_os_error(-result, "recvmsg");
    // Own the fds first: decode_ancillary takes every one before it can throw.
    ReceivedAncillary ancillary = detail::decode_ancillary(
        message.msg_control, message.msg_control ? message.msg_controllen : 0,
        (message.msg_flags & MSG_CTRUNC) != 0);
    co_return ReceivedMessageInto{
        static_cast<std::size_t>(result), std::move(ancillary), message.msg_flags,
        SocketAddress::from_native(reinterpret_cast<const sockaddr*>(&storage),
                                   std::min<socklen_t>(message.msg_namelen, sizeof storage))};
}

Task<std::size_t> Socket::sendmsg(std::span<const BytesView> buffers, Ancillary ancillary,
                                  int flags, std::optional<SocketAddress> address) {
    backend::Operation op;
    op.code = backend::OpCode::sendmsg;
    op.fd = fd_for("sendmsg");
    std::vector<iovec> iov(buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        // iovec has one pointer for both directions; sendmsg only reads it.
        iov[i] = {const_cast<std::byte*>(buffers[i].data()), buffers[i].size()};
    }
    detail::ControlBuffer control;
    const std::size_t control_length = detail::encode_ancillary(ancillary, control);
    msghdr message{};
    if (address) {
        message.msg_name = const_cast<sockaddr*>(address->native());  // read only
        message.msg_namelen = address->length();
    }
    message.msg_iov = iov.data();
    message.msg_iovlen = iov.size();
    message.msg_control = control_length ? control.data() : nullptr;
    message.msg_controllen = control_length;
    op.message = &message;
    op.flags = flags;
    const int result = after_wait(co_await OperationAwaiter(op), "sendmsg");
    if (result < 0) throw_os_error(-result, "sendmsg", address ? address->to_string() : "");
    co_return static_cast<std::size_t>(result);
}

}  // namespace coronet::net
