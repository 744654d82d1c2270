// The endpoint URLs every subcommand takes:
//
//   tcp://HOST:PORT   tls://HOST:PORT   udp://HOST:PORT
//   unix:PATH         unix:@NAME (Linux abstract)   unix-dgram:PATH
//
// HOST is a name, an IPv4 address or a bracketed IPv6 address
// ("tcp://[::1]:8080"); an empty HOST means every interface when listening
// and is an error when connecting. parse_url() checks the syntax only
// (scheme, host, port range, path present); whether a host resolves or a
// path is a socket is found out when it is used.
#pragma once
#include <string>
#include <string_view>

namespace coronet::cli {

enum class Scheme { tcp, tls, unix_stream, udp, unix_dgram };

struct Url {
    Scheme scheme = Scheme::tcp;
    std::string host;  // tcp/tls/udp: without brackets
    int port = 0;      // tcp/tls/udp: 0..65535
    std::string path;  // unix/unix-dgram: "@name" for an abstract name
    std::string text;  // as the user wrote it, for messages

    bool is_stream() const noexcept {
        return scheme != Scheme::udp && scheme != Scheme::unix_dgram;
    }
    bool is_ip() const noexcept {
        return scheme == Scheme::tcp || scheme == Scheme::tls || scheme == Scheme::udp;
    }
};

// UsageError naming the problem: unknown or missing scheme, missing host
// separator or port, a port that is not a number or above 65535, an empty path.
Url parse_url(std::string_view text);

// The checks a URL to connect to needs on top of parse_url: a host and a
// port other than 0.
void require_connectable(const Url& url);

// "host:port" with brackets for IPv6, or the path: for messages.
std::string describe(const Url& url);

}  // namespace coronet::cli
