#include "coronet/asyncio/connection.hpp"

#include <stdexcept>

#include "asyncio/socket_transport.hpp"
#include "asyncio/ssl_transport.hpp"
#include "coronet/asyncio/start_tls.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/net/open_tcp_socket.hpp"
#include "coronet/net/socket_options.hpp"
#include "coronet/runtime/future.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio {
namespace {

void check_socket(const ProtocolFactory& factory, const net::Socket& sock, const char* what) {
    if (sock.is_closed()) throw std::invalid_argument(std::string(what) + ": the socket is closed");
    if (sock.type() != SOCK_STREAM) {
        throw std::invalid_argument(std::string(what) + ": a SOCK_STREAM socket is required");
    }
    if (!factory) throw std::invalid_argument(std::string(what) + ": empty protocol factory");
}

Connection wrap(const ProtocolFactory& factory, net::Socket sock, const char* what) {
    check_socket(factory, sock, what);
    std::unique_ptr<BaseProtocol> protocol = factory();
    BaseProtocol* raw = protocol.get();
    auto transport =
        detail::start_socket_transport(Loop::current(), std::move(sock), std::move(protocol));
    return {std::move(transport), raw};
}

void check_tls(SSLContextRef ssl, std::string_view server_hostname, Duration timeout,
               const char* what) {
    if (!ssl && !server_hostname.empty()) {
        throw std::invalid_argument(std::string(what) +
                                    ": server_hostname is only meaningful with ssl");
    }
    if (timeout <= Duration::zero()) {
        throw std::invalid_argument(std::string(what) + ": ssl_handshake_timeout must be positive");
    }
}

// Wraps `sock` in an SSL transport and waits for the handshake.
Task<Connection> wrap_tls(ProtocolFactory factory, net::Socket sock, SSLContextRef ssl,
                          std::string hostname, Duration timeout, const char* what) {
    check_socket(factory, sock, what);
    Loop& loop = Loop::current();
    Future<void> done(loop);
    detail::SSLSetup setup;
    setup.context = ssl.shared();
    setup.server_hostname = std::move(hostname);
    setup.handshake_timeout = timeout;
    setup.owned_protocol = factory();
    BaseProtocol* protocol = setup.owned_protocol.get();
    setup.on_handshake = [done](std::exception_ptr e) mutable {
        if (done.done()) return;
        if (e) {
            done.set_exception(e);
        } else {
            done.set_result();
        }
    };
    auto bridge = std::make_unique<detail::SSLBridge>(loop, std::move(setup));
    std::shared_ptr<Transport> transport = bridge->transport();
    detail::start_socket_transport(loop, std::move(sock), std::move(bridge));
    try {
        co_await done;
    } catch (const Cancelled&) {
        transport->abort();
        throw;
    }
    co_return Connection{std::move(transport), protocol};
}

}  // namespace

Task<Connection> create_connection(ProtocolFactory factory, std::string host, int port,
                                   ConnectionOptions options) {
    if (!factory) throw std::invalid_argument("create_connection: empty protocol factory");
    check_tls(options.ssl, options.server_hostname, options.ssl_handshake_timeout,
              "create_connection");
    net::OpenTcpSocketOptions o{};
    o.family = options.family;
    o.local_address = options.local_addr;
    o.happy_eyeballs_delay = options.happy_eyeballs_delay;
    o.interleave = options.interleave;
    std::string hostname =
        options.server_hostname.empty() ? host : std::string(options.server_hostname);
    net::Socket sock = co_await net::open_tcp_socket(std::move(host), port, o);
    net::set_tcp_nodelay(sock, true);
    if (options.ssl) {
        co_return co_await wrap_tls(std::move(factory), std::move(sock), options.ssl,
                                    std::move(hostname), options.ssl_handshake_timeout,
                                    "create_connection");
    }
    co_return wrap(factory, std::move(sock), "create_connection");
}

Task<Connection> create_connection(ProtocolFactory factory, net::Socket sock,
                                   TLSConnectionOptions tls) {
    check_tls(tls.ssl, tls.server_hostname, tls.ssl_handshake_timeout, "create_connection");
    if (tls.ssl) {
        co_return co_await wrap_tls(std::move(factory), std::move(sock), tls.ssl,
                                    std::string(tls.server_hostname), tls.ssl_handshake_timeout,
                                    "create_connection");
    }
    co_return wrap(factory, std::move(sock), "create_connection");
}

Task<Connection> create_unix_connection(ProtocolFactory factory, std::string path,
                                        TLSConnectionOptions tls) {
    return create_unix_connection(std::move(factory), net::SocketAddress::unix_path(path), tls);
}

Task<Connection> create_unix_connection(ProtocolFactory factory, net::SocketAddress address,
                                        TLSConnectionOptions tls) {
    if (address.family() != AF_UNIX) {
        throw std::invalid_argument("create_unix_connection: not an AF_UNIX address: " +
                                    address.to_string());
    }
    check_tls(tls.ssl, tls.server_hostname, tls.ssl_handshake_timeout, "create_unix_connection");
    net::Socket sock = net::socket(AF_UNIX, SOCK_STREAM);
    co_await sock.connect(address);
    if (tls.ssl) {
        co_return co_await wrap_tls(std::move(factory), std::move(sock), tls.ssl,
                                    std::string(tls.server_hostname), tls.ssl_handshake_timeout,
                                    "create_unix_connection");
    }
    co_return wrap(factory, std::move(sock), "create_unix_connection");
}

Task<Connection> connect_accepted_socket(ProtocolFactory factory, net::Socket sock) {
    co_return wrap(factory, std::move(sock), "connect_accepted_socket");
}

Task<std::shared_ptr<Transport>> start_tls(std::shared_ptr<Transport> transport,
                                           BaseProtocol& protocol, SSLContextRef sslcontext,
                                           bool server_side, std::string server_hostname,
                                           Duration ssl_handshake_timeout) {
    if (!transport) throw std::invalid_argument("start_tls: the transport is null");
    if (!sslcontext) throw std::invalid_argument("start_tls: the SSL context is null");
    if (transport->is_closing()) throw std::invalid_argument("start_tls: the transport is closing");
    if (transport->get_extra_info("ssl_object").has_value()) {
        throw std::invalid_argument("start_tls: the transport already speaks TLS");
    }
    if (&transport->get_protocol() != &protocol) {
        throw std::invalid_argument("start_tls: `protocol` is not the transport's protocol");
    }
    if (ssl_handshake_timeout <= Duration::zero()) {
        throw std::invalid_argument("start_tls: ssl_handshake_timeout must be positive");
    }
    Loop& loop = Loop::current();
    Future<void> done(loop);
    detail::SSLSetup setup;
    setup.context = sslcontext.shared();
    setup.server_side = server_side;
    setup.server_hostname = std::move(server_hostname);
    setup.handshake_timeout = ssl_handshake_timeout;
    setup.protocol = &protocol;
    setup.protocol_made = true;
    setup.on_handshake = [done](std::exception_ptr e) mutable {
        if (done.done()) return;
        if (e) {
            done.set_exception(e);
        } else {
            done.set_result();
        }
    };
    auto bridge = std::make_unique<detail::SSLBridge>(loop, std::move(setup));
    detail::SSLBridge* b = bridge.get();
    std::shared_ptr<Transport> tls = bridge->transport();
    // The plain transport keeps `protocol` alive (retired) as long as it lives,
    // and the SSL transport holds the plain one.
    transport->set_protocol(std::move(bridge));
    transport->resume_reading();
    b->attach(*transport);
    try {
        co_await done;
    } catch (const Cancelled&) {
        tls->abort();
        throw;
    }
    co_return tls;
}

}  // namespace coronet::asyncio
