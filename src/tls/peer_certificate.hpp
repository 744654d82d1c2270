// Parses an X509 into PeerCertificate (private to the tls layer).
#pragma once

#include <openssl/x509.h>

#include <string>
#include <vector>

#include "coronet/tls/tls_engine.hpp"

namespace coronet::tls_detail {

PeerCertificate parse_certificate(X509* cert);
// The names a certificate is valid for: its DNS and IP SANs, else its CN.
std::vector<std::string> certificate_names(X509* cert);

}  // namespace coronet::tls_detail
