#include "coronet/stream/create_listener.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "coronet/base/errors.hpp"
#include "coronet/net/resolver.hpp"
#include "coronet/net/socket_options.hpp"
#include "coronet/stream/connect.hpp"

namespace coronet {
namespace {

int clamp_backlog(int backlog) {
    if (backlog < 0) throw std::invalid_argument("backlog must not be negative");
    return std::min(backlog, 65535);
}

// With port 0 the kernel picks the first family's port and the other
// families must bind the same one, which may already be taken on them by
// anyone: that is no reason to fail. The sockets that got such a port stay
// open until the end, so the kernel cannot hand the same port out again, and
// the next attempt gets another one.
constexpr int kSamePortAttempts = 16;

// One listener per address, all on one port: the requested one, or with 0
// the one the kernel picks for the first address.
struct OnePortRound {
    std::vector<std::unique_ptr<Listener<SocketStream>>> listeners;
    bool port_taken_elsewhere = false;  // a later address found the port in use
};

// The coroutines take plain parameters: g++ 12 mis-copies an aggregate
// parameter holding a std::string into the coroutine frame.
Task<OnePortRound> listen_on_one_port(const std::vector<net::SocketAddress>& addresses, int port,
                                      int backlog, bool reuse_port, bool may_start_over) {
    OnePortRound round;
    for (const auto& requested : addresses) {
        net::SocketAddress address = requested.family() == AF_INET6
                                         ? net::SocketAddress::ipv6(requested.host(), port)
                                         : net::SocketAddress::ipv4(requested.host(), port);
        net::Socket socket;
        try {
            socket = net::socket(address.family(), SOCK_STREAM);
        } catch (const OSError& error) {
            // An IPv6-less kernel: serve on the other family alone.
            if (error.error_number() == EAFNOSUPPORT && addresses.size() > 1) continue;
            throw;
        }
        net::set_reuse_address(socket, true);
        if (reuse_port) net::set_reuse_port(socket, true);
        if (address.family() == AF_INET6) socket.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, true);
        try {
            co_await socket.bind(address);
        } catch (const OSError& error) {
            if (error.error_number() == EADDRNOTAVAIL && address.family() == AF_INET6 &&
                addresses.size() > 1) {
                continue;
            }
            if (error.error_number() == EADDRINUSE && may_start_over && !round.listeners.empty()) {
                round.port_taken_elsewhere = true;
                co_return round;
            }
            throw;
        }
        socket.listen(backlog);
        if (port == 0) port = socket.getsockname().port();
        round.listeners.push_back(std::make_unique<TCPListener>(std::move(socket)));
    }
    co_return round;
}

Task<MultiListener<SocketStream>> tcp_listener(std::vector<net::SocketAddress> addresses,
                                               const int requested_port, int backlog,
                                               bool reuse_port) {
    std::vector<std::unique_ptr<Listener<SocketStream>>> held_until_done;
    for (int attempt = 1;; ++attempt) {
        const bool may_start_over = requested_port == 0 && attempt < kSamePortAttempts;
        OnePortRound round = co_await listen_on_one_port(addresses, requested_port, backlog,
                                                         reuse_port, may_start_over);
        if (!round.port_taken_elsewhere) {
            if (round.listeners.empty())
                throw std::runtime_error("create_tcp_listener: no address could be bound");
            co_return MultiListener<SocketStream>(std::move(round.listeners));
        }
        for (auto& listener : round.listeners)
            held_until_done.push_back(std::move(listener));
    }
}

bool is_numeric_host(const std::string& host) {
    in6_addr scratch{};
    const std::string bare = host.substr(0, host.find('%'));
    return ::inet_pton(AF_INET, host.c_str(), &scratch) == 1 ||
           ::inet_pton(AF_INET6, bare.c_str(), &scratch) == 1;
}

// A host name: every address getaddrinfo gives for it (duplicates dropped).
Task<MultiListener<SocketStream>> resolve_and_listen(std::string host, int port, int family,
                                                     int backlog, bool reuse_port) {
    auto infos = co_await net::getaddrinfo(host, port, family, SOCK_STREAM, 0, AI_PASSIVE);
    std::vector<net::SocketAddress> addresses;
    for (const auto& info : infos) {
        if (info.family != AF_INET && info.family != AF_INET6) continue;
        if (std::find(addresses.begin(), addresses.end(), info.address) != addresses.end())
            continue;
        addresses.push_back(info.address);
    }
    if (addresses.empty()) {
        throw std::invalid_argument("create_tcp_listener: " + host + " has no IP address");
    }
    co_return co_await tcp_listener(std::move(addresses), port, backlog, reuse_port);
}

}  // namespace

Task<MultiListener<SocketStream>> create_tcp_listener(TcpListenerOptions options) {
    const int backlog = clamp_backlog(options.backlog);
    std::vector<net::SocketAddress> addresses;
    if (options.local_host.empty()) {
        // Validates port and family the same way.
        (void)stream_detail::numeric_addresses("localhost", options.local_port, options.family);
        if (options.family != AF_INET) {
            addresses.push_back(net::SocketAddress::ipv6("", options.local_port));
        }
        if (options.family != AF_INET6) {
            addresses.push_back(net::SocketAddress::ipv4("", options.local_port));
        }
    } else if (options.local_host == "localhost" ||
               is_numeric_host(std::string(options.local_host))) {
        addresses = stream_detail::numeric_addresses(std::string(options.local_host),
                                                     options.local_port, options.family);
    } else {
        (void)stream_detail::numeric_addresses("localhost", options.local_port, options.family);
        return resolve_and_listen(std::string(options.local_host), options.local_port,
                                  options.family, backlog, options.reuse_port);
    }
    return tcp_listener(std::move(addresses), options.local_port, backlog, options.reuse_port);
}

namespace {

Task<UNIXListener> unix_listener(std::string path, net::SocketAddress address, int backlog,
                                 bool replace_stale, bool set_mode, mode_t mode) {
    if (!address.is_abstract()) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0) {
            if (!S_ISSOCK(st.st_mode)) {
                throw std::invalid_argument("create_unix_listener: " + path +
                                            " exists and is not a socket (not removed)");
            }
            if (!replace_stale) {
                throw std::invalid_argument("create_unix_listener: " + path +
                                            " already exists (pass replace_stale = true to "
                                            "replace a stale socket file)");
            }
            net::Socket probe = net::socket(AF_UNIX, SOCK_STREAM);
            bool in_use = true;
            try {
                co_await probe.connect(address);
            } catch (const OSError& error) {
                if (error.error_number() != ECONNREFUSED) throw;
                in_use = false;
            }
            if (in_use) {
                throw std::invalid_argument("create_unix_listener: " + path +
                                            " is in use by a listening socket");
            }
            if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
                throw_os_error(errno, "unlink", path);
            }
        }
    }
    net::Socket socket = net::socket(AF_UNIX, SOCK_STREAM);
    co_await socket.bind(address);
    if (set_mode && !address.is_abstract()) {
        if (::chmod(path.c_str(), mode) < 0) throw_os_error(errno, "chmod", path);
    }
    socket.listen(backlog);
    co_return UNIXListener(std::move(socket));
}

}  // namespace

Task<UNIXListener> create_unix_listener(std::string path, UnixListenerOptions options) {
    const int backlog = clamp_backlog(options.backlog);
    net::SocketAddress address = stream_detail::unix_address(path);
    return unix_listener(std::move(path), std::move(address), backlog, options.replace_stale,
                         options.mode.has_value(), options.mode.value_or(0));
}

}  // namespace coronet
