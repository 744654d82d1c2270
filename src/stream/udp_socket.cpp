// UDPSocket, ConnectedUDPSocket and their factories.
#include "coronet/stream/udp_socket.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/net/socket_options.hpp"
#include "stream/datagram_address.hpp"

namespace coronet {
namespace {

void check_udp(const net::Socket& socket, const char* who) {
    if (socket.type() != SOCK_DGRAM ||
        (socket.family() != AF_INET && socket.family() != AF_INET6)) {
        std::string message(who);
        message += ": not a UDP socket (needs SOCK_DGRAM on AF_INET or AF_INET6)";
        throw std::invalid_argument(message);
    }
}

void check_family(int family, const char* who) {
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
        std::string message(who);
        message += ": family ";
        message += std::to_string(family);
        message += " is not AF_INET, AF_INET6 or AF_UNSPEC";
        throw std::invalid_argument(message);
    }
}

// A new UDP socket for `family`, with SO_REUSEPORT when asked, bound to
// `local` when given.
Task<net::Socket> open_udp(int family, const net::SocketAddress* local, bool reuse_port) {
    net::Socket socket = net::socket(family, SOCK_DGRAM);
    if (reuse_port) net::set_reuse_port(socket, true);
    if (local) co_await socket.bind(*local);
    co_return socket;
}

}  // namespace

UDPSocket UDPSocket::from_socket(net::Socket socket) {
    check_udp(socket, "UDPSocket::from_socket");
    return UDPSocket(std::move(socket));
}

Task<UDPPacket> UDPSocket::receive() {
    net::ReceivedFrom r = co_await receive_datagram();
    co_return UDPPacket{std::move(r.data), r.address.host(), r.address.port()};
}

Task<std::optional<UDPPacket>> UDPSocket::next() {
    std::optional<net::ReceivedFrom> r = co_await next_datagram();
    if (!r) co_return std::nullopt;
    co_return UDPPacket{std::move(r->data), r->address.host(), r->address.port()};
}

Task<void> UDPSocket::sendto(BytesView data, std::string_view host, int port) {
    // Replies go to numeric hosts: answered here, without a lookup's frame.
    std::string name(host);
    const net::SocketAddress to =
        detail::datagram_host_needs_lookup(name)
            ? co_await detail::resolve_datagram_address(std::move(name), port, family(), false)
            : detail::datagram_ip_address(name, port, family());
    co_await send_datagram(data, &to, to);
}

Task<void> UDPSocket::send(const UDPPacket& packet) {
    co_await sendto(packet.data, packet.host, packet.port);
}

ConnectedUDPSocket ConnectedUDPSocket::from_socket(net::Socket socket) {
    check_udp(socket, "ConnectedUDPSocket::from_socket");
    net::SocketAddress remote = socket.getpeername();  // OSError(ENOTCONN) if not connected
    return ConnectedUDPSocket(std::move(socket), std::move(remote));
}

Task<Bytes> ConnectedUDPSocket::receive() {
    return receive_from_peer(remote_);
}

Task<std::optional<Bytes>> ConnectedUDPSocket::next() {
    return next_from_peer(remote_);
}

Task<void> ConnectedUDPSocket::send(BytesView data) {
    co_await send_datagram(data, nullptr, remote_);
}

Task<UDPSocket> create_udp_socket(UDPSocketOptions options) {
    check_family(options.family, "create_udp_socket");
    if (options.family == AF_UNSPEC && options.local_host.empty()) {
        throw std::invalid_argument(
            "create_udp_socket: either the family or local_host must be given");
    }
    const net::SocketAddress local = co_await detail::resolve_datagram_address(
        std::string(options.local_host), options.local_port, options.family, true);
    co_return UDPSocket::from_socket(co_await open_udp(local.family(), &local, options.reuse_port));
}

Task<ConnectedUDPSocket> create_connected_udp_socket(ConnectedUDPSocketOptions options) {
    check_family(options.family, "create_connected_udp_socket");
    if (options.remote_host.empty()) {
        throw std::invalid_argument("create_connected_udp_socket: remote_host is empty");
    }
    // The views are copied before the first suspension (the lookups).
    const std::string remote_host(options.remote_host);
    const std::string local_host(options.local_host);
    const net::SocketAddress remote = co_await detail::resolve_datagram_address(
        remote_host, options.remote_port, options.family, false);
    const bool bind_first = !local_host.empty() || options.local_port != 0;
    std::optional<net::SocketAddress> local;
    if (bind_first) {
        local = co_await detail::resolve_datagram_address(local_host, options.local_port,
                                                          remote.family(), true);
    }
    net::Socket socket =
        co_await open_udp(remote.family(), local ? &*local : nullptr, options.reuse_port);
    co_await socket.connect(remote);
    co_return ConnectedUDPSocket::from_socket(std::move(socket));
}

}  // namespace coronet
