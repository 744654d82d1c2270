#include "coronet/net/socket_address.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace coronet::net {
namespace {

constexpr std::size_t kPathOffset = offsetof(sockaddr_un, sun_path);
// One byte of sun_path stays for the terminating NUL (pathnames) or the
// leading NUL (abstract names).
constexpr std::size_t kMaxUnixName = sizeof(sockaddr_un::sun_path) - 1;

std::string quoted(std::string_view text) {
    return "'" + std::string(text) + "'";
}

std::uint16_t checked_port(int port) {
    if (port < 0 || port > 65535) {
        throw std::invalid_argument("port " + std::to_string(port) + " is outside 0..65535");
    }
    return static_cast<std::uint16_t>(port);
}

int parse_port(std::string_view text, std::string_view whole) {
    int port = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (text.empty() || error == std::errc::invalid_argument || end != text.data() + text.size()) {
        throw std::invalid_argument("bad port " + quoted(text) + " in address " + quoted(whole));
    }
    if (error == std::errc::result_out_of_range) port = 65536;  // reported by checked_port
    if (port < 0 || port > 65535) {
        throw std::invalid_argument("port " + std::string(text) + " is outside 0..65535 in " +
                                    quoted(whole));
    }
    return port;
}

// Explains why `host` is not a numeric address of the wanted family.
[[noreturn]] void throw_not_numeric(std::string_view host, int wanted) {
    in6_addr v6;
    in_addr v4;
    const std::string h(host);
    if (wanted == AF_INET && ::inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
        throw std::invalid_argument(quoted(host) + " is an IPv6 address; use ipv6() or \"[" + h +
                                    "]:port\"");
    }
    if (wanted == AF_INET6 && ::inet_pton(AF_INET, h.c_str(), &v4) == 1) {
        throw std::invalid_argument(quoted(host) + " is an IPv4 address; use ipv4()");
    }
    throw std::invalid_argument("host " + quoted(host) +
                                " is not a numeric IP address: socket calls take resolved "
                                "addresses, resolve the name first (getaddrinfo)");
}

std::uint32_t parse_scope(std::string_view scope, std::string_view whole) {
    if (scope.empty()) throw std::invalid_argument("empty scope id in " + quoted(whole));
    std::uint32_t index = 0;
    const auto [end, error] = std::from_chars(scope.data(), scope.data() + scope.size(), index);
    if (error == std::errc() && end == scope.data() + scope.size()) return index;
    const std::string name(scope);
    index = ::if_nametoindex(name.c_str());
    if (index == 0) {
        throw std::invalid_argument("unknown network interface " + quoted(scope) +
                                    " as scope id in " + quoted(whole));
    }
    return index;
}

void check_unix_name(std::string_view name, const char* what) {
    if (name.size() > kMaxUnixName) {
        throw std::invalid_argument(std::string(what) + " is " + std::to_string(name.size()) +
                                    " bytes long; the limit is " + std::to_string(kMaxUnixName) +
                                    " (sun_path holds " +
                                    std::to_string(sizeof(sockaddr_un::sun_path)) +
                                    " bytes): " + quoted(name.substr(0, 40)) + "...");
    }
    if (name.find('\0') != std::string_view::npos) {
        throw std::invalid_argument(std::string(what) + " contains a NUL byte");
    }
}

}  // namespace

SocketAddress::SocketAddress() noexcept {
    std::memset(&storage_, 0, sizeof storage_);
    storage_.ss_family = AF_UNSPEC;
    // The family field alone: the shortest address connect() accepts, which
    // is how a UDP socket dissolves its association.
    length_ = sizeof(sa_family_t);
}

SocketAddress SocketAddress::ipv4(std::string_view host, int port) {
    SocketAddress a;
    auto* in = reinterpret_cast<sockaddr_in*>(&a.storage_);
    in->sin_family = AF_INET;
    in->sin_port = htons(checked_port(port));
    if (host.empty()) {
        in->sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (::inet_pton(AF_INET, std::string(host).c_str(), &in->sin_addr) != 1) {
        throw_not_numeric(host, AF_INET);
    }
    a.length_ = sizeof(sockaddr_in);
    return a;
}

SocketAddress SocketAddress::ipv6(std::string_view host, int port, std::uint32_t flowinfo,
                                  std::uint32_t scope_id) {
    SocketAddress a;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(checked_port(port));
    in6->sin6_flowinfo = htonl(flowinfo);
    std::string_view address = host;
    if (const auto percent = host.find('%'); percent != std::string_view::npos) {
        address = host.substr(0, percent);
        const std::uint32_t parsed = parse_scope(host.substr(percent + 1), host);
        if (scope_id == 0) scope_id = parsed;
    }
    if (address.empty()) {
        in6->sin6_addr = in6addr_any;
    } else if (::inet_pton(AF_INET6, std::string(address).c_str(), &in6->sin6_addr) != 1) {
        throw_not_numeric(address, AF_INET6);
    }
    in6->sin6_scope_id = scope_id;
    a.length_ = sizeof(sockaddr_in6);
    return a;
}

SocketAddress SocketAddress::unix_path(std::string_view path) {
    check_unix_name(path, "UNIX socket path");
    SocketAddress a;
    auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, path.data(), path.size());
    // Unnamed: the family alone (what the kernel reports, and what autobinds).
    // Named: the path and its NUL, as getsockname reports it.
    a.length_ =
        static_cast<socklen_t>(path.empty() ? sizeof(sa_family_t) : kPathOffset + path.size() + 1);
    return a;
}

SocketAddress SocketAddress::unix_abstract(std::string_view name) {
    check_unix_name(name, "abstract UNIX socket name");
    SocketAddress a;
    auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
    un->sun_family = AF_UNIX;
    // The leading NUL marks the abstract namespace; the length, not a
    // terminator, ends the name (every byte counts, no trailing NUL).
    std::memcpy(un->sun_path + 1, name.data(), name.size());
    a.length_ = static_cast<socklen_t>(kPathOffset + 1 + name.size());
    return a;
}

SocketAddress SocketAddress::from_native(const sockaddr* address, socklen_t length) {
    if (length > sizeof(sockaddr_storage)) {
        throw std::invalid_argument("socket address of " + std::to_string(length) +
                                    " bytes does not fit sockaddr_storage");
    }
    SocketAddress a;
    if (address && length > 0) std::memcpy(&a.storage_, address, length);
    if (length < sizeof(sa_family_t)) a.storage_.ss_family = AF_UNSPEC;  // "no address"
    a.length_ = length;
    return a;
}

SocketAddress SocketAddress::parse(std::string_view text) {
    if (text.empty()) throw std::invalid_argument("empty socket address");
    if (text.front() == '/' || text.starts_with("./") || text.starts_with("../")) {
        return unix_path(text);
    }
    if (text.front() == '@') return unix_abstract(text.substr(1));
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            throw std::invalid_argument("missing ']' in address " + quoted(text));
        }
        if (close + 1 >= text.size() || text[close + 1] != ':') {
            throw std::invalid_argument("expected \"[host]:port\", got " + quoted(text));
        }
        return ipv6(text.substr(1, close - 1), parse_port(text.substr(close + 2), text));
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        throw std::invalid_argument(
            "expected \"host:port\", \"[host]:port\", \"/path\" or "
            "\"@name\", got " +
            quoted(text));
    }
    if (text.find(':') != colon) {
        throw std::invalid_argument("IPv6 addresses need brackets, as in \"[::1]:80\": got " +
                                    quoted(text));
    }
    const std::string_view host = text.substr(0, colon);
    if (host.empty()) throw std::invalid_argument("missing host in address " + quoted(text));
    return ipv4(host, parse_port(text.substr(colon + 1), text));
}

std::string SocketAddress::host() const {
    char buffer[INET6_ADDRSTRLEN] = {};
    if (family() == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buffer,
                    sizeof buffer);
    } else if (family() == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buffer,
                    sizeof buffer);
    } else {
        throw std::logic_error("host() of a non-IP address " + to_string());
    }
    return buffer;
}

int SocketAddress::port() const {
    if (family() == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    if (family() == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    }
    throw std::logic_error("port() of a non-IP address " + to_string());
}

std::uint32_t SocketAddress::flowinfo() const {
    if (family() != AF_INET6) throw std::logic_error("flowinfo() of a non-IPv6 address");
    return ntohl(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_flowinfo);
}

std::uint32_t SocketAddress::scope_id() const {
    if (family() != AF_INET6) throw std::logic_error("scope_id() of a non-IPv6 address");
    return reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_scope_id;
}

bool SocketAddress::is_abstract() const noexcept {
    return family() == AF_UNIX && length_ > kPathOffset &&
           reinterpret_cast<const sockaddr_un*>(&storage_)->sun_path[0] == '\0';
}

bool SocketAddress::is_unnamed() const noexcept {
    return family() == AF_UNIX && length_ <= kPathOffset;
}

std::string SocketAddress::path() const {
    if (family() != AF_UNIX) throw std::logic_error("path() of a non-UNIX address");
    if (is_unnamed()) return {};
    const char* p = reinterpret_cast<const sockaddr_un*>(&storage_)->sun_path;
    const std::size_t n = length_ - kPathOffset;
    if (p[0] == '\0') return std::string(p + 1, n - 1);
    // Pathnames end at the first NUL (the kernel may count it, or not).
    return std::string(p, ::strnlen(p, n));
}

std::string SocketAddress::to_string() const {
    switch (family()) {
        case AF_UNSPEC:
            return "<unspecified>";
        // Built by appending: g++ 12 reports a false -Wrestrict overlap for
        // `literal + std::string` chains at -O2.
        case AF_INET: {
            std::string text = host();
            text += ':';
            text += std::to_string(port());
            return text;
        }
        case AF_INET6: {
            std::string text(1, '[');
            text += host();
            if (const std::uint32_t scope = scope_id()) {
                char name[IF_NAMESIZE] = {};
                text += '%';
                text += ::if_indextoname(scope, name) ? name : std::to_string(scope);
            }
            text += "]:";
            text += std::to_string(port());
            return text;
        }
        case AF_UNIX: {
            if (is_unnamed()) return "<unnamed>";
            std::string text = is_abstract() ? "@" : "";
            text += path();
            return text;
        }
        default:
            return "<family " + std::to_string(family()) + ": " + std::to_string(length_) +
                   " bytes>";
    }
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
    if (a.family() != b.family()) return false;
    switch (a.family()) {
        case AF_UNSPEC:
            return true;  // "no address", whatever the length said
        case AF_INET: {
            const auto* x = reinterpret_cast<const sockaddr_in*>(&a.storage_);
            const auto* y = reinterpret_cast<const sockaddr_in*>(&b.storage_);
            return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
        }
        case AF_INET6: {
            const auto* x = reinterpret_cast<const sockaddr_in6*>(&a.storage_);
            const auto* y = reinterpret_cast<const sockaddr_in6*>(&b.storage_);
            return x->sin6_port == y->sin6_port && x->sin6_flowinfo == y->sin6_flowinfo &&
                   x->sin6_scope_id == y->sin6_scope_id &&
                   std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
        }
        case AF_UNIX:
            return a.is_abstract() == b.is_abstract() && a.is_unnamed() == b.is_unnamed() &&
                   a.path() == b.path();
        default:
            return a.length_ == b.length_ && std::memcmp(&a.storage_, &b.storage_, a.length_) == 0;
    }
}

}  // namespace coronet::net
