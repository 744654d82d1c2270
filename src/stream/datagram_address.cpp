#include "stream/datagram_address.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include "coronet/base/errors.hpp"
#include "coronet/net/resolver.hpp"

namespace coronet::detail {
namespace {

bool is_ipv4_literal(const std::string& host) {
    in_addr ignored;
    return ::inet_pton(AF_INET, host.c_str(), &ignored) == 1;
}

}  // namespace

bool datagram_host_needs_lookup(const std::string& host) {
    if (host.empty() || host == "localhost" || is_ipv4_literal(host)) return false;
    in6_addr ignored;
    return ::inet_pton(AF_INET6, host.c_str(), &ignored) != 1;
}

Task<net::SocketAddress> resolve_datagram_address(std::string host, int port, int family,
                                                  bool passive) {
    if (!datagram_host_needs_lookup(host)) co_return datagram_ip_address(host, port, family);
    int flags = passive ? AI_PASSIVE : 0;
    if (family == AF_INET6) flags |= AI_V4MAPPED;
    std::vector<net::AddressInfo> answers =
        co_await net::getaddrinfo(host, port, family, SOCK_DGRAM, 0, flags);
    if (answers.empty()) {
        std::string message = "host ";
        message += host;
        message += " has no address";
        throw std::invalid_argument(message);
    }
    co_return answers.front().address;
}

net::SocketAddress datagram_ip_address(std::string_view host_view, int port, int family) {
    std::string host(host_view);
    if (host == "localhost") host = family == AF_INET6 ? "::1" : "127.0.0.1";
    if (family == AF_INET6) {
        if (is_ipv4_literal(host)) host.insert(0, "::ffff:");
        return net::SocketAddress::ipv6(host, port);
    }
    if (family == AF_INET || host.empty() || is_ipv4_literal(host)) {
        return net::SocketAddress::ipv4(host, port);
    }
    // Not IPv4: IPv6, or a name, which ipv6() explains.
    return net::SocketAddress::ipv6(host, port);
}

net::SocketAddress datagram_unix_address(std::string_view path, const char* what) {
    if (path.empty()) {
        std::string message(what);
        message += ": the UNIX path is empty (an unnamed socket cannot be addressed)";
        throw std::invalid_argument(message);
    }
    if (path.front() == '\0') return net::SocketAddress::unix_abstract(path.substr(1));
    return net::SocketAddress::unix_path(path);
}

std::string datagram_unix_path(const net::SocketAddress& address) {
    if (address.family() != AF_UNIX || address.is_unnamed()) return {};
    std::string path;
    if (address.is_abstract()) path.push_back('\0');
    path += address.path();
    return path;
}

Task<void> bind_datagram_unix(net::Socket& socket, std::string_view path_view,
                              std::optional<mode_t> mode, bool replace_stale) {
    const std::string path(path_view);
    const net::SocketAddress address = datagram_unix_address(path, "bind");
    const bool on_disk = !address.is_abstract();
    if (on_disk && replace_stale) {
        // Only a socket file is replaced: a regular file at the path is the
        // caller's mistake, not a stale socket.
        struct stat st;
        if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
    }
    try {
        co_await socket.bind(address);
    } catch (const OSError& e) {
        if (e.error_number() != EADDRINUSE || !on_disk) throw;
        std::string operation = "bind (the path exists; UNIX datagram sockets leave their file ";
        operation += "behind when closed: remove it, or ask to replace it)";
        throw OSError(EADDRINUSE, std::move(operation), path);
    }
    if (on_disk && mode && ::chmod(path.c_str(), *mode) < 0) {
        throw_os_error(errno, "chmod", path);
    }
}

}  // namespace coronet::detail
