#include "coronet/tls/tls_engine.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <stdexcept>

#include "coronet/tls/tls_errors.hpp"
#include "tls/byte_queue_bio.hpp"
#include "tls/openssl_util.hpp"
#include "tls/peer_certificate.hpp"

namespace coronet {
namespace {
// The most plaintext one TLS record carries (RFC 8446, 5.1).
constexpr std::size_t kMaxRecordPlaintext = 16384;
}  // namespace

struct TLSEngine::Impl {
    SSL* ssl = nullptr;
    BIO* rbio = nullptr;  // owned by ssl
    BIO* wbio = nullptr;  // owned by ssl
    std::shared_ptr<SSLContext> context;
    std::shared_ptr<SSLContext> sni_context;  // chosen by the SNI callback
    bool server_side = false;
    std::string hostname;
    // The first verification failure the verify callback saw.
    long verify_error = 0;
    int verify_depth = -1;
    std::vector<std::string> failed_cert_names;
    std::exception_ptr sni_error;
    // An SSLError was raised: OpenSSL is in its error state.
    bool failed = false;

    ~Impl() { SSL_free(ssl); }
};

namespace tls_detail {

int verify_callback(int preverify_ok, X509_STORE_CTX* store) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* impl = ssl ? static_cast<TLSEngine::Impl*>(SSL_get_app_data(ssl)) : nullptr;
    if (!preverify_ok && impl && impl->verify_error == 0) {
        impl->verify_error = X509_STORE_CTX_get_error(store);
        impl->verify_depth = X509_STORE_CTX_get_error_depth(store);
        if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
            impl->failed_cert_names = certificate_names(cert);
        }
    }
    return preverify_ok;
}

int servername_callback(SSL* ssl, int* alert, void* arg) {
    auto* context = static_cast<SSLContext::Impl*>(arg);
    auto* impl = static_cast<TLSEngine::Impl*>(SSL_get_app_data(ssl));
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!context->servername_callback || !name || !impl) return SSL_TLSEXT_ERR_OK;
    try {
        if (auto chosen = context->servername_callback(name)) {
            if (chosen->role() != TLSRole::server) {
                throw std::invalid_argument("the servername callback returned a client context");
            }
            SSL_set_SSL_CTX(ssl, static_cast<SSL_CTX*>(chosen->native_handle()));
            impl->sni_context = std::move(chosen);
        }
    } catch (...) {
        impl->sni_error = std::current_exception();
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace tls_detail

namespace {

bool is_ip_literal(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out.empty() ? "no names" : out;
}

bool is_version_reason(int reason) {
    switch (reason) {
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        case SSL_R_NO_PROTOCOLS_AVAILABLE:
        case SSL_R_VERSION_TOO_LOW:
        case SSL_R_VERSION_TOO_HIGH:
            return true;
        default:
            return false;
    }
}

// Raises the error `ret` of an SSL_* call during `step`.
[[noreturn]] void fail(TLSEngine::Impl& im, int ret, const char* step) {
    im.failed = true;
    const int code = SSL_get_error(im.ssl, ret);
    if (im.sni_error) {
        ERR_clear_error();
        try {
            std::rethrow_exception(im.sni_error);
        } catch (const std::exception& e) {
            throw SSLError(
                std::string("TLS ") + step + " failed: the servername callback raised: " + e.what(),
                "servername callback");
        }
    }
    const int reason = tls_detail::peek_reason_code();
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        ERR_clear_error();
        long verify = im.verify_error ? im.verify_error : SSL_get_verify_result(im.ssl);
        const std::string text = X509_verify_cert_error_string(verify);
        std::string what;
        if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
            what = "certificate verify failed: hostname mismatch: the certificate is valid for " +
                   join(im.failed_cert_names) + ", not for '" + im.hostname + "'";
        } else {
            what = "certificate verify failed: " + text + " (depth " +
                   std::to_string(im.verify_depth < 0 ? 0 : im.verify_depth) + ")";
        }
        throw SSLCertVerificationError(what, verify, text,
                                       im.verify_depth < 0 ? 0 : im.verify_depth);
    }
    if (is_version_reason(reason)) {
        const std::string detail = tls_detail::drain_errors();
        const auto& ctx = im.sni_context ? im.sni_context : im.context;
        throw SSLError(std::string("TLS protocol version mismatch: ") + detail +
                           " (this side accepts " + to_string(ctx->minimum_version()) + " to " +
                           to_string(ctx->maximum_version()) + ")",
                       detail);
    }
    if (code == SSL_ERROR_SSL || code == SSL_ERROR_SYSCALL) {
        const std::string detail = tls_detail::drain_errors("protocol error");
        throw SSLError(std::string("TLS ") + step + " failed: " + detail, detail);
    }
    ERR_clear_error();
    throw SSLError(std::string("TLS ") + step + " failed: SSL_get_error " + std::to_string(code),
                   "");
}

// What a failed SSL_read/SSL_peek (`ret`) means for TLSEngine::read.
TLSEngine::Status read_failed(TLSEngine::Impl& im, int ret) {
    switch (SSL_get_error(im.ssl, ret)) {
        case SSL_ERROR_WANT_READ:
            return TLSEngine::Status::want_input;
        case SSL_ERROR_ZERO_RETURN:
            return TLSEngine::Status::closed;
        default:
            fail(im, ret, "read");
    }
}

}  // namespace

TLSEngine::TLSEngine(std::shared_ptr<SSLContext> context, bool server_side,
                     std::string server_hostname)
    : impl_(std::make_unique<Impl>()) {
    if (!context) throw std::invalid_argument("TLSEngine: the SSL context is null");
    if (server_side && context->role() != TLSRole::server) {
        throw std::invalid_argument(
            "TLSEngine: a server-side session needs a server context "
            "(create_default_context(Purpose::client_auth))");
    }
    if (!server_side && context->role() != TLSRole::client) {
        throw std::invalid_argument(
            "TLSEngine: a client-side session needs a client context "
            "(create_default_context(Purpose::server_auth))");
    }
    if (!server_side && context->check_hostname() && server_hostname.empty()) {
        throw std::invalid_argument(
            "TLSEngine: check_hostname is on but no server hostname was given");
    }
    Impl& im = *impl_;
    im.context = std::move(context);
    im.server_side = server_side;
    im.hostname = std::move(server_hostname);
    ERR_clear_error();
    im.ssl = SSL_new(static_cast<SSL_CTX*>(im.context->native_handle()));
    if (!im.ssl) throw std::runtime_error("SSL_new failed: " + tls_detail::drain_errors());
    try {
        im.rbio = tls_detail::new_byte_queue_bio();
        im.wbio = tls_detail::new_byte_queue_bio();
    } catch (...) {
        BIO_free(im.rbio);
        throw;
    }
    SSL_set_bio(im.ssl, im.rbio, im.wbio);
    SSL_set_app_data(im.ssl, &im);
    if (server_side) {
        SSL_set_accept_state(im.ssl);
        return;
    }
    SSL_set_connect_state(im.ssl);
    if (im.hostname.empty()) return;
    const bool ip = is_ip_literal(im.hostname);
    if (!ip) SSL_set_tlsext_host_name(im.ssl, im.hostname.c_str());
    if (!im.context->check_hostname()) return;
    int ok = 0;
    if (ip) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(im.ssl), im.hostname.c_str());
    } else {
        SSL_set_hostflags(im.ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = SSL_set1_host(im.ssl, im.hostname.c_str());
    }
    if (ok != 1) {
        throw std::invalid_argument("TLSEngine: invalid server hostname '" + im.hostname + "'");
    }
}

TLSEngine::~TLSEngine() = default;
TLSEngine::TLSEngine(TLSEngine&&) noexcept = default;
TLSEngine& TLSEngine::operator=(TLSEngine&&) noexcept = default;

void TLSEngine::receive_ciphertext(BytesView data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const int chunk = static_cast<int>(std::min<std::size_t>(data.size() - done, 1 << 30));
        const int n = BIO_write(impl_->rbio, data.data() + done, chunk);
        if (n <= 0) throw std::bad_alloc();
        done += static_cast<std::size_t>(n);
    }
}

void TLSEngine::adopt_ciphertext(Bytes&& data) {
    tls_detail::give_to_byte_queue(impl_->rbio, std::move(data));
}

std::size_t TLSEngine::pending_ciphertext() const noexcept {
    return BIO_ctrl_pending(impl_->wbio);
}

Bytes TLSEngine::take_ciphertext(std::size_t max_bytes) {
    return tls_detail::take_from_byte_queue(impl_->wbio, max_bytes);
}

Bytes TLSEngine::take_unprocessed_input() {
    return tls_detail::take_from_byte_queue(impl_->rbio, SIZE_MAX);
}

TLSEngine::Status TLSEngine::do_handshake() {
    ERR_clear_error();
    const int r = SSL_do_handshake(impl_->ssl);
    if (r == 1) return Status::ok;
    const int code = SSL_get_error(impl_->ssl, r);
    if (code == SSL_ERROR_WANT_READ) return Status::want_input;
    fail(*impl_, r, "handshake");
}

bool TLSEngine::handshake_done() const noexcept {
    return SSL_is_init_finished(impl_->ssl) == 1;
}

TLSEngine::Status TLSEngine::read(Bytes& out, std::size_t max_bytes) {
    if (max_bytes == 0) throw std::invalid_argument("TLSEngine::read: max_bytes must be positive");
    SSL* ssl = impl_->ssl;
    // OpenSSL decrypts a record in its own buffer and copies from there into
    // ours, so `out` is grown to what the record holds and filled in place
    // (no scratch buffer and second copy). Sizing it by max_bytes instead
    // would make a chunk of a few bytes hold 64 KiB of heap for as long as
    // its owner keeps it. One call returns at most a record's worth, as
    // SSL_read does.
    const std::size_t spare = out.capacity() - out.size();
    std::size_t want = std::min(max_bytes, static_cast<std::size_t>(SSL_pending(ssl)));
    if (want == 0 && spare >= std::min(max_bytes, kMaxRecordPlaintext)) {
        // Room for a whole record already: no need to learn its size first.
        want = std::min(max_bytes, spare);
    } else if (want == 0) {
        // Decrypts the next record (taking nothing from it), which tells
        // SSL_pending its size; or says why there is none.
        std::byte probe{};
        std::size_t peeked = 0;
        ERR_clear_error();
        const int r = SSL_peek_ex(ssl, &probe, 1, &peeked);
        if (r != 1) return read_failed(*impl_, r);
        want = std::clamp<std::size_t>(static_cast<std::size_t>(SSL_pending(ssl)), 1, max_bytes);
    }
    const std::size_t old_size = out.size();
    out.resize_uninitialized(old_size + want);
    std::size_t n = 0;
    ERR_clear_error();
    const int r = SSL_read_ex(ssl, out.data() + old_size, want, &n);
    out.resize_uninitialized(old_size + (r == 1 ? n : 0));
    if (r == 1) return Status::ok;
    return read_failed(*impl_, r);
}

void TLSEngine::write(BytesView data) {
    if (!handshake_done()) throw std::logic_error("TLSEngine::write before the handshake is done");
    if (shutdown_sent()) throw std::logic_error("TLSEngine::write after shutdown (close_notify)");
    std::size_t done = 0;
    while (done < data.size()) {
        std::size_t n = 0;
        ERR_clear_error();
        const int r = SSL_write_ex(impl_->ssl, data.data() + done, data.size() - done, &n);
        if (r != 1) fail(*impl_, r, "write");
        done += n;
    }
}

void TLSEngine::shutdown() {
    if (shutdown_sent()) return;
    // Refused, as Python's SSLObject.unwrap() and Asio's async_shutdown do:
    // there is no session to close yet (or any more), so a close_notify
    // would mean nothing to the peer. Checked here rather than left to
    // SSL_shutdown so that the message says why; the handshake goes on.
    if (!handshake_done()) {
        throw SSLError(
            std::string("TLS shutdown failed: shutdown while in init: ") +
                (impl_->failed ? "the session already failed" : "the handshake has not finished") +
                " (close the transport instead)",
            "shutdown while in init");
    }
    ERR_clear_error();
    const int r = SSL_shutdown(impl_->ssl);
    if (r < 0 && SSL_get_error(impl_->ssl, r) != SSL_ERROR_WANT_READ) fail(*impl_, r, "shutdown");
}

TLSEngine::Status TLSEngine::unwrap() {
    shutdown();
    Bytes scratch;
    for (;;) {
        if (shutdown_received()) return Status::ok;
        scratch.clear();
        switch (read(scratch, 16384)) {
            case Status::closed:
                return Status::ok;
            case Status::want_input:
                return Status::want_input;
            case Status::ok:
                throw SSLError("TLS unwrap failed: the peer sent " +
                                   std::to_string(scratch.size()) +
                                   " bytes of application data after our close_notify",
                               "application data during unwrap");
        }
    }
}

bool TLSEngine::shutdown_sent() const noexcept {
    return (SSL_get_shutdown(impl_->ssl) & SSL_SENT_SHUTDOWN) != 0;
}

bool TLSEngine::shutdown_received() const noexcept {
    return (SSL_get_shutdown(impl_->ssl) & SSL_RECEIVED_SHUTDOWN) != 0;
}

bool TLSEngine::server_side() const noexcept {
    return impl_->server_side;
}
const std::string& TLSEngine::server_hostname() const noexcept {
    return impl_->hostname;
}

std::string TLSEngine::requested_server_name() const {
    if (!impl_->server_side) return {};
    const char* name = SSL_get_servername(impl_->ssl, TLSEXT_NAMETYPE_host_name);
    return name ? name : "";
}

std::string TLSEngine::version() const {
    if (!handshake_done()) return {};
    return SSL_get_version(impl_->ssl);
}

std::optional<CipherInfo> TLSEngine::cipher() const {
    const SSL_CIPHER* c = handshake_done() ? SSL_get_current_cipher(impl_->ssl) : nullptr;
    if (!c) return std::nullopt;
    return CipherInfo{SSL_CIPHER_get_name(c), SSL_CIPHER_get_version(c),
                      SSL_CIPHER_get_bits(c, nullptr)};
}

std::optional<PeerCertificate> TLSEngine::peer_certificate() const {
    X509* cert = SSL_get1_peer_certificate(impl_->ssl);
    if (!cert) return std::nullopt;
    PeerCertificate out = tls_detail::parse_certificate(cert);
    X509_free(cert);
    return out;
}

std::optional<std::string> TLSEngine::alpn_protocol() const {
    const unsigned char* data = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(impl_->ssl, &data, &len);
    if (!data || len == 0) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(data), len);
}

std::shared_ptr<SSLContext> TLSEngine::context() const {
    return impl_->sni_context ? impl_->sni_context : impl_->context;
}

void* TLSEngine::native_handle() const noexcept {
    return impl_->ssl;
}

}  // namespace coronet
