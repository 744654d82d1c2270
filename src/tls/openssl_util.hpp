// Private helpers over OpenSSL: the SSLContext internals shared with the
// engine, and error-queue reading.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "coronet/tls/ssl_context.hpp"

namespace coronet {

struct SSLContext::Impl {
    SSL_CTX* ctx = nullptr;
    TLSRole role = TLSRole::client;
    VerifyMode verify_mode = VerifyMode::none;
    bool check_hostname = false;
    TLSVersion min_version = TLSVersion::TLSv1_2;
    TLSVersion max_version = TLSVersion::maximum_supported;
    std::vector<std::string> alpn;
    std::vector<unsigned char> alpn_wire;  // length-prefixed, as ALPN sends it
    ServerNameCallback servername_callback;
    // The certificate chain sent was completed from the trust store by
    // complete_chain() (the certificate file held no intermediates), so a
    // change of the store completes it again.
    bool chain_from_store = false;
};

namespace tls_detail {

// Drains OpenSSL's error queue of this thread: "reason (library)" of the
// first error, or `fallback` when the queue is empty.
std::string drain_errors(const std::string& fallback = "unknown error");
// The reason text of the first queued error without draining ("" if none),
// and its reason code.
int peek_reason_code() noexcept;

int protocol_number(TLSVersion v) noexcept;  // 0 for the open ends
TLSVersion from_protocol_number(int v) noexcept;

}  // namespace tls_detail
}  // namespace coronet
