#include "coronet/asyncio/connection.hpp"

#include <stdexcept>

#include "asyncio/socket_transport.hpp"
#include "coronet/net/open_tcp_socket.hpp"
#include "coronet/net/socket_options.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio {
namespace {

Connection wrap(const ProtocolFactory& factory, net::Socket sock, const char* what) {
    if (sock.is_closed()) throw std::invalid_argument(std::string(what) + ": the socket is closed");
    if (sock.type() != SOCK_STREAM) {
        throw std::invalid_argument(std::string(what) + ": a SOCK_STREAM socket is required");
    }
    if (!factory) throw std::invalid_argument(std::string(what) + ": empty protocol factory");
    std::unique_ptr<BaseProtocol> protocol = factory();
    BaseProtocol* raw = protocol.get();
    auto transport =
        detail::start_socket_transport(Loop::current(), std::move(sock), std::move(protocol));
    return {std::move(transport), raw};
}

}  // namespace

Task<Connection> create_connection(ProtocolFactory factory, std::string host, int port,
                                   ConnectionOptions options) {
    if (!factory) throw std::invalid_argument("create_connection: empty protocol factory");
    net::OpenTcpSocketOptions o{};
    o.family = options.family;
    o.local_address = options.local_addr;
    o.happy_eyeballs_delay = options.happy_eyeballs_delay;
    o.interleave = options.interleave;
    net::Socket sock = co_await net::open_tcp_socket(std::move(host), port, o);
    net::set_tcp_nodelay(sock, true);
    co_return wrap(factory, std::move(sock), "create_connection");
}

Task<Connection> create_connection(ProtocolFactory factory, net::Socket sock) {
    co_return wrap(factory, std::move(sock), "create_connection");
}

Task<Connection> create_unix_connection(ProtocolFactory factory, std::string path) {
    return create_unix_connection(std::move(factory), net::SocketAddress::unix_path(path));
}

Task<Connection> create_unix_connection(ProtocolFactory factory, net::SocketAddress address) {
    if (address.family() != AF_UNIX) {
        throw std::invalid_argument("create_unix_connection: not an AF_UNIX address: " +
                                    address.to_string());
    }
    net::Socket sock = net::socket(AF_UNIX, SOCK_STREAM);
    co_await sock.connect(address);
    co_return wrap(factory, std::move(sock), "create_unix_connection");
}

Task<Connection> connect_accepted_socket(ProtocolFactory factory, net::Socket sock) {
    co_return wrap(factory, std::move(sock), "connect_accepted_socket");
}

}  // namespace coronet::asyncio
