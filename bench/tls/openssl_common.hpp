// Plain-OpenSSL pieces of the TLS benchmark's baseline server and common
// load client (no coronet here): the contexts, with the same settings
// coronet's create_default_context() uses, so that only the code around
// OpenSSL differs between the servers compared.
//
//  * TLS 1.2 minimum on the server, TLS 1.3 forced by the client: the
//    negotiated suite is OpenSSL's default first choice,
//    TLS_AES_256_GCM_SHA384, with X25519 key exchange.
//  * No renegotiation, no compression.
//  * No session tickets (coronet's server sends none by default) and no
//    client session cache: every handshake is a full one.
//  * read_ahead on the fd-based contexts: OpenSSL then reads a whole socket
//    buffer per read() instead of a record header and a body separately
//    (two syscalls per record). coronet feeds OpenSSL from memory BIOs,
//    where this makes no difference.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace tls_bench {

// The first queued OpenSSL error, as text (and the queue emptied).
inline std::string openssl_error(const std::string& what) {
    std::string out = what;
    if (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += ": ";
        out += buf;
    }
    ERR_clear_error();
    return out;
}

inline SSL_CTX* server_context(const std::string& cert, const std::string& key) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) throw std::runtime_error(openssl_error("SSL_CTX_new"));
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_read_ahead(ctx, 1);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1)
        throw std::runtime_error(openssl_error("cannot load certificate '" + cert + "'"));
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
        throw std::runtime_error(openssl_error("cannot load key '" + key + "'"));
    return ctx;
}

inline SSL_CTX* client_context(const std::string& cafile) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) throw std::runtime_error(openssl_error("SSL_CTX_new"));
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx, cafile.c_str(), nullptr) != 1)
        throw std::runtime_error(openssl_error("cannot load CA file '" + cafile + "'"));
    return ctx;
}

}  // namespace tls_bench
