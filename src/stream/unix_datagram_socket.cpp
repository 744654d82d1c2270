// UNIXDatagramSocket, ConnectedUNIXDatagramSocket and their factories.
#include "coronet/stream/unix_datagram_socket.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "coronet/base/errors.hpp"
#include "stream/datagram_address.hpp"

namespace coronet {
namespace {

void check_unix_datagram(const net::Socket& socket, const char* who) {
    if (socket.type() != SOCK_DGRAM || socket.family() != AF_UNIX) {
        std::string message(who);
        message += ": not a UNIX datagram socket (needs SOCK_DGRAM on AF_UNIX)";
        throw std::invalid_argument(message);
    }
}

// A new UNIX datagram socket, bound to `path` unless it is "" (unnamed).
Task<net::Socket> open_unix_datagram(std::string path, std::optional<mode_t> mode,
                                     bool replace_stale) {
    net::Socket socket = net::socket(AF_UNIX, SOCK_DGRAM);
    if (!path.empty()) co_await detail::bind_datagram_unix(socket, path, mode, replace_stale);
    co_return socket;
}

}  // namespace

UNIXDatagramSocket UNIXDatagramSocket::from_socket(net::Socket socket) {
    check_unix_datagram(socket, "UNIXDatagramSocket::from_socket");
    return UNIXDatagramSocket(std::move(socket));
}

Task<UNIXDatagramPacket> UNIXDatagramSocket::receive() {
    net::ReceivedFrom r = co_await receive_datagram();
    co_return UNIXDatagramPacket{std::move(r.data), detail::datagram_unix_path(r.address)};
}

Task<std::optional<UNIXDatagramPacket>> UNIXDatagramSocket::next() {
    std::optional<net::ReceivedFrom> r = co_await next_datagram();
    if (!r) co_return std::nullopt;
    co_return UNIXDatagramPacket{std::move(r->data), detail::datagram_unix_path(r->address)};
}

Task<void> UNIXDatagramSocket::sendto(BytesView data, std::string_view path) {
    const net::SocketAddress to = detail::datagram_unix_address(path, "sendto");
    co_await send_datagram(data, &to, to);
}

Task<void> UNIXDatagramSocket::send(const UNIXDatagramPacket& packet) {
    co_await sendto(packet.data, packet.path);
}

std::string UNIXDatagramSocket::local_path() const {
    return detail::datagram_unix_path(local_address());
}

ConnectedUNIXDatagramSocket::ConnectedUNIXDatagramSocket(net::Socket socket,
                                                         net::SocketAddress remote)
    : DatagramSocketBase(std::move(socket), /*connected=*/true),
      remote_(std::move(remote)),
      remote_path_(detail::datagram_unix_path(remote_)) {}

ConnectedUNIXDatagramSocket ConnectedUNIXDatagramSocket::from_socket(net::Socket socket) {
    check_unix_datagram(socket, "ConnectedUNIXDatagramSocket::from_socket");
    net::SocketAddress remote = socket.getpeername();  // OSError(ENOTCONN) if not connected
    return ConnectedUNIXDatagramSocket(std::move(socket), std::move(remote));
}

Task<Bytes> ConnectedUNIXDatagramSocket::receive() {
    return receive_from_peer(remote_);
}

Task<std::optional<Bytes>> ConnectedUNIXDatagramSocket::next() {
    return next_from_peer(remote_);
}

Task<void> ConnectedUNIXDatagramSocket::send(BytesView data) {
    co_await send_datagram(data, nullptr, remote_);
}

std::string ConnectedUNIXDatagramSocket::local_path() const {
    return detail::datagram_unix_path(local_address());
}

Task<UNIXDatagramSocket> create_unix_datagram_socket(UNIXDatagramSocketOptions options) {
    co_return UNIXDatagramSocket::from_socket(co_await open_unix_datagram(
        std::string(options.local_path), options.local_mode, options.replace_stale));
}

Task<ConnectedUNIXDatagramSocket> create_connected_unix_datagram_socket(
    ConnectedUNIXDatagramSocketOptions options) {
    const net::SocketAddress remote = detail::datagram_unix_address(
        options.remote_path, "create_connected_unix_datagram_socket: remote_path");
    net::Socket socket = co_await open_unix_datagram(std::string(options.local_path),
                                                     options.local_mode, options.replace_stale);
    co_await socket.connect(remote);
    co_return ConnectedUNIXDatagramSocket::from_socket(std::move(socket));
}

}  // namespace coronet
