// SSLContext settings and their errors.
#include <gtest/gtest.h>

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
