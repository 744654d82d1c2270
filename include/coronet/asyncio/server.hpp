// asyncio's Server and the loop methods that make one: create_server,
// create_unix_server.
//
//     auto factory = [] { return std::make_unique<Echo>(); };
//     asyncio::Server server = co_await asyncio::create_server(factory, {"127.0.0.1"}, 8888);
//     co_await server.serve_forever();   // until server.close() (or cancellation)
//
// Each accepted connection gets a protocol from the factory and a transport
// driven straight from the backend (one accept operation in flight per
// listening socket; no task per connection).
//
// Server is a shared handle (copies refer to the same server). When the last
// copy is destroyed the server is closed (it stops accepting; open
// connections are not touched, as close() in asyncio).
// Accept failures that are not the peer's (EMFILE, ENFILE, ENOBUFS, ENOMEM,
// ...) are reported through the loop's exception handler and accepting
// resumes 100 ms later, so the server neither spins nor dies.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "coronet/asyncio/connection.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/tls/ssl_context.hpp"

namespace coronet::asyncio {

namespace detail {
class ServerState;
}

class Server {
  public:
    explicit Server(std::shared_ptr<detail::ServerState> state);

    // Stops listening: the listening sockets are closed; connections already
    // accepted stay open. Idempotent.
    void close();
    // Completes once close() has been called, every connection accepted by
    // this server has been lost, and the listening sockets' operations have
    // ended (await it before the loop ends, or the server's memory is leaked).
    Task<void> wait_closed();
    // The listening sockets (empty once closed).
    std::vector<const net::Socket*> sockets() const;
    // Their addresses (handy for port 0).
    std::vector<net::SocketAddress> addresses() const;
    bool is_serving() const noexcept;
    // Starts accepting (a no-op if already serving); std::logic_error once closed.
    void start_serving();
    // Starts serving and waits until close() is called; cancelling the
    // waiting task closes the server. std::logic_error if the server is
    // closed or another serve_forever is already running.
    Task<void> serve_forever();

  private:
    struct Owner;  // closes the server when the last handle goes
    detail::ServerState& state() const;
    std::shared_ptr<Owner> owner_;
};

struct ServerOptions {
    // AF_INET / AF_INET6 to use one family only; AF_UNSPEC: every family.
    int family = AF_UNSPEC;
    int backlog = 100;
    bool reuse_address = true;  // asyncio's default on Linux
    bool reuse_port = false;
    bool start_serving = true;
    // TLS (asyncio's ssl=): a server context
    // (create_default_context(Purpose::client_auth) with a certificate
    // loaded); null: plain. Each accepted connection does the handshake
    // first; its protocol's connection_made runs once it is done. A failed
    // or timed-out handshake is reported through the loop's exception
    // handler (naming the peer) and the protocol gets no callback.
    SSLContextRef ssl{};
    // How long an accepted connection's TLS handshake may take (> 0).
    Duration ssl_handshake_timeout = std::chrono::seconds(60);
};
static_assert(std::is_trivially_destructible_v<ServerOptions>);

// Binds every address `hosts` resolve to (an empty list or "" means every
// interface) at `port` (0: a free port per socket) and listens on each.
Task<Server> create_server(ProtocolFactory factory, std::vector<std::string> hosts, int port,
                           ServerOptions options = {});
Task<Server> create_server(ProtocolFactory factory, std::string host, int port,
                           ServerOptions options = {});
// Serves on `sock`, a bound stream socket (listen() is called with backlog).
Task<Server> create_server(ProtocolFactory factory, net::Socket sock, ServerOptions options = {});
// Binds a UNIX stream socket at `path` (the file is not removed on close, as
// asyncio; an existing file is an OSError). The SocketAddress overload takes
// abstract names.
Task<Server> create_unix_server(ProtocolFactory factory, std::string path,
                                ServerOptions options = {});
Task<Server> create_unix_server(ProtocolFactory factory, net::SocketAddress address,
                                ServerOptions options = {});

}  // namespace coronet::asyncio
