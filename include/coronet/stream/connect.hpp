// connect_tcp / connect_unix: open a connected SocketStream.
//
//     SocketStream tcp = co_await connect_tcp("127.0.0.1", 1234);
//     UNIXSocketStream local = co_await connect_unix("/tmp/mysock");
//     UNIXSocketStream abstract = co_await connect_unix("@my-service");
//
// connect_tcp resolves `host` (getaddrinfo on the worker pool; numeric hosts
// need no lookup) and races the addresses with happy eyeballs (RFC 8305:
// the resolver's first address first, families interleaved, the next
// attempt after `happy_eyeballs_delay` or at once when one fails), through
// net::open_tcp_socket. When every attempt fails it raises one
// net::ConnectError listing them all; a failed lookup raises net::GaiError.
// `local_host` (resolved the same way) binds the client side first.
//
// TLS: AnyIO's connect_tcp(..., tls=True, ssl_context, tls_hostname) is the
// overload in coronet/tls/connect_tls.hpp (the tls layer sits above this
// one); it returns a TLSStream and is picked by writing `.tls = true`.
//
// connect_unix takes a filesystem path, or a Linux abstract name written with
// a leading '@' or NUL.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "coronet/runtime/task.hpp"
#include "coronet/stream/socket_stream.hpp"
#include "coronet/stream/unix_socket_stream.hpp"

namespace coronet {

struct ConnectTcpOptions {
    // Strings are borrowed: read during the call itself (the options are
    // trivially destructible, which also sidesteps a g++ 12 bug with
    // temporaries holding a std::string inside co_await expressions).
    std::string_view local_host{};
    // Stagger between connection attempts (RFC 8305).
    std::chrono::milliseconds happy_eyeballs_delay{250};
};

Task<SocketStream> connect_tcp(std::string host, int port, ConnectTcpOptions options = {});

Task<UNIXSocketStream> connect_unix(std::string path);

namespace stream_detail {
// The numeric addresses `host` stands for ("" is rejected), IPv6 first.
std::vector<net::SocketAddress> numeric_addresses(const std::string& host, int port,
                                                  int family = AF_UNSPEC);
// "@name" or "\0name" -> abstract; otherwise a filesystem path.
net::SocketAddress unix_address(const std::string& path);
}  // namespace stream_detail

}  // namespace coronet
