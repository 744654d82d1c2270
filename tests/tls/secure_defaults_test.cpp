// Secure by default: every context starts verifying (clients) and at TLS 1.2,
// and that minimum is what refuses an older peer, not only OpenSSL's security
// level (lowered to 0 here on both sides so that only the minimum is left).
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <string>

#include "tls/tls_test_support.hpp"

using coronet::SSLContext;
using coronet::TLSEngine;
using coronet::TLSRole;
using coronet::TLSVersion;

namespace {

SSL_CTX* native(const std::shared_ptr<SSLContext>& ctx) {
    return static_cast<SSL_CTX*>(ctx->native_handle());
}

// Lets OpenSSL speak TLS 1.0/1.1 with legacy ciphers, as an old peer would.
void allow_legacy(const std::shared_ptr<SSLContext>& ctx) {
    SSL_CTX_set_security_level(native(ctx), 0);
    ASSERT_EQ(SSL_CTX_set_cipher_list(native(ctx), "DEFAULT:@SECLEVEL=0"), 1);
}

void make_tls11_only(const std::shared_ptr<SSLContext>& ctx) {
    allow_legacy(ctx);
    SSL_CTX_set_min_proto_version(native(ctx), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(native(ctx), TLS1_1_VERSION);
}

// Runs the handshake until both are done or one fails; returns the failures'
// messages ("client: ...", "server: ...").
std::string handshake_errors(TLSEngine& client, TLSEngine& server) {
    std::string errors;
    bool client_failed = false;
    bool server_failed = false;
    for (int i = 0; i < 20 && !client_failed && !server_failed; ++i) {
        try {
            client.do_handshake();
        } catch (const coronet::SSLError& e) {
            errors += std::string("client: ") + e.what() + "\n";
            client_failed = true;
        }
        server.receive_ciphertext(client.take_ciphertext());
        try {
            server.do_handshake();
        } catch (const coronet::SSLError& e) {
            errors += std::string("server: ") + e.what() + "\n";
            server_failed = true;
        }
        client.receive_ciphertext(server.take_ciphertext());
        if (client.handshake_done() && server.handshake_done()) break;
    }
    return errors;
}

}  // namespace

TEST(SecureDefaults, EveryContextStartsAtTls12AndClientsVerify) {
    for (const auto& ctx :
         {coronet::create_default_context(),
          coronet::create_default_context(coronet::Purpose::client_auth),
          SSLContext::create(TLSRole::client), SSLContext::create(TLSRole::server)}) {
        EXPECT_EQ(ctx->minimum_version(), TLSVersion::TLSv1_2);
        EXPECT_EQ(SSL_CTX_get_min_proto_version(native(ctx)), TLS1_2_VERSION);
        if (ctx->role() == TLSRole::client) {
            EXPECT_EQ(ctx->verify_mode(), coronet::VerifyMode::required);
            EXPECT_TRUE(ctx->check_hostname());
            EXPECT_EQ(SSL_CTX_get_verify_mode(native(ctx)) & SSL_VERIFY_PEER, SSL_VERIFY_PEER);
        }
    }
}

TEST(SecureDefaults, ClientRefusesATls11Server) {
    auto client_ctx = tls_test::client_context();
    allow_legacy(client_ctx);  // only the TLS 1.2 minimum is left to refuse
    auto server_ctx = tls_test::server_context();
    make_tls11_only(server_ctx);
    TLSEngine client(client_ctx, false, "localhost");
    TLSEngine server(server_ctx, true);
    const std::string errors = handshake_errors(client, server);
    EXPECT_FALSE(client.handshake_done());
    EXPECT_NE(errors.find("version"), std::string::npos) << errors;
}

TEST(SecureDefaults, ServerRefusesATls11Client) {
    auto client_ctx = tls_test::client_context();
    make_tls11_only(client_ctx);
    auto server_ctx = tls_test::server_context();
    allow_legacy(server_ctx);
    TLSEngine client(client_ctx, false, "localhost");
    TLSEngine server(server_ctx, true);
    const std::string errors = handshake_errors(client, server);
    EXPECT_FALSE(server.handshake_done());
    EXPECT_NE(errors.find("server: TLS protocol version mismatch"), std::string::npos) << errors;
}

// The same pair handshakes once the legacy peer may use TLS 1.2: the
// refusals above are about the version, not the test's setup.
TEST(SecureDefaults, TheLegacyPeerHandshakesAtTls12) {
    auto client_ctx = tls_test::client_context();
    make_tls11_only(client_ctx);
    SSL_CTX_set_max_proto_version(native(client_ctx), TLS1_2_VERSION);
    auto server_ctx = tls_test::server_context();
    allow_legacy(server_ctx);
    TLSEngine client(client_ctx, false, "localhost");
    TLSEngine server(server_ctx, true);
    EXPECT_EQ(handshake_errors(client, server), "");
    EXPECT_TRUE(client.handshake_done() && server.handshake_done());
    EXPECT_EQ(client.version(), "TLSv1.2");
}

// Verification is on without being asked for: a default client refuses a
// certificate from a CA it was not given.
TEST(SecureDefaults, DefaultClientRefusesAnUntrustedCertificate) {
    auto client_ctx = coronet::create_default_context();
    TLSEngine client(client_ctx, false, "localhost");
    TLSEngine server(tls_test::server_context(tls_test::certs().untrusted), true);
    const std::string errors = handshake_errors(client, server);
    EXPECT_NE(errors.find("client: "), std::string::npos) << errors;
    EXPECT_NE(errors.find("certificate verify failed"), std::string::npos) << errors;
}
