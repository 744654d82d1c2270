// SocketAddress: one socket address of any family, as a value.
//
//     auto a = SocketAddress::ipv4("127.0.0.1", 8080);
//     auto b = SocketAddress::parse("[fe80::1%lo]:80");
//     auto c = SocketAddress::unix_path("/run/app.sock");
//     auto d = SocketAddress::unix_abstract("app");      // shown as "@app"
//     co_await sock.connect(a);
//
// The storage is a sockaddr_storage plus its length, so every family the
// kernel knows fits: AF_INET, AF_INET6 (with flowinfo and scope id), AF_UNIX
// (a filesystem path, a Linux abstract name, or unnamed), and any other family
// (AF_NETLINK, AF_PACKET, ...) as raw bytes passed through unchanged.
//
// Hosts are numeric only. The socket layer takes pre-resolved addresses, as
// trio.socket does: a host *name* ("localhost") is a std::invalid_argument
// that says to resolve it first (the resolver lives beside this class).
// Every malformed input (port outside 0..65535, a UNIX path longer than
// sun_path allows, unparsable text) is a std::invalid_argument naming it.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace coronet::net {

class SocketAddress {
  public:
    // The unspecified address: family AF_UNSPEC (what connect() takes to
    // dissolve a UDP association; also what a call that reports no address,
    // such as recvfrom on a connected stream, returns).
    SocketAddress() noexcept;

    // A numeric IPv4 address ("" means 0.0.0.0, INADDR_ANY) and a port in
    // 0..65535.
    static SocketAddress ipv4(std::string_view host, int port);
    // A numeric IPv6 address ("" means ::). The host may carry a scope as
    // "fe80::1%lo" or "fe80::1%2"; an explicit non-zero `scope_id` wins.
    static SocketAddress ipv6(std::string_view host, int port, std::uint32_t flowinfo = 0,
                              std::uint32_t scope_id = 0);
    // A filesystem path for AF_UNIX, at most 107 bytes (sun_path holds 108
    // with the terminating NUL). The empty path is the unnamed address: bind()
    // to it autobinds to a kernel-chosen abstract name.
    static SocketAddress unix_path(std::string_view path);
    // A Linux abstract AF_UNIX name (stored with its leading NUL; no file).
    static SocketAddress unix_abstract(std::string_view name);
    // A copy of any kernel address (accept, getsockname, recvfrom, ...).
    // Throws std::invalid_argument if `length` exceeds sockaddr_storage.
    static SocketAddress from_native(const sockaddr* address, socklen_t length);

    // Parses "127.0.0.1:80", "[::1]:80", "[fe80::1%lo]:80", "/path" (also
    // "./rel" and "../rel") and "@abstract".
    static SocketAddress parse(std::string_view text);

    int family() const noexcept { return storage_.ss_family; }
    bool is_ip() const noexcept { return family() == AF_INET || family() == AF_INET6; }

    // IP families: the numeric host without scope ("::1") and the port.
    // Throw std::logic_error for other families.
    std::string host() const;
    int port() const;
    // AF_INET6 only (std::logic_error otherwise).
    std::uint32_t flowinfo() const;
    std::uint32_t scope_id() const;

    // AF_UNIX: the path as the kernel stores it: a filesystem path, or for an
    // abstract name its bytes after the leading NUL (see is_abstract), or ""
    // when unnamed. std::logic_error for other families.
    std::string path() const;
    bool is_abstract() const noexcept;
    bool is_unnamed() const noexcept;

    // "127.0.0.1:80", "[::1]:80", "[fe80::1%lo]:80", "/path", "@name",
    // "<unnamed>", "<unspecified>", or "<family 16: 10 bytes>" for the rest.
    std::string to_string() const;

    const sockaddr* native() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
    socklen_t length() const noexcept { return length_; }

    // Same family and same meaning: IP addresses compare address, port,
    // flowinfo and scope; UNIX addresses their path; others their bytes.
    friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

  private:
    sockaddr_storage storage_;
    socklen_t length_ = 0;
};

}  // namespace coronet::net
