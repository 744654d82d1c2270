// Addresses for the datagram sockets: (host, port) and UNIX path strings to
// SocketAddress and back, as AnyIO's UDP and UNIX datagram APIs spell them.
#pragma once

#include <sys/types.h>
#include <optional>
#include <string>
#include <string_view>

#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::detail {

// `host` as an address of `family` (AF_UNSPEC: whichever the host is).
// Hosts are numeric, or "localhost" (127.0.0.1, or ::1 for AF_INET6); ""
// is the wildcard of the family (0.0.0.0 when AF_UNSPEC). An IPv4 host on an
// AF_INET6 socket becomes its v4-mapped form (::ffff:a.b.c.d), so a
// dual-stack socket can reach IPv4 peers. Other names are
// std::invalid_argument (resolve_datagram_address resolves them).
net::SocketAddress datagram_ip_address(std::string_view host, int port, int family);

// datagram_ip_address for numeric hosts, "localhost" and ""; any other host
// name goes through the net resolver (getaddrinfo on the worker pool, or the
// resolver installed for testing) and its first answer is used, as AnyIO
// does. `passive` asks for a bindable address (AI_PASSIVE). On an AF_INET6
// socket a name with IPv4 addresses only resolves to its v4-mapped form.
Task<net::SocketAddress> resolve_datagram_address(std::string host, int port, int family,
                                                  bool passive);
// Whether `host` needs the resolver (not numeric, "localhost" or "").
bool datagram_host_needs_lookup(const std::string& host);

// A UNIX datagram path: a filesystem path, or an abstract name spelled with a
// leading NUL (Python's convention). "" (unnamed) is std::invalid_argument
// naming `what`: nobody can send to an unnamed socket.
net::SocketAddress datagram_unix_address(std::string_view path, const char* what);

// The reverse: "\0name" for an abstract name, "" for an unnamed socket.
std::string datagram_unix_path(const net::SocketAddress& address);

// Binds `socket` to a UNIX path (see datagram_unix_address), then applies
// `mode` to its file. A path that exists is OSError(EADDRINUSE) saying so,
// unless `replace_stale` and it is a socket file, which is removed first.
Task<void> bind_datagram_unix(net::Socket& socket, std::string_view path,
                              std::optional<mode_t> mode, bool replace_stale);

}  // namespace coronet::detail
