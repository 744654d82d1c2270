// Server: one backend accept operation per listening socket, restarted from
// its completion; accepted sockets become transports at once.
#include "coronet/asyncio/server.hpp"

#include <errno.h>
#include <netinet/in.h>

#include <chrono>
#include <stdexcept>

#include "asyncio/socket_transport.hpp"
#include "asyncio/ssl_transport.hpp"
#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/net/resolver.hpp"
#include "coronet/net/socket_options.hpp"
#include "coronet/runtime/future.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio {
namespace detail {

constexpr int kInlineAccepts = 16;

class ServerState : public std::enable_shared_from_this<ServerState> {
  public:
    ServerState(Loop& loop, ProtocolFactory factory, std::shared_ptr<SSLContext> ssl,
                Duration ssl_handshake_timeout)
        : loop_(loop),
          factory_(std::move(factory)),
          ssl_(std::move(ssl)),
          ssl_handshake_timeout_(ssl_handshake_timeout) {}

    struct Listener {
        ServerState* state = nullptr;
        net::Socket socket;
        backend::Operation op;
        sockaddr_storage peer{};
        socklen_t peer_length = 0;
        bool pending = false;
        std::shared_ptr<ServerState> keep;  // while the operation is in flight
    };

    void add(net::Socket socket) {
        auto l = std::make_unique<Listener>();
        l->state = this;
        l->socket = std::move(socket);
        listeners_.push_back(std::move(l));
    }

    void start_serving() {
        if (closed_) throw std::logic_error("Server.start_serving: the server is closed");
        if (serving_) return;
        serving_ = true;
        for (auto& l : listeners_)
            accept_more(*l);
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        serving_ = false;
        for (auto& l : listeners_) {
            if (l->pending) loop_.driver().cancel(l->op);
            l->socket.close();  // a pending accept completes with -ECANCELED
        }
        if (forever_) {
            auto f = std::move(*forever_);
            forever_.reset();
            f.set_result();
        }
        wake_waiters();
    }

    Task<void> wait_closed() {
        if (finished()) co_return;
        Future<void> f(loop_);
        waiters_.push_back(f);
        co_await f;
    }

    Task<void> serve_forever() {
        if (closed_) throw std::logic_error("Server.serve_forever: the server is closed");
        if (forever_) throw std::logic_error("Server.serve_forever: already being served forever");
        start_serving();
        Future<void> f(loop_);
        forever_ = f;
        bool cancelled = false;
        try {
            co_await f;
        } catch (const Cancelled&) {
            cancelled = true;
        }
        if (cancelled) {
            forever_.reset();
            close();
            throw Cancelled{};
        }
    }

    std::vector<const net::Socket*> sockets() const {
        std::vector<const net::Socket*> out;
        if (closed_) return out;
        for (auto& l : listeners_)
            out.push_back(&l->socket);
        return out;
    }
    bool is_serving() const noexcept { return serving_; }

  private:
    void accept_more(Listener& l) {
        for (int turn = 0; turn < kInlineAccepts; ++turn) {
            if (!serving_ || l.pending) return;
            l.op = backend::Operation{};
            l.op.code = backend::OpCode::accept;
            l.op.fd = l.socket.fileno();
            l.peer_length = sizeof l.peer;
            l.op.address = reinterpret_cast<sockaddr*>(&l.peer);
            l.op.address_length = &l.peer_length;
            l.op.on_complete = &on_accept;
            l.op.context = &l;
            l.pending = true;
            l.keep = shared_from_this();
            if (!loop_.driver().start(l.op)) return;
            l.pending = false;
            auto keep = std::move(l.keep);
            if (!handle(l, l.op.result)) return;
        }
        loop_.call_soon([self = shared_from_this(), &l] { self->accept_more(l); });
    }

    static void on_accept(backend::Operation& op) noexcept {
        auto& l = *static_cast<Listener*>(op.context);
        auto keep = std::move(l.keep);
        l.pending = false;
        ServerState& s = *l.state;
        if (s.closed_) {
            s.wake_waiters();
            return;
        }
        if (op.code == backend::OpCode::timeout) {
            s.accept_more(l);
            return;
        }
        if (s.handle(l, op.result)) s.accept_more(l);
    }

    // Returns whether to accept again right away.
    bool handle(Listener& l, int r) {
        if (r >= 0) {
            connection(net::from_native(r), l.socket.family());
            return true;
        }
        if (!serving_) return false;
        if (r == -EAGAIN || r == -EINTR || r == -ECONNABORTED || r == -EPROTO) return true;
        loop_.call_exception_handler({"accept failed; accepting again in 100 ms",
                                      std::make_exception_ptr(OSError(-r, "accept", describe(l)))});
        // Back off with a timer operation on the same slot.
        l.op = backend::Operation{};
        l.op.code = backend::OpCode::timeout;
        l.op.deadline = loop_.now() + std::chrono::milliseconds(100);
        l.op.on_complete = &on_accept;
        l.op.context = &l;
        l.pending = true;
        l.keep = shared_from_this();
        if (loop_.driver().start(l.op)) {
            l.pending = false;
            l.keep.reset();
            return true;
        }
        return false;
    }

    static std::string describe(const Listener& l) {
        try {
            return l.socket.getsockname().to_string();
        } catch (const std::exception&) {
            return {};
        }
    }

    void connection(net::Socket sock, int family) {
        try {
            if (family == AF_INET || family == AF_INET6) net::set_tcp_nodelay(sock, true);
            std::unique_ptr<BaseProtocol> protocol = factory_();
            if (ssl_) {
                SSLSetup setup;
                setup.context = ssl_;
                setup.server_side = true;
                setup.handshake_timeout = ssl_handshake_timeout_;
                setup.owned_protocol = std::move(protocol);
                protocol = std::make_unique<SSLBridge>(loop_, std::move(setup));
            }
            ++active_;
            start_socket_transport(loop_, std::move(sock), std::move(protocol),
                                   [self = shared_from_this()] { self->connection_gone(); });
        } catch (...) {
            loop_.call_exception_handler(
                {"could not set up an accepted connection", std::current_exception()});
        }
    }

    void connection_gone() {
        --active_;
        wake_waiters();
    }

    // Closed, every accepted connection lost, and no operation in flight
    // (so that nothing of the server outlives wait_closed).
    bool finished() const noexcept {
        if (!closed_ || active_ != 0) return false;
        for (auto& l : listeners_)
            if (l->pending) return false;
        return true;
    }

    void wake_waiters() {
        if (!finished()) return;
        auto waiters = std::move(waiters_);
        waiters_.clear();
        for (auto& w : waiters)
            if (!w.done()) w.set_result();
    }

    Loop& loop_;
    ProtocolFactory factory_;
    std::shared_ptr<SSLContext> ssl_;  // null: plain
    Duration ssl_handshake_timeout_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::vector<Future<void>> waiters_;
    std::optional<Future<void>> forever_;
    std::size_t active_ = 0;
    bool serving_ = false;
    bool closed_ = false;
};

}  // namespace detail

struct Server::Owner {
    explicit Owner(std::shared_ptr<detail::ServerState> s) : state(std::move(s)) {}
    Owner(const Owner&) = delete;
    Owner& operator=(const Owner&) = delete;
    ~Owner() { state->close(); }
    std::shared_ptr<detail::ServerState> state;
};

Server::Server(std::shared_ptr<detail::ServerState> state)
    : owner_(std::make_shared<Owner>(std::move(state))) {}

detail::ServerState& Server::state() const {
    return *owner_->state;
}

void Server::close() {
    state().close();
}
Task<void> Server::wait_closed() {
    return state().wait_closed();
}
std::vector<const net::Socket*> Server::sockets() const {
    return state().sockets();
}
std::vector<net::SocketAddress> Server::addresses() const {
    std::vector<net::SocketAddress> out;
    for (const net::Socket* s : sockets())
        out.push_back(s->getsockname());
    return out;
}
bool Server::is_serving() const noexcept {
    return owner_->state->is_serving();
}
void Server::start_serving() {
    state().start_serving();
}
Task<void> Server::serve_forever() {
    return state().serve_forever();
}

namespace {

void check(const ProtocolFactory& factory, const ServerOptions& options, const char* what) {
    if (!factory) throw std::invalid_argument(std::string(what) + ": empty protocol factory");
    if (options.backlog < 0) {
        throw std::invalid_argument(std::string(what) + ": backlog must be >= 0, got " +
                                    std::to_string(options.backlog));
    }
    if (options.ssl && options.ssl.context->role() != TLSRole::server) {
        throw std::invalid_argument(std::string(what) +
                                    ": ssl needs a server context "
                                    "(create_default_context(Purpose::client_auth))");
    }
    if (options.ssl_handshake_timeout <= Duration::zero()) {
        throw std::invalid_argument(std::string(what) + ": ssl_handshake_timeout must be positive");
    }
}

Server finish(Loop& loop, ProtocolFactory factory, std::vector<net::Socket> sockets,
              const ServerOptions& options) {
    auto state = std::make_shared<detail::ServerState>(
        loop, std::move(factory), options.ssl.shared(), options.ssl_handshake_timeout);
    for (auto& s : sockets)
        state->add(std::move(s));
    Server server(state);
    if (options.start_serving) state->start_serving();
    return server;
}

}  // namespace

Task<Server> create_server(ProtocolFactory factory, std::vector<std::string> hosts, int port,
                           ServerOptions options) {
    check(factory, options, "create_server");
    if (hosts.empty()) hosts.emplace_back();
    std::vector<net::Socket> sockets;
    for (std::string& host : hosts) {
        auto infos =
            co_await net::getaddrinfo(host, port, options.family, SOCK_STREAM, 0, AI_PASSIVE);
        for (const net::AddressInfo& info : infos) {
            net::Socket s = net::socket(info.family, SOCK_STREAM, info.proto);
            if (options.reuse_address) net::set_reuse_address(s, true);
            if (options.reuse_port) net::set_reuse_port(s, true);
            // As asyncio: an IPv6 socket takes IPv6 only, the IPv4 one binds beside it.
            if (info.family == AF_INET6) s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, true);
            co_await s.bind(info.address);
            s.listen(options.backlog);
            sockets.push_back(std::move(s));
        }
    }
    co_return finish(Loop::current(), std::move(factory), std::move(sockets), options);
}

Task<Server> create_server(ProtocolFactory factory, std::string host, int port,
                           ServerOptions options) {
    return create_server(std::move(factory), std::vector<std::string>{std::move(host)}, port,
                         options);
}

Task<Server> create_server(ProtocolFactory factory, net::Socket sock, ServerOptions options) {
    check(factory, options, "create_server");
    if (sock.is_closed()) throw std::invalid_argument("create_server: the socket is closed");
    if (sock.type() != SOCK_STREAM) {
        throw std::invalid_argument("create_server: a SOCK_STREAM socket is required");
    }
    sock.listen(options.backlog);
    std::vector<net::Socket> sockets;
    sockets.push_back(std::move(sock));
    co_return finish(Loop::current(), std::move(factory), std::move(sockets), options);
}

Task<Server> create_unix_server(ProtocolFactory factory, std::string path, ServerOptions options) {
    return create_unix_server(std::move(factory), net::SocketAddress::unix_path(path), options);
}

Task<Server> create_unix_server(ProtocolFactory factory, net::SocketAddress address,
                                ServerOptions options) {
    check(factory, options, "create_unix_server");
    if (address.family() != AF_UNIX) {
        throw std::invalid_argument("create_unix_server: not an AF_UNIX address: " +
                                    address.to_string());
    }
    net::Socket s = net::socket(AF_UNIX, SOCK_STREAM);
    co_await s.bind(address);
    s.listen(options.backlog);
    std::vector<net::Socket> sockets;
    sockets.push_back(std::move(s));
    co_return finish(Loop::current(), std::move(factory), std::move(sockets), options);
}

}  // namespace coronet::asyncio
