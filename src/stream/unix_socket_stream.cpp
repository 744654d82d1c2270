#include "coronet/stream/unix_socket_stream.hpp"

#include <array>
#include <stdexcept>

#include "stream/stream_errors.hpp"

namespace coronet {
namespace {
struct ClearFlag {
    bool& flag;
    ~ClearFlag() { flag = false; }
};
}  // namespace

UNIXSocketStream::UNIXSocketStream(net::Socket socket) : SocketStream(std::move(socket)) {
    if (!socket_.is_closed() && socket_.family() != AF_UNIX) {
        throw std::invalid_argument("UNIXSocketStream needs an AF_UNIX socket");
    }
}

Task<void> UNIXSocketStream::send_fds(BytesView message, std::span<const int> fds) {
    if (message.empty()) throw std::invalid_argument("send_fds: message must not be empty");
    if (fds.empty()) throw std::invalid_argument("send_fds: fds must not be empty");
    begin_send();
    ClearFlag clear{sending_};
    net::Ancillary ancillary;
    ancillary.fds.assign(fds.begin(), fds.end());
    try {
        const std::array<BytesView, 1> parts{message};
        std::size_t sent = co_await socket_.sendmsg(parts, std::move(ancillary));
        message = message.subview(sent);
        while (!message.empty()) {
            sent = co_await socket_.send(message);
            message = message.subview(sent);
        }
    } catch (const OSError& error) {
        stream_detail::rethrow_stream_error(error);
    }
}

Task<ReceivedFds> UNIXSocketStream::receive_fds(std::size_t msglen, std::size_t maxfds) {
    begin_receive();
    ClearFlag clear{receiving_};
    net::ReceivedMessage received;
    try {
        received = co_await socket_.recvmsg(msglen, net::cmsg_space_for_fds(maxfds));
    } catch (const OSError& error) {
        stream_detail::rethrow_stream_error(error);
    }
    // CMSG_SPACE rounds up, so the kernel may fit more than maxfds: those
    // count as a truncation too (all are closed on the way out).
    if (received.ancillary.truncated || received.ancillary.fds.size() > maxfds) {
        throw BrokenResourceError(
            "receive_fds: more descriptors arrived than maxfds allows (they were closed)");
    }
    if (received.data.empty() && received.ancillary.fds.empty()) throw EndOfStream();
    co_return ReceivedFds{std::move(received.data), std::move(received.ancillary.fds)};
}

}  // namespace coronet
