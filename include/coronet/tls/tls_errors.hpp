// The errors of the tls layer (Python's ssl.SSLError and
// ssl.SSLCertVerificationError).
//
//     try {
//         auto tls = co_await TLSStream::wrap(std::move(tcp), {.hostname = "example.com"});
//     } catch (const SSLCertVerificationError& e) {
//         // e.what(): "certificate verify failed: unable to get local issuer
//         //            certificate (depth 0)"; e.verify_code(), e.depth()
//     } catch (const SSLError& e) {
//         // any other TLS failure, e.g. "TLS protocol version mismatch: ..."
//     }
//
// SSLError derives from BrokenResourceError: a TLS failure breaks the stream
// it happened on, and code written against the byte-stream contract (which
// catches BrokenResourceError) handles it without knowing about TLS.
#pragma once

#include <string>

#include "coronet/base/errors.hpp"

namespace coronet {

class SSLError : public BrokenResourceError {
  public:
    // `reason` is OpenSSL's reason text when there is one ("" otherwise).
    SSLError(const std::string& what, std::string reason)
        : BrokenResourceError(what), reason_(std::move(reason)) {}
    const std::string& reason() const noexcept { return reason_; }

  private:
    std::string reason_;
};

// The peer's certificate did not verify (including a hostname mismatch).
class SSLCertVerificationError : public SSLError {
  public:
    SSLCertVerificationError(const std::string& what, long verify_code, std::string verify_message,
                             int depth)
        : SSLError(what, "certificate verify failed"),
          verify_code_(verify_code),
          verify_message_(std::move(verify_message)),
          depth_(depth) {}
    // X509_V_ERR_* and its text ("certificate has expired", ...).
    long verify_code() const noexcept { return verify_code_; }
    const std::string& verify_message() const noexcept { return verify_message_; }
    // Position in the chain of the certificate that failed (0: the peer's own).
    int depth() const noexcept { return depth_; }

  private:
    long verify_code_;
    std::string verify_message_;
    int depth_;
};

}  // namespace coronet
