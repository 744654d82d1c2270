// SSLContext: the settings a TLS session starts from (Python's ssl.SSLContext
// over an OpenSSL 3 SSL_CTX, which stays hidden: this header does not include
// <openssl/ssl.h>).
//
//     // A client that verifies servers against the system CA store:
//     auto client = create_default_context();
//     // A server with its certificate chain and key:
//     auto server = create_default_context(Purpose::client_auth);
//     server->load_cert_chain("server.pem", "server.key");
//     // Verification off on purpose (testing only):
//     client->set_check_hostname(false);
//     client->set_verify_mode(VerifyMode::none);
//
// create_default_context(purpose) does what Python's does:
//  * Purpose::server_auth (the default) makes a client context: verify_mode
//    required, check_hostname on, the system CA store loaded;
//  * Purpose::client_auth makes a server context: no client certificates
//    asked for (set_verify_mode(optional/required) to ask), the system CA
//    store loaded to verify them with;
//  * TLS 1.2 is the minimum version either way; renegotiation is off; a
//    server sends no TLS 1.3 session tickets (see set_num_tickets).
//
// Contexts are shared (std::shared_ptr) by the sessions made from them, and
// created only through create()/create_default_context(). Settings changed
// after a session started do not affect that session. Not thread-safe to
// modify while another thread starts sessions from it.
//
// Server name indication: a client sends the hostname it was given (unless
// it is an IP address); a server's set_servername_callback picks a context
// per name (its certificate and key are used for that session).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coronet {

enum class Purpose {
    server_auth,  // we verify servers: a client context
    client_auth,  // we verify clients: a server context
};

enum class TLSRole { client, server };

// CERT_NONE / CERT_OPTIONAL / CERT_REQUIRED.
enum class VerifyMode { none, optional, required };

enum class TLSVersion { minimum_supported, TLSv1_2, TLSv1_3, maximum_supported };

// "TLSv1.2", "TLSv1.3", ...
const char* to_string(TLSVersion version) noexcept;

class SSLContext : public std::enable_shared_from_this<SSLContext> {
  public:
    // Returns the context to use for the name the client asked for (nullptr:
    // keep this one). Throwing aborts the handshake with an alert.
    using ServerNameCallback = std::function<std::shared_ptr<SSLContext>(const std::string& name)>;

    // A bare context: a client one verifies the server and checks its
    // hostname (as Python's PROTOCOL_TLS_CLIENT) but loads no CA; a server one
    // asks for no client certificate.
    static std::shared_ptr<SSLContext> create(TLSRole role);

    ~SSLContext();
    SSLContext(const SSLContext&) = delete;
    SSLContext& operator=(const SSLContext&) = delete;

    TLSRole role() const noexcept;

    // Our certificate chain (PEM: the certificate first, then
    // intermediates) and its private key (PEM; "" means it is in certfile),
    // optionally encrypted with `password`. std::invalid_argument naming
    // the file and OpenSSL's reason on failure, also when they do not match.
    void load_cert_chain(const std::string& certfile, const std::string& keyfile = {},
                         const std::string& password = {});
    // Trusted CAs: a PEM file, a directory hashed as by `openssl rehash`,
    // and/or PEM text. At least one must be given.
    void load_verify_locations(const std::string& cafile = {}, const std::string& capath = {},
                               std::string_view cadata = {});
    // The system CA store (OpenSSL's default paths, SSL_CERT_FILE/DIR).
    void load_default_certs();

    // The TLS 1.2 cipher list in OpenSSL's syntax ("ECDHE+AESGCM", ...).
    void set_ciphers(const std::string& ciphers);
    // The TLS 1.3 cipher suites ("TLS_AES_128_GCM_SHA256:...").
    void set_ciphersuites(const std::string& suites);

    // ALPN: a client offers these, a server picks the first of its own that
    // the client offered (none: no protocol, the handshake goes on).
    void set_alpn_protocols(const std::vector<std::string>& protocols);
    const std::vector<std::string>& alpn_protocols() const noexcept;

    void set_verify_mode(VerifyMode mode);
    VerifyMode verify_mode() const noexcept;
    // Check the server's certificate against the hostname (client side).
    // Turning it on sets verify_mode to required when it was none; setting
    // verify_mode none while it is on is std::invalid_argument (Python's rule).
    void set_check_hostname(bool check);
    bool check_hostname() const noexcept;

    void set_minimum_version(TLSVersion version);
    void set_maximum_version(TLSVersion version);
    TLSVersion minimum_version() const noexcept;
    TLSVersion maximum_version() const noexcept;

    void set_servername_callback(ServerNameCallback callback);

    // TLS 1.3 session tickets a server sends after the handshake. 0 by
    // default (Python's is 2): coronet clients do not resume sessions yet,
    // and a client that never reads leaves the tickets unread in its socket,
    // so its close becomes a TCP reset that can destroy data still in flight.
    void set_num_tickets(std::size_t count);
    std::size_t num_tickets() const noexcept;

    // The SSL_CTX*, for settings this class does not cover.
    void* native_handle() const noexcept;

    struct Impl;
    Impl& impl() const noexcept { return *impl_; }

  private:
    explicit SSLContext(TLSRole role);
    std::unique_ptr<Impl> impl_;
};

std::shared_ptr<SSLContext> create_default_context(Purpose purpose = Purpose::server_auth,
                                                   const std::string& cafile = {},
                                                   const std::string& capath = {});

// A borrowed reference to a context, trivially destructible so that option
// structs holding it can be built inside a co_await expression (g++ 12
// destroys such temporaries twice when they hold a non-trivial member). The
// context must come from create()/create_default_context() (a session keeps
// it alive through shared_from_this).
struct SSLContextRef {
    SSLContext* context = nullptr;
    SSLContextRef() = default;
    SSLContextRef(std::nullptr_t) noexcept {}              // NOLINT: implicit by design
    SSLContextRef(SSLContext* c) noexcept : context(c) {}  // NOLINT
    SSLContextRef(const std::shared_ptr<SSLContext>& c) noexcept : context(c.get()) {}  // NOLINT
    explicit operator bool() const noexcept { return context != nullptr; }
    std::shared_ptr<SSLContext> shared() const {
        return context ? context->shared_from_this() : nullptr;
    }
};

}  // namespace coronet
