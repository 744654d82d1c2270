#include "coronet/stream/connect.hpp"

#include <arpa/inet.h>

#include <stdexcept>
#include <vector>

#include "coronet/base/errors.hpp"
#include "coronet/net/open_tcp_socket.hpp"
#include "coronet/net/resolver.hpp"

namespace coronet {
namespace stream_detail {

std::vector<net::SocketAddress> numeric_addresses(const std::string& host, int port, int family) {
    if (port < 0 || port > 65535) {
        throw std::invalid_argument("port " + std::to_string(port) + " is outside 0..65535");
    }
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
        throw std::invalid_argument("unknown address family " + std::to_string(family) +
                                    " (use AF_UNSPEC, AF_INET or AF_INET6)");
    }
    std::vector<net::SocketAddress> out;
    const bool v4 = family != AF_INET6, v6 = family != AF_INET;
    if (host == "localhost") {
        if (v6) out.push_back(net::SocketAddress::ipv6("::1", port));
        if (v4) out.push_back(net::SocketAddress::ipv4("127.0.0.1", port));
        return out;
    }
    in_addr a4{};
    if (::inet_pton(AF_INET, host.c_str(), &a4) == 1) {
        if (!v4) throw std::invalid_argument("host " + host + " is IPv4 but family is AF_INET6");
        out.push_back(net::SocketAddress::ipv4(host, port));
        return out;
    }
    if (host.find(':') != std::string::npos) {
        if (!v6) throw std::invalid_argument("host " + host + " is IPv6 but family is AF_INET");
        out.push_back(net::SocketAddress::ipv6(host, port));
        return out;
    }
    throw std::invalid_argument("host '" + host +
                                "' is not numeric: host names need the resolver, which is not "
                                "available yet (numeric hosts and \"localhost\" work)");
}

net::SocketAddress unix_address(const std::string& path) {
    if (path.empty()) throw std::invalid_argument("UNIX socket path must not be empty");
    if (path[0] == '@' || path[0] == '\0') return net::SocketAddress::unix_abstract(path.substr(1));
    return net::SocketAddress::unix_path(path);
}

}  // namespace stream_detail

namespace {

// Plain parameters: g++ 12 mis-copies an aggregate parameter holding a
// std::string into a coroutine frame.
Task<SocketStream> connect_by_name(std::string host, int port, std::string local_host,
                                   std::chrono::milliseconds happy_eyeballs_delay) {
    net::OpenTcpSocketOptions options;
    options.happy_eyeballs_delay = std::chrono::duration_cast<Duration>(happy_eyeballs_delay);
    if (!local_host.empty()) {
        auto local = co_await net::getaddrinfo(local_host, 0, 0, SOCK_STREAM);
        if (local.empty())
            throw std::invalid_argument("local_host " + local_host + " has no address");
        options.local_address = local.front().address;
    }
    net::Socket socket = co_await net::open_tcp_socket(std::move(host), port, options);
    co_return SocketStream(std::move(socket));
}

}  // namespace

Task<SocketStream> connect_tcp(std::string host, int port, ConnectTcpOptions options) {
    if (port < 0 || port > 65535) {
        throw std::invalid_argument("port " + std::to_string(port) + " is outside 0..65535");
    }
    return connect_by_name(std::move(host), port, std::string(options.local_host),
                           options.happy_eyeballs_delay);
}

namespace {
Task<UNIXSocketStream> connect_unix_address(net::SocketAddress address) {
    net::Socket socket = net::socket(AF_UNIX, SOCK_STREAM);
    co_await socket.connect(address);
    co_return UNIXSocketStream(std::move(socket));
}
}  // namespace

Task<UNIXSocketStream> connect_unix(std::string path) {
    return connect_unix_address(stream_detail::unix_address(path));
}

}  // namespace coronet
