// DatagramSocketBase: what the UDP and UNIX datagram sockets share.
//
// You do not use this class by name: UDPSocket, ConnectedUDPSocket,
// UNIXDatagramSocket and ConnectedUNIXDatagramSocket derive from it, and
// their pages (udp_socket.hpp, unix_datagram_socket.hpp) show it at work.
//
// Rules every datagram socket follows (AnyIO's, with its gaps closed):
//  * Message boundaries are kept: one send is one receive, whole.
//  * A received datagram is never truncated. UDP datagrams arrive through a
//    65536-byte buffer, which holds the largest payload IPv4 (65507 bytes)
//    or IPv6 (65527 bytes) can carry. UNIX datagrams can be far larger (up to
//    the sender's SO_SNDBUF), so their exact size is peeked first
//    (MSG_PEEK | MSG_TRUNC) and a buffer of that size receives them. Should
//    the kernel still report a larger datagram than was read (only possible
//    when another process reads the same socket), receive raises
//    coronet::Error instead of returning a cut datagram.
//  * One receiver at a time: a second task receiving while one waits gets
//    BusyResourceError. Sends may overlap (each datagram is atomic, and a
//    server answering from several tasks needs that).
//  * close()/aclose() wake a task blocked in receive or send with
//    ClosedResourceError; next() returns nullopt instead (the end of an
//    `async for`). Any call after the close raises ClosedResourceError.
//  * A failed send is OSError with the errno, the operation and the address
//    ("sendto 127.0.0.1:9: Message too long").
//  * Cancelling a receive loses nothing: a datagram is either returned or
//    left queued for the next receive.
//
// Lifetime: the socket is movable, but not while a task awaits one of its
// calls (that task would resume on a moved-from object); close it instead.
#pragma once

#include <sys/socket.h>

#include <any>
#include <cstddef>
#include <memory>
#include <optional>

#include "coronet/base/bytes.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/stream/typed_attributes.hpp"

namespace coronet {

// Also a TypedAttributeProvider, as AnyIO's sockets are:
// udp.extra<attr::local_port>(), dg.extra<attr::raw_socket>(), ... (the
// remote ones on connected sockets; nothing once closed).
class DatagramSocketBase : public TypedAttributeProvider {
  public:
    // The largest datagram a UDP socket can receive (its receive buffer).
    static constexpr std::size_t kMaxUDPPayload = 65536;

    DatagramSocketBase(DatagramSocketBase&&) noexcept = default;
    DatagramSocketBase& operator=(DatagramSocketBase&&) noexcept = default;
    DatagramSocketBase(const DatagramSocketBase&) = delete;
    DatagramSocketBase& operator=(const DatagramSocketBase&) = delete;

    // Closes the socket (idempotent). Async for AnyIO's shape; it is also a
    // checkpoint, which raises Cancelled in a cancelled scope after closing.
    Task<void> aclose();
    // The synchronous close, for destructors and callbacks.
    void close() noexcept { socket_.close(); }
    bool is_closed() const noexcept { return socket_.is_closed(); }

    // --- extra attributes (AnyIO's SocketAttribute) ---
    // AF_INET, AF_INET6 or AF_UNIX; valid after close too.
    int family() const noexcept { return socket_.family(); }
    // The bound address (getsockname); ClosedResourceError after close.
    net::SocketAddress local_address() const { return socket_.getsockname(); }
    // The underlying net::Socket, for socket options and the like. Receiving
    // from it directly bypasses the guards above.
    net::Socket& raw_socket() noexcept { return socket_; }
    const net::Socket& raw_socket() const noexcept { return socket_; }

    std::any extra_attribute(AttributeId id) const override {
        return socket_attribute(socket_, id, connected_);
    }

  protected:
    explicit DatagramSocketBase(net::Socket socket, bool connected = false) noexcept
        : socket_(std::move(socket)), connected_(connected) {}
    ~DatagramSocketBase() override = default;

    // One whole datagram and its sender (AF_UNSPEC/unnamed when there is
    // none); the rules above.
    Task<net::ReceivedFrom> receive_datagram();
    // receive_datagram, with nullopt once the socket is closed.
    Task<std::optional<net::ReceivedFrom>> next_datagram();
    // For connected sockets: the payload alone, with an error the peer
    // reported (ECONNREFUSED from an ICMP message) naming `peer`.
    Task<Bytes> receive_from_peer(const net::SocketAddress& peer);
    Task<std::optional<Bytes>> next_from_peer(const net::SocketAddress& peer);
    // sendto `to`, or send on the connected socket when `to` is null, with
    // `peer` naming the destination in errors.
    Task<void> send_datagram(BytesView data, const net::SocketAddress* to,
                             const net::SocketAddress& peer);

  private:
    Task<net::ReceivedFrom> receive_ip();
    Task<net::ReceivedFrom> receive_unix();

    net::Socket socket_;
    // UDP receives land here, then move into a buffer of the datagram's size
    // (a 64 KiB buffer per packet would pin that much per queued packet).
    std::unique_ptr<std::byte[]> scratch_;
    bool connected_ = false;
    bool receiving_ = false;
};

}  // namespace coronet
