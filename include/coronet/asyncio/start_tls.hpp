// TLS on asyncio transports: start_tls upgrades a plain connection
// (STARTTLS); the `ssl` options of create_connection / create_server /
// open_connection / start_server make connections that are TLS from the start.
//
//     // A plain connection that switches to TLS (SMTP's STARTTLS, say):
//     asyncio::Connection c = co_await asyncio::create_connection(factory, "127.0.0.1", port);
//     ... exchange the plain-text preamble ...
//     auto ctx = create_default_context();
//     std::shared_ptr<asyncio::Transport> tls =
//         co_await asyncio::start_tls(c.transport, *c.protocol, ctx, false, "localhost");
//     tls->write("now encrypted");
//
// The SSL transport sits between the plain socket transport and the protocol
// (asyncio's SSLProtocol): it feeds the ciphertext into a TLSEngine and drives
// the protocol with the plaintext, with the plain transports' callback order
// (connection_made, data_received*, [eof_received], connection_lost).
//  * Flow control: the water marks (set_write_buffer_limits) apply to the
//    plaintext waiting to be encrypted, which waits only while the socket
//    transport underneath is paused (over its own marks); pause_reading and
//    resume_reading propagate to the socket.
//  * close() sends close_notify once the buffered plaintext is out, then
//    closes the socket (the peer's close_notify is not waited for); abort()
//    closes at once without close_notify.
//  * No half-close: can_write_eof() is false and write_eof() is a
//    std::logic_error, as in asyncio. A close_notify (or a plain TCP EOF) from
//    the peer calls eof_received() and then closes as close() does (what
//    write() accepted and our close_notify still go out), whatever it returns.
//  * get_extra_info adds the TLS keys: "cipher" (CipherInfo), "peercert"
//    (std::optional<PeerCertificate>; nullopt when the peer sent none),
//    "compression" (std::optional<std::string>, always nullopt),
//    "sslcontext" (std::shared_ptr<SSLContext>), "ssl_object"
//    (const TLSEngine*, valid while the transport object lives),
//    "alpn_protocol" (std::optional<std::string>), "tls_version"
//    (std::string), "server_side" (bool) and "server_hostname" (std::string:
//    the name a client verified, or the SNI name a server got). Every other
//    key is answered by the socket transport (peername, sockname, socket).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "coronet/asyncio/protocols.hpp"
#include "coronet/asyncio/transports.hpp"
#include "coronet/backend/clock.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/tls/ssl_context.hpp"

namespace coronet::asyncio {

// Runs the TLS handshake over `transport` (a plain stream transport made by
// this layer, whose protocol is `protocol`) and returns the SSL transport that
// now drives `protocol`; the plain transport must no longer be used directly.
// `protocol` gets no second connection_made, so it must switch to the
// returned transport itself (the one connection_made gave it is the plain one). `server_hostname`
// defaults to nothing: a client context that checks hostnames needs it. Errors:
// std::invalid_argument (a null or TLS transport, a protocol that is not the transport's, a context
// of the wrong role, a non-positive timeout); a failed handshake raises SSLError /
// SSLCertVerificationError / TimeoutError, the transport is closed and `protocol` gets
// connection_lost(that error).
Task<std::shared_ptr<Transport>> start_tls(
    std::shared_ptr<Transport> transport, BaseProtocol& protocol, SSLContextRef sslcontext,
    bool server_side = false, std::string server_hostname = {},
    Duration ssl_handshake_timeout = std::chrono::seconds(60));

}  // namespace coronet::asyncio
