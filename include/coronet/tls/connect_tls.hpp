// connect_tcp with TLS (AnyIO's connect_tcp(..., tls=True, ssl_context,
// tls_hostname)): connects like the stream layer's connect_tcp, then wraps
// the connection in a TLSStream and does the handshake.
//
//     TLSStream s = co_await connect_tcp("example.com", 443, {.tls = true});
//     TLSStream t = co_await connect_tcp("127.0.0.1", 8443, {.tls = true,
//                                        .ssl_context = ctx, .tls_hostname = "localhost"});
//
// Why an overload here rather than the stream layer's function: the stream
// layer sits below tls and returns a SocketStream, so it can neither name
// TLSStream nor return one. This overload is chosen by its options: `tls`
// has no default, so only an initializer that writes `.tls = ...` matches
// TLSConnectOptions, and the stream layer's ConnectTcpOptions has no `tls`
// member, so such an initializer matches only this one. No hook or runtime
// registration is needed and the layering stays one-way.
//
// With no ssl_context, create_default_context() (system CAs, hostname check)
// is used; with no tls_hostname, `host` is the name checked and sent (SNI).
// `.tls = false` is std::invalid_argument: call the overload without TLS
// options for a plain SocketStream.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "coronet/runtime/task.hpp"
#include "coronet/tls/ssl_context.hpp"
#include "coronet/tls/tls_stream.hpp"

namespace coronet {

// `.tls = true`, required (no default constructor) to select the overload.
struct TLSRequested {
    TLSRequested(bool enabled) noexcept : on(enabled) {}  // NOLINT: implicit by design
    bool on;
};

// Members in AnyIO's order; strings are borrowed for the call (trivially
// destructible, see SSLContextRef).
struct TLSConnectOptions {
    std::string_view local_host{};
    TLSRequested tls;
    SSLContextRef ssl_context{};
    bool tls_standard_compatible = true;
    std::string_view tls_hostname{};
    std::chrono::milliseconds happy_eyeballs_delay{250};
};

Task<TLSStream> connect_tcp(std::string host, int port, TLSConnectOptions options);

}  // namespace coronet
