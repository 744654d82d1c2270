// SSLContext settings and their errors.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "tls/tls_test_support.hpp"

using coronet::create_default_context;
using coronet::Purpose;
using coronet::SSLContext;
using coronet::TLSRole;
using coronet::TLSVersion;
using coronet::VerifyMode;

namespace {

template <class F>
std::string invalid_argument_of(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no std::invalid_argument";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The subjects of the chain certificates a context sends after its own
// certificate ("none" when it has no chain at all: OpenSSL would then
// complete it from the store on every handshake).
std::string chain_subjects(const SSLContext& ctx) {
    STACK_OF(X509)* chain = nullptr;
    SSL_CTX_get0_chain_certs(static_cast<SSL_CTX*>(ctx.native_handle()), &chain);
    if (!chain) return "none";
    std::string out;
    for (int i = 0; i < sk_X509_num(chain); ++i) {
        char name[256];
        X509_NAME_oneline(X509_get_subject_name(sk_X509_value(chain, i)), name, sizeof name);
        out += std::string(out.empty() ? "" : ";") + name;
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST(SslContext, DefaultContextsFollowPython) {
    auto client = create_default_context();
    EXPECT_EQ(client->role(), TLSRole::client);
    EXPECT_EQ(client->verify_mode(), VerifyMode::required);
    EXPECT_TRUE(client->check_hostname());
    EXPECT_EQ(client->minimum_version(), TLSVersion::TLSv1_2);
    auto server = create_default_context(Purpose::client_auth);
    EXPECT_EQ(server->role(), TLSRole::server);
    EXPECT_EQ(server->verify_mode(), VerifyMode::none);
    EXPECT_FALSE(server->check_hostname());
    EXPECT_EQ(server->num_tickets(), 0u);
    server->set_num_tickets(2);
    EXPECT_EQ(server->num_tickets(), 2u);
    EXPECT_THROW(client->set_num_tickets(1), std::invalid_argument);
    auto bare = SSLContext::create(TLSRole::client);
    EXPECT_TRUE(bare->check_hostname());
    EXPECT_NE(bare->native_handle(), nullptr);
    EXPECT_STREQ(coronet::to_string(TLSVersion::TLSv1_3), "TLSv1.3");
}

TEST(SslContext, VerifyModeNoneNeedsCheckHostnameOff) {
    auto client = create_default_context();
    EXPECT_TRUE(contains(invalid_argument_of([&] { client->set_verify_mode(VerifyMode::none); }),
                         "check_hostname"));
    client->set_check_hostname(false);
    client->set_verify_mode(VerifyMode::none);
    EXPECT_EQ(client->verify_mode(), VerifyMode::none);
    client->set_check_hostname(true);
    EXPECT_EQ(client->verify_mode(), VerifyMode::required);
}

TEST(SslContext, LoadCertChainErrorsNameTheFile) {
    const auto& c = tls_test::certs();
    auto server = create_default_context(Purpose::client_auth);
    EXPECT_TRUE(
        contains(invalid_argument_of([&] { server->load_cert_chain(c.dir + "/missing.pem"); }),
                 "missing.pem"));
    EXPECT_TRUE(
        contains(invalid_argument_of([&] { server->load_cert_chain(c.server.cert, c.client.key); }),
                 "does not match"));
    EXPECT_TRUE(contains(invalid_argument_of([&] { server->load_cert_chain(""); }), "empty"));
    EXPECT_TRUE(contains(invalid_argument_of([&] {
                             server->load_cert_chain(c.server.cert, c.encrypted_key, "wrong");
                         }),
                         "server-encrypted.key"));
    server->load_cert_chain(c.server.cert, c.encrypted_key, "secret");
    server->load_cert_chain(c.server.cert, c.server.key);
}

TEST(SslContext, LoadVerifyLocations) {
    const auto& c = tls_test::certs();
    auto client = SSLContext::create(TLSRole::client);
    EXPECT_TRUE(contains(invalid_argument_of([&] { client->load_verify_locations(); }), "cafile"));
    EXPECT_TRUE(
        contains(invalid_argument_of([&] { client->load_verify_locations(c.dir + "/nope.pem"); }),
                 "nope.pem"));
    EXPECT_TRUE(contains(
        invalid_argument_of([&] { client->load_verify_locations({}, {}, "not a certificate"); }),
        "cadata"));
    client->load_verify_locations(c.ca);
    client->load_verify_locations({}, c.dir);
    client->load_default_certs();
}

TEST(SslContext, LeafOnlyChainIsCompletedFromTheStoreOnceNotPerHandshake) {
    const auto& c = tls_test::certs();
    // The CA is not in the store yet: the chain is built, and empty.
    auto late = SSLContext::create(TLSRole::server);
    late->load_cert_chain(c.server.cert, c.server.key);
    EXPECT_EQ(chain_subjects(*late), "");
    // The store changed: the chain is completed again, now with the CA.
    late->load_verify_locations(c.ca);
    const std::string with_ca = chain_subjects(*late);
    EXPECT_TRUE(contains(with_ca, "CN=")) << with_ca;
    EXPECT_EQ(with_ca.find(';'), std::string::npos) << with_ca;
    // CA first, certificate second: the same chain.
    auto early = create_default_context(Purpose::client_auth, c.ca);
    early->load_cert_chain(c.server.cert, c.server.key);
    EXPECT_EQ(chain_subjects(*early), with_ca);
    // A file that brings its own chain is sent as it is, whatever the store.
    const std::string full = c.dir + "/server-fullchain.pem";
    std::ofstream(full) << read_file(c.server.cert) << read_file(c.untrusted_ca);
    auto own = SSLContext::create(TLSRole::server);
    own->load_cert_chain(full, c.server.key);
    const std::string file_chain = chain_subjects(*own);
    EXPECT_NE(file_chain, "none");
    EXPECT_NE(file_chain, with_ca);
    own->load_verify_locations(c.ca);
    EXPECT_EQ(chain_subjects(*own), file_chain);
    // And a server completed from the store still serves a verifying client.
    tls_test::PairOptions pair;
    pair.client = tls_test::client_context();
    pair.server = early;
    tls_test::run([&]() -> coronet::Task<void> {
        auto [client, server] = co_await tls_test::memory_pair(pair);
        co_await server.send("ok");
        auto got = co_await client.receive();
        EXPECT_EQ(got.size(), 2u);
        co_await client.aclose();
        co_await server.aclose();
    });
}

TEST(SslContext, CiphersAndAlpnAreChecked) {
    auto client = create_default_context();
    EXPECT_TRUE(contains(invalid_argument_of([&] { client->set_ciphers("NO-SUCH-CIPHER"); }),
                         "NO-SUCH-CIPHER"));
    EXPECT_TRUE(
        contains(invalid_argument_of([&] { client->set_ciphersuites("TLS_NOPE"); }), "TLS_NOPE"));
    client->set_ciphers("ECDHE+AESGCM");
    client->set_ciphersuites("TLS_AES_128_GCM_SHA256");
    EXPECT_TRUE(contains(invalid_argument_of([&] {
                             client->set_alpn_protocols({"h2", ""});
                         }),
                         "1 to 255"));
    client->set_alpn_protocols({"h2", "http/1.1"});
    EXPECT_EQ(client->alpn_protocols(), (std::vector<std::string>{"h2", "http/1.1"}));
}
