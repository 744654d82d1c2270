// Certificates for the TLS tests (tests/tls) and the tool's tls:// tests
// (tests/tools), made at run time with OpenSSL's API into a
// temporary directory that is removed at exit (no key is ever committed).
// EC P-256 keys, SHA-256 signatures. Every certificate but `untrusted_ca`'s
// chain is issued by `ca`.
#pragma once

#include <string>

namespace tls_test {

struct CertFiles {
    std::string cert;  // PEM
    std::string key;   // PEM, unencrypted
};

struct TestCerts {
    std::string dir;
    std::string ca;             // the CA certificate (PEM)
    std::string untrusted_ca;   // another CA, trusted by nobody
    CertFiles server;           // CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1
    CertFiles other;            // SAN DNS:other.test (for SNI)
    CertFiles client;           // CN=coronet-client
    CertFiles expired;          // like server, but its validity ended yesterday
    CertFiles wrong_host;       // SAN DNS:wrong.example only
    CertFiles untrusted;        // SAN DNS:localhost, issued by untrusted_ca
    std::string encrypted_key;  // server's key, encrypted with "secret"
};

// Made on first use, shared by the whole test program.
const TestCerts& certs();

}  // namespace tls_test
