#include "endpoints.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

#include "cli_error.hpp"

namespace coronet::cli {

namespace {

// Bounds a stranger's handshake, so that a silent client cannot hold a
// connection slot (or `listen`'s only one) forever.
constexpr std::chrono::milliseconds kHandshakeTimeout{10000};

// An existing non-socket at a UNIX URL is the user's mistake, not the
// network's: say so instead of the kernel's "Connection refused".
void check_not_other_file(const Url& url) {
    if (url.path.starts_with("@")) return;
    struct stat st {};
    if (::stat(url.path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
        throw UsageError(url.path + " exists and is not a socket");
    }
}

void remove_socket_file(const std::string& path) {
    if (path.empty() || path.starts_with("@")) return;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
}

class UdpClient final : public DatagramClient {
  public:
    explicit UdpClient(ConnectedUDPSocket socket) : socket_(std::move(socket)) {}
    Task<void> send(BytesView data) override { co_await socket_.send(data); }
    Task<Bytes> receive() override { co_return co_await socket_.receive(); }
    Task<void> aclose() override { co_await socket_.aclose(); }

  private:
    ConnectedUDPSocket socket_;
};

class UnixDgramClient final : public DatagramClient {
  public:
    explicit UnixDgramClient(ConnectedUNIXDatagramSocket socket) : socket_(std::move(socket)) {}
    Task<void> send(BytesView data) override { co_await socket_.send(data); }
    Task<Bytes> receive() override { co_return co_await socket_.receive(); }
    Task<void> aclose() override { co_await socket_.aclose(); }

  private:
    ConnectedUNIXDatagramSocket socket_;
};

class UdpServer final : public DatagramServer {
  public:
    explicit UdpServer(UDPSocket socket) : socket_(std::move(socket)) {}
    std::string address() const override {
        const std::string host = socket_.local_host();
        const bool v6 = host.find(':') != std::string::npos;
        return "udp://" + (v6 ? "[" + host + "]" : host) + ":" +
               std::to_string(socket_.local_port());
    }
    Task<ReceivedDatagram> receive() override {
        UDPPacket packet = co_await socket_.receive();
        co_return ReceivedDatagram{std::move(packet.data), {packet.host, packet.port, {}}};
    }
    Task<void> send_to(BytesView data, const DatagramPeer& peer) override {
        co_await socket_.sendto(data, peer.host, peer.port);
    }
    Task<void> aclose() override { co_await socket_.aclose(); }

  private:
    UDPSocket socket_;
};

class UnixDgramServer final : public DatagramServer {
  public:
    UnixDgramServer(UNIXDatagramSocket socket, std::string path)
        : socket_(std::move(socket)), path_(std::move(path)) {}
    std::string address() const override { return "unix-dgram:" + path_; }
    Task<ReceivedDatagram> receive() override {
        UNIXDatagramPacket packet = co_await socket_.receive();
        std::string from = packet.path;
        if (!from.empty() && from.front() == '\0') from.front() = '@';
        co_return ReceivedDatagram{std::move(packet.data), {{}, 0, std::move(from)}};
    }
    Task<void> send_to(BytesView data, const DatagramPeer& peer) override {
        if (peer.path.empty()) {
            throw BrokenResourceError("the sender has no address (an unnamed socket): no reply");
        }
        co_await socket_.sendto(data, socket_path(peer.path));
    }
    Task<void> aclose() override {
        co_await socket_.aclose();
        remove_socket_file(path_);
    }

  private:
    UNIXDatagramSocket socket_;
    std::string path_;
};

}  // namespace

std::string socket_path(const std::string& path) {
    std::string result = path;
    if (!result.empty() && result.front() == '@') result.front() = '\0';
    return result;
}

std::string DatagramPeer::describe() const {
    if (!path.empty()) return path;
    if (host.empty()) return "<unnamed>";
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
}

Task<StreamPtr> connect_stream(Url url, TlsClient tls) {
    require_connectable(url);
    if (url.scheme == Scheme::tls) {
        if (!tls.context) tls.context = create_default_context();
        TLSConnectOptions options{.tls = true, .ssl_context = tls.context};
        options.tls_hostname = tls.hostname.empty() ? url.host : tls.hostname;
        TLSStream stream = co_await connect_tcp(url.host, url.port, options);
        co_return std::make_unique<TLSStream>(std::move(stream));
    }
    if (url.scheme == Scheme::tcp) {
        SocketStream stream = co_await connect_tcp(url.host, url.port);
        co_return std::make_unique<SocketStream>(std::move(stream));
    }
    if (url.scheme != Scheme::unix_stream) throw UsageError(url.text + " is not a stream URL");
    check_not_other_file(url);
    UNIXSocketStream stream = co_await connect_unix(url.path);
    co_return std::make_unique<UNIXSocketStream>(std::move(stream));
}

Task<std::unique_ptr<StreamServer>> StreamServer::open(Url url,
                                                       std::shared_ptr<SSLContext> tls_context) {
    if (!url.is_stream()) throw UsageError(url.text + " is not a stream URL");
    std::unique_ptr<StreamServer> server(new StreamServer(url));
    if (url.scheme == Scheme::tls) {
        if (!tls_context) throw UsageError(url.text + " needs --cert and --key");
        MultiListener<SocketStream> tcp =
            co_await create_tcp_listener({.local_host = url.host, .local_port = url.port});
        server->tls_.emplace(std::move(tcp), tls_context,
                             TLSListenerOptions{.handshake_timeout = kHandshakeTimeout});
    } else if (url.scheme == Scheme::tcp) {
        server->tcp_.emplace(
            co_await create_tcp_listener({.local_host = url.host, .local_port = url.port}));
    } else {
        check_not_other_file(url);
        // A socket file left by an earlier run that nobody listens on is
        // replaced; one in use is an error.
        server->unix_.emplace(co_await create_unix_listener(url.path, {.replace_stale = true}));
    }
    co_return server;
}

StreamServer::~StreamServer() = default;

std::string StreamServer::address() const {
    if (unix_) return "unix:" + url_.path;
    Url actual = url_;
    actual.port = tls_ ? tls_->extra<attr::local_port>() : tcp_->extra<attr::local_port>();
    if (actual.host.empty()) actual.host = "0.0.0.0";
    return (tls_ ? "tls://" : "tcp://") + describe(actual);
}

Task<void> StreamServer::serve(StreamHandler handler, TaskGroup& handlers) {
    // Named before the co_await: g++ 12 destroys a by-value capturing lambda
    // built inside a co_await expression twice.
    if (tls_) {
        Listener<TLSStream>::Handler wrapped = [handler](TLSStream s) -> Task<void> {
            co_await handler(std::make_unique<TLSStream>(std::move(s)));
        };
        co_await tls_->serve(std::move(wrapped), &handlers);
    } else if (tcp_) {
        Listener<SocketStream>::Handler wrapped = [handler](SocketStream s) -> Task<void> {
            co_await handler(std::make_unique<SocketStream>(std::move(s)));
        };
        co_await tcp_->serve(std::move(wrapped), &handlers);
    } else {
        Listener<UNIXSocketStream>::Handler wrapped = [handler](UNIXSocketStream s) -> Task<void> {
            co_await handler(std::make_unique<UNIXSocketStream>(std::move(s)));
        };
        co_await unix_->serve(std::move(wrapped), &handlers);
    }
}

Task<void> StreamServer::aclose() {
    if (tls_) co_await tls_->aclose();
    if (tcp_) co_await tcp_->aclose();
    if (unix_) {
        co_await unix_->aclose();
        remove_socket_file(url_.path);
    }
}

Task<std::unique_ptr<DatagramClient>> DatagramClient::open(Url url) {
    require_connectable(url);
    if (url.scheme == Scheme::udp) {
        ConnectedUDPSocket socket = co_await create_connected_udp_socket(
            {.remote_host = url.host, .remote_port = url.port});
        co_return std::make_unique<UdpClient>(std::move(socket));
    }
    if (url.scheme != Scheme::unix_dgram) throw UsageError(url.text + " is not a datagram URL");
    check_not_other_file(url);
    // An unnamed socket cannot be answered; an abstract name leaves no file.
    static std::atomic<unsigned> counter{0};
    const std::string local =
        socket_path("@coronet-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    const std::string remote = socket_path(url.path);
    ConnectedUNIXDatagramSocket socket = co_await create_connected_unix_datagram_socket(
        {.remote_path = remote, .local_path = local});
    co_return std::make_unique<UnixDgramClient>(std::move(socket));
}

Task<std::unique_ptr<DatagramServer>> DatagramServer::open(Url url) {
    if (url.scheme == Scheme::udp) {
        UDPSocket socket =
            co_await create_udp_socket({.local_host = url.host, .local_port = url.port});
        co_return std::make_unique<UdpServer>(std::move(socket));
    }
    if (url.scheme != Scheme::unix_dgram) throw UsageError(url.text + " is not a datagram URL");
    check_not_other_file(url);
    const std::string path = socket_path(url.path);
    UNIXDatagramSocket socket =
        co_await create_unix_datagram_socket({.local_path = path, .replace_stale = true});
    co_return std::make_unique<UnixDgramServer>(std::move(socket), url.path);
}

}  // namespace coronet::cli
