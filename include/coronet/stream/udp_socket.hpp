// UDP sockets (AnyIO's create_udp_socket / create_connected_udp_socket).
//
//     // A "hello" service: answer every packet, until the socket is closed.
//     UDPSocket udp = co_await create_udp_socket({.family = AF_INET, .local_port = 1234});
//     while (auto packet = co_await udp.next())
//         co_await udp.sendto(concat("Hello, ", packet->data), packet->host, packet->port);
//
//     // One peer: no address on every call.
//     ConnectedUDPSocket peer =
//         co_await create_connected_udp_socket({.remote_host = "127.0.0.1", .remote_port = 1234});
//     co_await peer.send("Hi there!\n");
//     Bytes reply = co_await peer.receive();
//
// Hosts are numeric ("127.0.0.1", "::1"), "localhost" (127.0.0.1, or ::1 on
// an AF_INET6 socket, without a lookup), or names, which go through the net
// resolver (coronet/net/resolver.hpp; the first answer is used, as in AnyIO;
// a failed lookup is net::GaiError). On an AF_INET6 socket an IPv4 host is
// sent to as ::ffff:a.b.c.d.
//
// The option structs hold string views, not strings: copied before the
// factory's first suspension, so they only need to outlive the co_await (as
// every BytesView argument does). Views also keep the structs trivially
// copyable, which sidesteps a g++ 12 bug: an aggregate temporary holding a
// std::string, built inside a co_await expression, is copied bytewise into
// the coroutine frame and its small-string buffer pointer dangles.
//
// The rules shared with UNIX datagram sockets (whole datagrams, never
// truncated, one receiver at a time, close wakes a waiting receiver with
// ClosedResourceError, errors) are in datagram_socket_base.hpp.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

#include "coronet/base/bytes.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/stream/datagram_socket_base.hpp"

namespace coronet {

// A received UDP datagram and its sender (AnyIO's (packet, (host, port))):
//     auto [data, host, port] = co_await udp.receive();
struct UDPPacket {
    Bytes data;
    std::string host;  // numeric, without an IPv6 scope: "127.0.0.1", "::1"
    int port = 0;
};

struct UDPSocketOptions {
    // AF_INET or AF_INET6; AF_UNSPEC takes it from local_host, which must
    // then be given (AnyIO's rule: one of the two says the family).
    int family = AF_UNSPEC;
    // The address to bind: "" is every address of the family.
    std::string_view local_host{};
    // 0: the kernel picks a free port (see local_port()).
    int local_port = 0;
    // SO_REUSEPORT, so several sockets can share the port.
    bool reuse_port = false;
};

struct ConnectedUDPSocketOptions {
    std::string_view remote_host{};
    int remote_port = 0;
    // AF_UNSPEC: the remote host's family.
    int family = AF_UNSPEC;
    // Bind first when given (a local host or a non-zero local port).
    std::string_view local_host{};
    int local_port = 0;
    bool reuse_port = false;
};

class UDPSocket : public DatagramSocketBase {
  public:
    // Wraps a SOCK_DGRAM AF_INET/AF_INET6 socket (std::invalid_argument for
    // any other).
    static UDPSocket from_socket(net::Socket socket);

    // The next datagram and its sender.
    Task<UDPPacket> receive();
    // receive(), or nullopt once the socket is closed (by another task
    // meanwhile, or before the call): the `async for packet in udp` loop.
    Task<std::optional<UDPPacket>> next();
    // Sends one datagram. OSError on failure (EMSGSIZE for a datagram over
    // the protocol's limit, ...), naming the destination.
    Task<void> sendto(BytesView data, std::string_view host, int port);
    // sendto(packet.data, packet.host, packet.port) (AnyIO's send(item)).
    Task<void> send(const UDPPacket& packet);

    // The bound host ("0.0.0.0", "127.0.0.1", "::") and port.
    std::string local_host() const { return local_address().host(); }
    int local_port() const { return local_address().port(); }

  private:
    using DatagramSocketBase::DatagramSocketBase;
};

class ConnectedUDPSocket : public DatagramSocketBase {
  public:
    // Wraps a connected SOCK_DGRAM AF_INET/AF_INET6 socket.
    static ConnectedUDPSocket from_socket(net::Socket socket);

    // The next datagram from the peer. A datagram sent earlier to a closed
    // port can make this raise OSError(ECONNREFUSED) (ICMP port unreachable).
    Task<Bytes> receive();
    Task<std::optional<Bytes>> next();
    Task<void> send(BytesView data);

    std::string local_host() const { return local_address().host(); }
    int local_port() const { return local_address().port(); }
    // The peer; valid after close too.
    const net::SocketAddress& remote_address() const noexcept { return remote_; }
    std::string remote_host() const { return remote_.host(); }
    int remote_port() const { return remote_.port(); }

  private:
    ConnectedUDPSocket(net::Socket socket, net::SocketAddress remote) noexcept
        : DatagramSocketBase(std::move(socket), /*connected=*/true), remote_(std::move(remote)) {}

    net::SocketAddress remote_;
};

// A bound UDP socket. std::invalid_argument for bad options (no family and
// no host, a port outside 0..65535), net::GaiError for a host that does not
// resolve, OSError if bind fails.
Task<UDPSocket> create_udp_socket(UDPSocketOptions options);
// A UDP socket connected to remote_host:remote_port (bound first to the
// local address when one is given).
Task<ConnectedUDPSocket> create_connected_udp_socket(ConnectedUDPSocketOptions options);

}  // namespace coronet
