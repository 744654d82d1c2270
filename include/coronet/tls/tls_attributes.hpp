// The typed attributes of a TLS stream (AnyIO's TLSAttribute; the names are
// those of asyncio's get_extra_info for SSL transports).
//
//     auto tls = co_await TLSStream::wrap(std::move(tcp), {.hostname = "localhost"});
//     std::string v = tls.extra<attr::tls_version>();          // "TLSv1.3"
//     if (auto cert = tls.extra<attr::peercert>())              // parsed
//         for (auto& [kind, name] : cert->subject_alt_names) ...
//     auto proto = tls.extra<attr::alpn_protocol>();            // nullopt: none
//
// A TLS stream also answers every attribute of the stream it wraps
// (remote_address, raw_socket, ...).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "coronet/stream/typed_attributes.hpp"
#include "coronet/tls/ssl_context.hpp"
#include "coronet/tls/tls_engine.hpp"

namespace coronet {

namespace tls_detail {
constexpr AttributeId tls_attribute(int n) {
    return static_cast<AttributeId>(static_cast<int>(AttributeId::upper_layers_first) + n);
}
}  // namespace tls_detail

namespace attr {
// The negotiated cipher: name, protocol, secret bits.
struct cipher {
    using type = CipherInfo;
    static constexpr AttributeId id = tls_detail::tls_attribute(0);
    static constexpr const char* name = "cipher";
};
// The peer's certificate (nullopt when it sent none, e.g. a client that was
// not asked for one).
struct peercert {
    using type = std::optional<PeerCertificate>;
    static constexpr AttributeId id = tls_detail::tls_attribute(1);
    static constexpr const char* name = "peercert";
};
// TLS compression: always nullopt (coronet turns it off, as OpenSSL 3 does).
struct compression {
    using type = std::optional<std::string>;
    static constexpr AttributeId id = tls_detail::tls_attribute(2);
    static constexpr const char* name = "compression";
};
// The context the session uses (the SNI callback's choice on a server).
struct sslcontext {
    using type = std::shared_ptr<SSLContext>;
    static constexpr AttributeId id = tls_detail::tls_attribute(3);
    static constexpr const char* name = "sslcontext";
};
// The engine, borrowed (valid while the stream lives).
struct ssl_object {
    using type = const TLSEngine*;
    static constexpr AttributeId id = tls_detail::tls_attribute(4);
    static constexpr const char* name = "ssl_object";
};
// The ALPN protocol chosen, nullopt when none was.
struct alpn_protocol {
    using type = std::optional<std::string>;
    static constexpr AttributeId id = tls_detail::tls_attribute(5);
    static constexpr const char* name = "alpn_protocol";
};
// "TLSv1.2" or "TLSv1.3".
struct tls_version {
    using type = std::string;
    static constexpr AttributeId id = tls_detail::tls_attribute(6);
    static constexpr const char* name = "tls_version";
};
struct server_side {
    using type = bool;
    static constexpr AttributeId id = tls_detail::tls_attribute(7);
    static constexpr const char* name = "server_side";
};
// The SNI name the client sent (server side; "" when none).
struct server_hostname {
    using type = std::string;
    static constexpr AttributeId id = tls_detail::tls_attribute(8);
    static constexpr const char* name = "server_hostname";
};
struct standard_compatible {
    using type = bool;
    static constexpr AttributeId id = tls_detail::tls_attribute(9);
    static constexpr const char* name = "standard_compatible";
};
}  // namespace attr

// The TLS attributes of `engine` (empty std::any for an id it does not know).
std::any tls_attribute(const TLSEngine& engine, AttributeId id, bool standard_compatible);

}  // namespace coronet
