#include "coronet/tls/ssl_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "tls/openssl_util.hpp"

namespace coronet {
namespace tls_detail {

std::string drain_errors(const std::string& fallback) {
    std::string first;
    while (unsigned long e = ERR_get_error()) {
        if (!first.empty()) continue;
        const char* reason = ERR_reason_error_string(e);
        const char* lib = ERR_lib_error_string(e);
        first = reason ? reason : "error " + std::to_string(ERR_GET_REASON(e));
        if (lib) first += std::string(" (") + lib + ")";
    }
    return first.empty() ? fallback : first;
}

int peek_reason_code() noexcept {
    unsigned long e = ERR_peek_error();
    return e ? ERR_GET_REASON(e) : 0;
}

int protocol_number(TLSVersion v) noexcept {
    switch (v) {
        case TLSVersion::TLSv1_2:
            return TLS1_2_VERSION;
        case TLSVersion::TLSv1_3:
            return TLS1_3_VERSION;
        default:
            return 0;
    }
}

TLSVersion from_protocol_number(int v) noexcept {
    if (v == TLS1_2_VERSION) return TLSVersion::TLSv1_2;
    if (v == TLS1_3_VERSION) return TLSVersion::TLSv1_3;
    return TLSVersion::minimum_supported;
}

}  // namespace tls_detail

namespace {

using tls_detail::drain_errors;

// Chooses from our list the first protocol the client offered.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void* arg) {
    auto* impl = static_cast<SSLContext::Impl*>(arg);
    if (impl->alpn_wire.empty()) return SSL_TLSEXT_ERR_NOACK;
    unsigned char* chosen = nullptr;
    const int r = SSL_select_next_proto(&chosen, outlen, impl->alpn_wire.data(),
                                        static_cast<unsigned>(impl->alpn_wire.size()), in, inlen);
    if (r != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_NOACK;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

// A certificate file without intermediates makes OpenSSL complete the
// chain from the trust store on every handshake that sends the certificate
// (X509_verify_cert against the store: with the system store loaded, that
// is hash lookups plus a directory scan and stat() calls, about a tenth of
// a server handshake's CPU time). Completing it once here, and again when
// the store changes, sends the same certificates. (Only a CA directory
// whose files change while the context is in use would be noticed later
// than before.) If building fails, OpenSSL's per-handshake completion stays.
void complete_chain(SSLContext::Impl& impl) {
    SSL_CTX* ctx = impl.ctx;
    if (!SSL_CTX_get0_certificate(ctx)) return;
    STACK_OF(X509)* chain = nullptr;
    SSL_CTX_get0_chain_certs(ctx, &chain);
    if (chain && !impl.chain_from_store) return;  // the file's own chain: sent as is
    SSL_CTX_clear_chain_certs(ctx);
    impl.chain_from_store = false;
    const int r = SSL_CTX_build_cert_chain(
        ctx, SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR | SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR);
    if (r > 0) {
        impl.chain_from_store = true;
    } else {
        SSL_CTX_clear_chain_certs(ctx);
    }
    ERR_clear_error();
}

}  // namespace

// Defined in tls_engine.cpp: the SNI and verify callbacks need the engine.
namespace tls_detail {
int servername_callback(SSL* ssl, int* alert, void* arg);
int verify_callback(int preverify_ok, X509_STORE_CTX* store);
}  // namespace tls_detail

const char* to_string(TLSVersion version) noexcept {
    switch (version) {
        case TLSVersion::minimum_supported:
            return "minimum_supported";
        case TLSVersion::TLSv1_2:
            return "TLSv1.2";
        case TLSVersion::TLSv1_3:
            return "TLSv1.3";
        case TLSVersion::maximum_supported:
            return "maximum_supported";
    }
    return "unknown";
}

SSLContext::SSLContext(TLSRole role) : impl_(std::make_unique<Impl>()) {
    impl_->role = role;
    impl_->ctx = SSL_CTX_new(role == TLSRole::client ? TLS_client_method() : TLS_server_method());
    if (!impl_->ctx) throw std::runtime_error("SSL_CTX_new failed: " + drain_errors());
    SSL_CTX_set_min_proto_version(impl_->ctx, TLS1_2_VERSION);
    // Renegotiation would let the peer start a handshake in the middle of a
    // read; nobody needs it and TLS 1.3 dropped it.
    SSL_CTX_set_options(impl_->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_alpn_select_cb(impl_->ctx, select_alpn, impl_.get());
    SSL_CTX_set_tlsext_servername_callback(impl_->ctx, tls_detail::servername_callback);
    SSL_CTX_set_tlsext_servername_arg(impl_->ctx, impl_.get());
    if (role == TLSRole::server) {
        // No TLS 1.3 session tickets by default: coronet clients cannot resume
        // sessions yet, and a ticket a client never reads makes its kernel
        // answer the close with a reset, which can destroy data in flight.
        SSL_CTX_set_num_tickets(impl_->ctx, 0);
    }
    if (role == TLSRole::client) {
        impl_->verify_mode = VerifyMode::required;
        impl_->check_hostname = true;
    }
    set_verify_mode(impl_->verify_mode);
}

std::shared_ptr<SSLContext> SSLContext::create(TLSRole role) {
    return std::shared_ptr<SSLContext>(new SSLContext(role));
}

SSLContext::~SSLContext() {
    SSL_CTX_free(impl_->ctx);
}

TLSRole SSLContext::role() const noexcept {
    return impl_->role;
}

void SSLContext::load_cert_chain(const std::string& certfile, const std::string& keyfile,
                                 const std::string& password) {
    ERR_clear_error();
    if (certfile.empty()) throw std::invalid_argument("load_cert_chain: certfile is empty");
    if (SSL_CTX_use_certificate_chain_file(impl_->ctx, certfile.c_str()) != 1) {
        throw std::invalid_argument("load_cert_chain: cannot load certificate chain '" + certfile +
                                    "': " + drain_errors());
    }
    impl_->chain_from_store = false;  // the file's chain replaced any earlier one
    const std::string& key = keyfile.empty() ? certfile : keyfile;
    // The password callback reads from this string for the one call below.
    SSL_CTX_set_default_passwd_cb_userdata(impl_->ctx, const_cast<std::string*>(&password));
    SSL_CTX_set_default_passwd_cb(impl_->ctx, [](char* buf, int size, int, void* u) -> int {
        const auto* pw = static_cast<const std::string*>(u);
        const int n =
            static_cast<int>(std::min<std::size_t>(pw->size(), static_cast<std::size_t>(size)));
        pw->copy(buf, static_cast<std::size_t>(n));
        return n;
    });
    const int ok = SSL_CTX_use_PrivateKey_file(impl_->ctx, key.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_set_default_passwd_cb(impl_->ctx, nullptr);
    SSL_CTX_set_default_passwd_cb_userdata(impl_->ctx, nullptr);
    if (ok != 1) {
        const std::string reason = drain_errors();
        if (reason.find("mismatch") != std::string::npos) {
            throw std::invalid_argument("load_cert_chain: the private key '" + key +
                                        "' does not match the certificate '" + certfile +
                                        "': " + reason);
        }
        throw std::invalid_argument("load_cert_chain: cannot load private key '" + key +
                                    "': " + reason);
    }
    if (SSL_CTX_check_private_key(impl_->ctx) != 1) {
        throw std::invalid_argument("load_cert_chain: the private key '" + key +
                                    "' does not match the certificate '" + certfile +
                                    "': " + drain_errors());
    }
    complete_chain(*impl_);
}

void SSLContext::load_verify_locations(const std::string& cafile, const std::string& capath,
                                       std::string_view cadata) {
    ERR_clear_error();
    if (cafile.empty() && capath.empty() && cadata.empty()) {
        throw std::invalid_argument("load_verify_locations: give cafile, capath or cadata");
    }
    if (!cafile.empty() && SSL_CTX_load_verify_file(impl_->ctx, cafile.c_str()) != 1) {
        throw std::invalid_argument("load_verify_locations: cannot load CA file '" + cafile +
                                    "': " + drain_errors());
    }
    if (!capath.empty() && SSL_CTX_load_verify_dir(impl_->ctx, capath.c_str()) != 1) {
        throw std::invalid_argument("load_verify_locations: cannot use CA directory '" + capath +
                                    "': " + drain_errors());
    }
    if (!cadata.empty()) {
        BIO* bio = BIO_new_mem_buf(cadata.data(), static_cast<int>(cadata.size()));
        X509_STORE* store = SSL_CTX_get_cert_store(impl_->ctx);
        int added = 0;
        while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
            X509_STORE_add_cert(store, cert);
            X509_free(cert);
            ++added;
        }
        BIO_free(bio);
        ERR_clear_error();  // the read that ended the loop
        if (added == 0) {
            throw std::invalid_argument("load_verify_locations: cadata holds no PEM certificate");
        }
    }
    complete_chain(*impl_);
}

void SSLContext::load_default_certs() {
    if (SSL_CTX_set_default_verify_paths(impl_->ctx) != 1) {
        throw std::runtime_error("load_default_certs: " + drain_errors());
    }
    complete_chain(*impl_);
}

void SSLContext::set_ciphers(const std::string& ciphers) {
    ERR_clear_error();
    if (SSL_CTX_set_cipher_list(impl_->ctx, ciphers.c_str()) != 1) {
        throw std::invalid_argument("set_ciphers: no cipher can be selected from '" + ciphers +
                                    "': " + drain_errors());
    }
}

void SSLContext::set_ciphersuites(const std::string& suites) {
    ERR_clear_error();
    if (SSL_CTX_set_ciphersuites(impl_->ctx, suites.c_str()) != 1) {
        throw std::invalid_argument("set_ciphersuites: invalid TLS 1.3 suites '" + suites +
                                    "': " + drain_errors());
    }
}

void SSLContext::set_alpn_protocols(const std::vector<std::string>& protocols) {
    std::vector<unsigned char> wire;
    for (const auto& p : protocols) {
        if (p.empty() || p.size() > 255) {
            throw std::invalid_argument("set_alpn_protocols: protocol '" + p +
                                        "' must be 1 to 255 bytes long");
        }
        wire.push_back(static_cast<unsigned char>(p.size()));
        wire.insert(wire.end(), p.begin(), p.end());
    }
    // (This call returns 0 on success.)
    if (impl_->role == TLSRole::client &&
        SSL_CTX_set_alpn_protos(impl_->ctx, wire.data(), static_cast<unsigned>(wire.size())) != 0) {
        throw std::runtime_error("set_alpn_protocols: " + drain_errors());
    }
    impl_->alpn = protocols;
    impl_->alpn_wire = std::move(wire);
}

const std::vector<std::string>& SSLContext::alpn_protocols() const noexcept {
    return impl_->alpn;
}

void SSLContext::set_verify_mode(VerifyMode mode) {
    if (mode == VerifyMode::none && impl_->check_hostname) {
        throw std::invalid_argument(
            "set_verify_mode: cannot set verify_mode none while check_hostname is on");
    }
    int flags = SSL_VERIFY_NONE;
    if (mode != VerifyMode::none) flags = SSL_VERIFY_PEER;
    if (mode == VerifyMode::required && impl_->role == TLSRole::server) {
        flags |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(impl_->ctx, flags, tls_detail::verify_callback);
    impl_->verify_mode = mode;
}

VerifyMode SSLContext::verify_mode() const noexcept {
    return impl_->verify_mode;
}

void SSLContext::set_check_hostname(bool check) {
    impl_->check_hostname = check;
    if (check && impl_->verify_mode == VerifyMode::none) set_verify_mode(VerifyMode::required);
}

bool SSLContext::check_hostname() const noexcept {
    return impl_->check_hostname;
}

void SSLContext::set_minimum_version(TLSVersion version) {
    SSL_CTX_set_min_proto_version(impl_->ctx, tls_detail::protocol_number(version));
    impl_->min_version = version;
}

void SSLContext::set_maximum_version(TLSVersion version) {
    SSL_CTX_set_max_proto_version(impl_->ctx, tls_detail::protocol_number(version));
    impl_->max_version = version;
}

TLSVersion SSLContext::minimum_version() const noexcept {
    return impl_->min_version;
}
TLSVersion SSLContext::maximum_version() const noexcept {
    return impl_->max_version;
}

void SSLContext::set_num_tickets(std::size_t count) {
    if (impl_->role != TLSRole::server) {
        throw std::invalid_argument("set_num_tickets: only a server context sends session tickets");
    }
    SSL_CTX_set_num_tickets(impl_->ctx, count);
}

std::size_t SSLContext::num_tickets() const noexcept {
    return SSL_CTX_get_num_tickets(impl_->ctx);
}

void SSLContext::set_servername_callback(ServerNameCallback callback) {
    impl_->servername_callback = std::move(callback);
}

void* SSLContext::native_handle() const noexcept {
    return impl_->ctx;
}

std::shared_ptr<SSLContext> create_default_context(Purpose purpose, const std::string& cafile,
                                                   const std::string& capath) {
    auto ctx =
        SSLContext::create(purpose == Purpose::server_auth ? TLSRole::client : TLSRole::server);
    if (!cafile.empty() || !capath.empty()) {
        ctx->load_verify_locations(cafile, capath);
    } else {
        ctx->load_default_certs();
    }
    return ctx;
}

}  // namespace coronet
