// Pair factories for the datagram conformance suite: coronet's four datagram
// socket types adapted to DatagramEndpoint.
#include <unistd.h>

#include <atomic>
#include <string>
#include <utility>

#include "coronet/stream/udp_socket.hpp"
#include "coronet/stream/unix_datagram_socket.hpp"
#include "coronet/testing/datagram_conformance.hpp"

namespace coronet::testing {
namespace {

// Connected sockets already have the suite's shape.
template <class Socket>
class ConnectedEndpoint final : public DatagramEndpoint {
  public:
    explicit ConnectedEndpoint(Socket socket) : socket_(std::move(socket)) {}
    Task<void> send(BytesView data) override { return socket_.send(data); }
    Task<Bytes> receive() override { return socket_.receive(); }
    Task<std::optional<Bytes>> next() override { return socket_.next(); }
    Task<void> aclose() override { return socket_.aclose(); }

  private:
    Socket socket_;
};

// An unconnected UDP socket that sends to one fixed peer.
class UDPEndpoint final : public DatagramEndpoint {
  public:
    UDPEndpoint(UDPSocket socket, std::string host, int port)
        : socket_(std::move(socket)), host_(std::move(host)), port_(port) {}
    Task<void> send(BytesView data) override { return socket_.sendto(data, host_, port_); }
    Task<Bytes> receive() override { co_return (co_await socket_.receive()).data; }
    Task<std::optional<Bytes>> next() override {
        auto packet = co_await socket_.next();
        if (!packet) co_return std::nullopt;
        co_return std::move(packet->data);
    }
    Task<void> aclose() override { return socket_.aclose(); }

  private:
    UDPSocket socket_;
    std::string host_;
    int port_;
};

// An unconnected UNIX datagram socket that sends to one fixed path.
class UNIXEndpoint final : public DatagramEndpoint {
  public:
    UNIXEndpoint(UNIXDatagramSocket socket, std::string peer)
        : socket_(std::move(socket)), peer_(std::move(peer)) {}
    Task<void> send(BytesView data) override { return socket_.sendto(data, peer_); }
    Task<Bytes> receive() override { co_return (co_await socket_.receive()).data; }
    Task<std::optional<Bytes>> next() override {
        auto packet = co_await socket_.next();
        if (!packet) co_return std::nullopt;
        co_return std::move(packet->data);
    }
    Task<void> aclose() override { return socket_.aclose(); }

  private:
    UNIXDatagramSocket socket_;
    std::string peer_;
};

const char* loopback(int family) {
    return family == AF_INET6 ? "::1" : "127.0.0.1";
}

std::size_t udp_max_payload(int family) {
    // 65535 minus the UDP header, minus the IPv4 header for AF_INET (the
    // IPv6 header is not counted in its payload length).
    return family == AF_INET6 ? 65535 - 8 : 65535 - 8 - 20;
}

// Well above UDP's limit, so a 64 KiB receive buffer would cut it, and well
// below the default SO_SNDBUF (212992) that bounds a UNIX datagram.
constexpr std::size_t kUnixMaxSize = 150000;

// A unique abstract name (no file to clean up), in Python's "\0name" form.
std::string abstract_name() {
    static std::atomic<int> counter{0};
    std::string name(1, '\0');
    name += "coronet-dgram-conformance-";
    name += std::to_string(::getpid());
    name += '-';
    name += std::to_string(counter++);
    return name;
}

DatagramPair pair_of(std::unique_ptr<DatagramEndpoint> a, std::unique_ptr<DatagramEndpoint> b,
                     bool ordered, std::size_t max_size, bool oversize_refused) {
    DatagramPair p;
    p.a = std::move(a);
    p.b = std::move(b);
    p.ordered = ordered;
    p.max_size = max_size;
    p.oversize_refused = oversize_refused;
    return p;
}

}  // namespace

Task<DatagramPair> make_udp_pair(int family) {
    const char* host = loopback(family);
    UDPSocket a = co_await create_udp_socket({.family = family, .local_host = host});
    UDPSocket b = co_await create_udp_socket({.family = family, .local_host = host});
    const int a_port = a.local_port();
    const int b_port = b.local_port();
    co_return pair_of(std::make_unique<UDPEndpoint>(std::move(a), host, b_port),
                      std::make_unique<UDPEndpoint>(std::move(b), host, a_port), false,
                      udp_max_payload(family), true);
}

Task<DatagramPair> make_connected_udp_pair(int family) {
    const char* host = loopback(family);
    UDPSocket plain = co_await create_udp_socket({.family = family, .local_host = host});
    ConnectedUDPSocket a = co_await create_connected_udp_socket(
        {.remote_host = host, .remote_port = plain.local_port(), .local_host = host});
    // The other end: the plain socket, connected back and adopted.
    net::Socket raw = std::move(plain.raw_socket());
    co_await raw.connect(a.local_address());
    ConnectedUDPSocket b = ConnectedUDPSocket::from_socket(std::move(raw));
    co_return pair_of(std::make_unique<ConnectedEndpoint<ConnectedUDPSocket>>(std::move(a)),
                      std::make_unique<ConnectedEndpoint<ConnectedUDPSocket>>(std::move(b)), false,
                      udp_max_payload(family), true);
}

Task<DatagramPair> make_unix_datagram_pair() {
    const std::string a_path = abstract_name();
    const std::string b_path = abstract_name();
    UNIXDatagramSocket a = co_await create_unix_datagram_socket({.local_path = a_path});
    UNIXDatagramSocket b = co_await create_unix_datagram_socket({.local_path = b_path});
    co_return pair_of(std::make_unique<UNIXEndpoint>(std::move(a), b_path),
                      std::make_unique<UNIXEndpoint>(std::move(b), a_path), true, kUnixMaxSize,
                      false);
}

Task<DatagramPair> make_connected_unix_datagram_pair() {
    const std::string a_path = abstract_name();
    const std::string b_path = abstract_name();
    UNIXDatagramSocket plain = co_await create_unix_datagram_socket({.local_path = b_path});
    ConnectedUNIXDatagramSocket a = co_await create_connected_unix_datagram_socket(
        {.remote_path = b_path, .local_path = a_path});
    net::Socket raw = std::move(plain.raw_socket());
    co_await raw.connect(a.local_address());
    ConnectedUNIXDatagramSocket b = ConnectedUNIXDatagramSocket::from_socket(std::move(raw));
    co_return pair_of(
        std::make_unique<ConnectedEndpoint<ConnectedUNIXDatagramSocket>>(std::move(a)),
        std::make_unique<ConnectedEndpoint<ConnectedUNIXDatagramSocket>>(std::move(b)), true,
        kUnixMaxSize, false);
}

}  // namespace coronet::testing
