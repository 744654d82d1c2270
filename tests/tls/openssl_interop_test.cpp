// Interop with real peers: `openssl s_server` as the server of our client,
// `openssl s_client` as the client of our server; TLS 1.2 and 1.3, ALPN,
// client certificates; each exchanges data and closes cleanly.
#include <gtest/gtest.h>

#include "tls/openssl_process.hpp"
#include "tls/tls_test_support.hpp"

using coronet::Task;
using coronet::TLSStream;
using coronet::TLSVersion;

namespace attr = coronet::attr;

namespace {

struct Case {
    TLSVersion version;
    bool alpn;
    bool client_cert;
};

std::string version_flag(TLSVersion v) {
    return v == TLSVersion::TLSv1_3 ? "-tls1_3" : "-tls1_2";
}
std::string version_name(TLSVersion v) {
    return v == TLSVersion::TLSv1_3 ? "TLSv1.3" : "TLSv1.2";
}

const Case kCases[] = {
    {TLSVersion::TLSv1_3, false, false},
    {TLSVersion::TLSv1_2, false, false},
    {TLSVersion::TLSv1_3, true, true},
    {TLSVersion::TLSv1_2, true, true},
};

Task<std::string> read_line(coronet::ByteStream& s) {
    std::string line;
    for (int i = 0; i < 1000 && (line.empty() || line.back() != '\n'); ++i)
        line += (co_await s.receive()).str();
    co_return line;
}

}  // namespace

TEST(OpensslInterop, OurClientAgainstSServer) {
    const auto& c = tls_test::certs();
    for (const Case& k : kCases) {
        SCOPED_TRACE(version_name(k.version) + (k.alpn ? " alpn" : "") +
                     (k.client_cert ? " cert" : ""));
        std::vector<std::string> args{"s_server",    "-accept", "127.0.0.1:0",          "-cert",
                                      c.server.cert, "-key",    c.server.key,           "-naccept",
                                      "1",           "-rev",    version_flag(k.version)};
        if (k.alpn) args.insert(args.end(), {"-alpn", "h2,http/1.1"});
        if (k.client_cert) args.insert(args.end(), {"-Verify", "1", "-CAfile", c.ca});
        tls_test::OpensslProcess server(args, "");
        tls_test::run([&]() -> Task<void> {
            CO_ASSERT(co_await server.wait_for_output("ACCEPT 127.0.0.1:"));
            const std::string out = server.output();
            const int port = std::stoi(out.substr(out.find("ACCEPT 127.0.0.1:") + 17));
            auto ctx = tls_test::client_context();
            tls_test::pin_version(*ctx, k.version);
            if (k.alpn) ctx->set_alpn_protocols({"http/1.1"});
            if (k.client_cert) ctx->load_cert_chain(c.client.cert, c.client.key);
            TLSStream tls = co_await coronet::connect_tcp(
                "127.0.0.1", port, {.tls = true, .ssl_context = ctx, .tls_hostname = "localhost"});
            CO_ASSERT(tls.extra<attr::tls_version>() == version_name(k.version));
            if (k.alpn)
                CO_ASSERT(tls.extra<attr::alpn_protocol>() ==
                          std::optional<std::string>("http/1.1"));
            co_await tls.send("hello openssl\n");
            const std::string line = co_await read_line(tls);
            EXPECT_EQ(line, "lssnepo olleh\n");
            co_await tls.aclose();
            const int status = co_await server.wait_exit();
            EXPECT_EQ(status, 0) << server.output();
            EXPECT_NE(server.output().find("CONNECTION CLOSED"), std::string::npos)
                << server.output();
        });
    }
}

TEST(OpensslInterop, SClientAgainstOurServer) {
    const auto& c = tls_test::certs();
    for (const Case& k : kCases) {
        SCOPED_TRACE(version_name(k.version) + (k.alpn ? " alpn" : "") +
                     (k.client_cert ? " cert" : ""));
        tls_test::run([&]() -> Task<void> {
            auto ctx = tls_test::server_context();
            if (k.alpn) ctx->set_alpn_protocols({"h2"});
            if (k.client_cert) ctx->set_verify_mode(coronet::VerifyMode::required);
            auto listener = co_await coronet::create_tcp_listener({.local_host = "127.0.0.1"});
            const int port = listener.extra<attr::local_port>();
            std::vector<std::string> args{"s_client",
                                          "-connect",
                                          "127.0.0.1:" + std::to_string(port),
                                          "-servername",
                                          "localhost",
                                          "-CAfile",
                                          c.ca,
                                          "-verify_return_error",
                                          "-quiet",
                                          version_flag(k.version)};
            if (k.alpn) args.insert(args.end(), {"-alpn", "http/1.1,h2"});
            if (k.client_cert)
                args.insert(args.end(), {"-cert", c.client.cert, "-key", c.client.key});
            tls_test::OpensslProcess client(args, "ping from s_client\n");
            coronet::TLSListener tls_listener(std::move(listener), ctx);
            TLSStream tls = co_await tls_listener.accept();
            CO_ASSERT(tls.extra<attr::tls_version>() == version_name(k.version));
            CO_ASSERT(tls.extra<attr::server_hostname>() == "localhost");
            if (k.alpn)
                CO_ASSERT(tls.extra<attr::alpn_protocol>() == std::optional<std::string>("h2"));
            if (k.client_cert) {
                auto cert = tls.extra<attr::peercert>();
                CO_ASSERT(cert && cert->subject.back().second == "coronet-client");
            }
            EXPECT_EQ(co_await read_line(tls), "ping from s_client\n");
            co_await tls.send("pong from coronet\n");
            co_await tls.aclose();
            co_await tls_listener.aclose();
            const int status = co_await client.wait_exit();
            EXPECT_EQ(status, 0) << client.output();
            EXPECT_NE(client.output().find("pong from coronet"), std::string::npos)
                << client.output();
        });
    }
}
