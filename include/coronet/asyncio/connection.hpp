// asyncio's loop methods that make one stream connection: create_connection,
// create_unix_connection, connect_accepted_socket.
//
//     struct Client : asyncio::Protocol { ... };
//     auto factory = [] { return std::make_unique<Client>(); };
//     asyncio::Connection c = co_await asyncio::create_connection(factory, "127.0.0.1", 8888);
//     c.transport->write("hello");
//
// These are free functions on the loop running the calling task (a
// coronet::run main, or an EventLoop's run_until_complete): coronet has one
// loop per thread, so asyncio's `loop.` receiver adds nothing. The protocol
// factory is called once per connection; its protocol is owned by the
// transport (see transports.hpp for the lifetime rules). connection_made()
// has run by the time the call returns; data_received() runs from a later
// loop iteration.
//
// TLS: with `ssl` set (a client context, create_default_context()), the
// connection is wrapped in an SSL transport (see start_tls.hpp): the call
// returns once the TLS handshake is done, and the protocol's connection_made
// runs only then. A failed handshake raises from the call (SSLError, or
// SSLCertVerificationError whose message names the verify failure or both
// names on a hostname mismatch; TimeoutError after ssl_handshake_timeout)
// and the protocol gets no callback at all, as in asyncio.
//
// Name a capturing factory before the co_await (g++ 12 destroys a capturing
// lambda temporary inside a co_await expression twice; docs/runtime-threads.md).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "coronet/asyncio/protocols.hpp"
#include "coronet/asyncio/transports.hpp"
#include "coronet/backend/clock.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/tls/ssl_context.hpp"

namespace coronet::asyncio {

using ProtocolFactory = std::function<std::unique_ptr<BaseProtocol>()>;

// asyncio's (transport, protocol) pair. The shared_ptr keeps the transport
// object (and its protocol) alive as long as it is held.
struct Connection {
    std::shared_ptr<Transport> transport;
    BaseProtocol* protocol = nullptr;

    template <class P>
    P& protocol_as() const {
        return dynamic_cast<P&>(*protocol);
    }
};

struct ConnectionOptions {
    // AF_INET / AF_INET6 to use one family only; AF_UNSPEC: both.
    int family = AF_UNSPEC;
    // A numeric address to bind the local end to (asyncio's local_addr).
    std::optional<net::SocketAddress> local_addr{};
    // Happy eyeballs (asyncio's happy_eyeballs_delay; nullopt: sequential).
    std::optional<Duration> happy_eyeballs_delay = std::chrono::milliseconds(250);
    int interleave = 1;
    // TLS (asyncio's ssl=): the client context; null: plain TCP.
    SSLContextRef ssl{};
    // The name to verify the certificate against and send as SNI; empty:
    // the `host` given. Only meaningful with `ssl` (std::invalid_argument
    // otherwise). The characters must outlive the call.
    std::string_view server_hostname{};
    // How long the TLS handshake may take (> 0).
    Duration ssl_handshake_timeout = std::chrono::seconds(60);
};
static_assert(std::is_trivially_destructible_v<ConnectionOptions>);

// create_unix_connection's and connect_accepted_socket's TLS settings (the
// host-related fields of ConnectionOptions do not apply there).
struct TLSConnectionOptions {
    SSLContextRef ssl{};
    // Required with `ssl` when the context checks hostnames (there is no host
    // to default to).
    std::string_view server_hostname{};
    Duration ssl_handshake_timeout = std::chrono::seconds(60);
};
static_assert(std::is_trivially_destructible_v<TLSConnectionOptions>);

// Resolves `host` and connects with happy eyeballs (net::open_tcp_socket),
// sets TCP_NODELAY as asyncio does, and wraps the socket in a transport.
// Errors: those of open_tcp_socket (ConnectError, GaiError,
// std::invalid_argument for a bad port or host), and whatever the factory or
// connection_made threw.
Task<Connection> create_connection(ProtocolFactory factory, std::string host, int port,
                                   ConnectionOptions options = {});
// Wraps `sock`, an already connected stream socket (asyncio's sock=).
Task<Connection> create_connection(ProtocolFactory factory, net::Socket sock,
                                   TLSConnectionOptions tls = {});
// Connects to a UNIX socket: a filesystem path (an SocketAddress overload
// takes abstract names).
Task<Connection> create_unix_connection(ProtocolFactory factory, std::string path,
                                        TLSConnectionOptions tls = {});
Task<Connection> create_unix_connection(ProtocolFactory factory, net::SocketAddress address,
                                        TLSConnectionOptions tls = {});
// Wraps a socket that some other code accepted.
Task<Connection> connect_accepted_socket(ProtocolFactory factory, net::Socket sock);

}  // namespace coronet::asyncio
