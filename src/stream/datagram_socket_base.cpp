// DatagramSocketBase: receiving whole datagrams, the receive guard, sends.
#include "coronet/stream/datagram_socket_base.hpp"

#include <cerrno>
#include <span>
#include <string>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/sleep.hpp"

namespace coronet {
namespace {

// Marks a socket as having a receiver for the guard's lifetime.
class ReceiveGuard {
  public:
    explicit ReceiveGuard(bool& flag) : flag_(flag) {
        if (flag_) throw BusyResourceError("receiving");
        flag_ = true;
    }
    ReceiveGuard(const ReceiveGuard&) = delete;
    ReceiveGuard& operator=(const ReceiveGuard&) = delete;
    ~ReceiveGuard() { flag_ = false; }

  private:
    bool& flag_;
};

[[noreturn]] void throw_truncated(std::size_t got, std::size_t room) {
    std::string message = "datagram of ";
    message += std::to_string(got);
    message += " bytes did not fit the ";
    message += std::to_string(room);
    message += "-byte receive buffer (is another process reading this socket?)";
    throw Error(message);
}

}  // namespace

Task<void> DatagramSocketBase::aclose() {
    socket_.close();
    co_await checkpoint();
}

Task<net::ReceivedFrom> DatagramSocketBase::receive_datagram() {
    ReceiveGuard guard(receiving_);
    if (socket_.family() == AF_UNIX) co_return co_await receive_unix();
    co_return co_await receive_ip();
}

Task<std::optional<net::ReceivedFrom>> DatagramSocketBase::next_datagram() {
    // A socket closed before the call ends the loop as well: "until closed".
    if (socket_.is_closed()) co_return std::nullopt;
    try {
        co_return co_await receive_datagram();
    } catch (const ClosedResourceError&) {
        // Only our own close ends the iteration; anything else propagates.
        if (!socket_.is_closed()) throw;
    }
    co_return std::nullopt;
}

Task<Bytes> DatagramSocketBase::receive_from_peer(const net::SocketAddress& peer) {
    try {
        co_return (co_await receive_datagram()).data;
    } catch (const OSError& e) {
        throw OSError(e.error_number(), e.operation(), peer.to_string());
    }
}

Task<std::optional<Bytes>> DatagramSocketBase::next_from_peer(const net::SocketAddress& peer) {
    try {
        std::optional<net::ReceivedFrom> r = co_await next_datagram();
        if (!r) co_return std::nullopt;
        co_return std::move(r->data);
    } catch (const OSError& e) {
        throw OSError(e.error_number(), e.operation(), peer.to_string());
    }
}

Task<net::ReceivedFrom> DatagramSocketBase::receive_ip() {
    if (!scratch_) scratch_ = std::make_unique_for_overwrite<std::byte[]>(kMaxUDPPayload);
    // MSG_TRUNC makes the kernel report the datagram's real length, so a cut
    // one is detected rather than returned.
    auto r = co_await socket_.recvfrom_into(std::span(scratch_.get(), kMaxUDPPayload), MSG_TRUNC);
    if (r.nbytes > kMaxUDPPayload) throw_truncated(r.nbytes, kMaxUDPPayload);
    co_return net::ReceivedFrom{Bytes(BytesView(scratch_.get(), r.nbytes)), std::move(r.address)};
}

Task<net::ReceivedFrom> DatagramSocketBase::receive_unix() {
    // Peek the size: waits for a datagram and leaves it queued, so a
    // cancellation here loses nothing.
    const std::size_t size = co_await socket_.recv_into({}, MSG_PEEK | MSG_TRUNC);
    Bytes data;
    data.resize_uninitialized(size);
    // The datagram is queued and we are its only reader (the guard), so this
    // completes at once. Cancelled before it starts, the datagram stays
    // queued; once the kernel has delivered it, the await returns it.
    auto r = co_await socket_.recvfrom_into(data.writable_span(), MSG_TRUNC);
    if (r.nbytes > size) throw_truncated(r.nbytes, size);
    data.resize_uninitialized(r.nbytes);
    co_return net::ReceivedFrom{std::move(data), std::move(r.address)};
}

Task<void> DatagramSocketBase::send_datagram(BytesView data, const net::SocketAddress* to,
                                             const net::SocketAddress& peer) {
    std::size_t sent = 0;
    if (to) {
        sent = co_await socket_.sendto(data, *to);
    } else {
        try {
            sent = co_await socket_.send(data);
        } catch (const OSError& e) {
            // The net layer cannot name a connected socket's peer; we can.
            throw OSError(e.error_number(), "send", peer.to_string());
        }
    }
    // A datagram goes whole or not at all; a short count would be a kernel
    // surprise worth hearing about rather than a silent cut.
    if (sent != data.size()) throw OSError(EMSGSIZE, to ? "sendto" : "send", peer.to_string());
}

}  // namespace coronet
