// TLSStream: half-close, attributes, ALPN, SNI, client certificates,
// truncation, unwrap and every handshake error with its message.
#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "tls/tls_test_support.hpp"

using coronet::Bytes;
using coronet::ByteStream;
using coronet::Task;
using coronet::TLSStream;
using coronet::TLSVersion;
using tls_test::PairOptions;

namespace attr = coronet::attr;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

Task<std::string> receive_all(ByteStream& s) {
    std::string all;
    for (int i = 0; i < 100000; ++i) {
        try {
            Bytes b = co_await s.receive();
            all += b.str();
        } catch (const coronet::EndOfStream&) {
            co_return all;
        }
    }
    co_return all;
}

// The errors both ends of a failed handshake raise: {client, server}.
struct HandshakeErrors {
    std::string client;
    std::string server;
};

template <class E = coronet::BrokenResourceError>
Task<std::string> wrap_error(std::unique_ptr<ByteStream> t, coronet::TLSStreamOptions o) {
    try {
        auto s = co_await TLSStream::wrap(std::move(t), o);
        // TLS 1.3 clients learn of a rejected certificate on their first read.
        co_await s.receive();
        co_await s.aclose();
        co_return "no error";
    } catch (const E& e) {
        co_return e.what();
    }
}

Task<HandshakeErrors> failed_handshake(PairOptions o) {
    auto [a, b] = coronet::testing::create_memory_byte_stream_pair();
    HandshakeErrors out;
    co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            out.server =
                co_await wrap_error(std::move(b), {.server_side = true, .ssl_context = o.server});
        });
        out.client =
            co_await wrap_error(std::move(a), {.hostname = o.hostname, .ssl_context = o.client});
    });
    co_return out;
}

}  // namespace

TEST(TlsStream, HalfCloseBothWaysOnTls13) {
    tls_test::run([]() -> Task<void> {
        for (int client_first = 0; client_first < 2; ++client_first) {
            auto [client, server] = co_await tls_test::memory_pair(tls_test::default_pair());
            TLSStream& closer = client_first ? client : server;
            TLSStream& other = client_first ? server : client;
            co_await closer.send("request");
            co_await closer.send_eof();
            co_await closer.send_eof();  // idempotent
            CO_ASSERT(co_await receive_all(other) == "request");
            // The other direction keeps working, several sends long.
            co_await other.send("reply 1,");
            co_await other.send("reply 2");
            co_await other.aclose();
            CO_ASSERT(co_await receive_all(closer) == "reply 1,reply 2");
            co_await closer.aclose();
        }
    });
}

// Found by the soak: every chunk receive() returned held max_bytes (64 KiB)
// of heap whatever its size, so memory grew with the chunks a program kept.
TEST(TlsStream, ReceivedChunksHoldOnlyTheirBytes) {
    tls_test::run([]() -> Task<void> {
        auto [client, server] = co_await tls_test::memory_pair(tls_test::default_pair());
        co_await client.send("hello");
        Bytes got = co_await server.receive();
        CO_ASSERT(got.str() == "hello");
        CO_ASSERT(got.capacity() < 1024);
        co_await client.aclose();
        co_await server.aclose();
    });
}

TEST(TlsStream, SendAfterSendEofIsClosed) {
    tls_test::run([]() -> Task<void> {
        auto [client, server] = co_await tls_test::memory_pair(tls_test::default_pair());
        co_await client.send_eof();
        auto m = co_await tls_test::message_of<coronet::ClosedResourceError>(client.send("x"));
        CO_ASSERT(contains(m, "send_eof"));
        co_await client.aclose();
        co_await server.aclose();
    });
}

TEST(TlsStream, SendEofOnTls12NamesTheVersion) {
    tls_test::run([]() -> Task<void> {
        auto [client, server] =
            co_await tls_test::memory_pair(tls_test::default_pair(TLSVersion::TLSv1_2));
        auto m = co_await tls_test::message_of<std::logic_error>(client.send_eof());
        CO_ASSERT(contains(m, "TLSv1.2") && contains(m, "TLS 1.3"));
        co_await client.aclose();
        co_await server.aclose();
    });
}

TEST(TlsStream, AttributesDescribeTheSession) {
    tls_test::run([]() -> Task<void> {
        auto options = tls_test::default_pair();
        auto [client, server] = co_await tls_test::tls_tcp_pair(options);
        CO_ASSERT(client.extra<attr::tls_version>() == "TLSv1.3");
        CO_ASSERT(!client.extra<attr::server_side>() && server.extra<attr::server_side>());
        auto cipher = client.extra<attr::cipher>();
        CO_ASSERT(cipher.protocol == "TLSv1.3" && cipher.secret_bits >= 128 &&
                  !cipher.name.empty());
        auto cert = client.extra<attr::peercert>();
        CO_ASSERT(cert.has_value());
        CO_ASSERT(cert->version == 3 && !cert->der.empty() && !cert->serial_number.empty());
        using Pair = std::pair<std::string, std::string>;
        CO_ASSERT(cert->subject.back() == Pair("commonName", "localhost"));
        CO_ASSERT(cert->issuer.back() == Pair("commonName", "coronet test CA"));
        CO_ASSERT((cert->subject_alt_names == std::vector<Pair>{{"DNS", "localhost"},
                                                                {"IP Address", "127.0.0.1"},
                                                                {"IP Address", "::1"}}));
        CO_ASSERT(contains(cert->not_before, "GMT") && contains(cert->not_after, "GMT"));
        // The server asked for no client certificate.
        CO_ASSERT(!server.extra<attr::peercert>().has_value());
        CO_ASSERT(!client.extra<attr::alpn_protocol>().has_value());
        CO_ASSERT(!client.extra<attr::compression>().has_value());
        CO_ASSERT(client.extra<attr::sslcontext>() == options.client);
        CO_ASSERT(client.extra<attr::ssl_object>() == &client.engine());
        CO_ASSERT(server.extra<attr::server_hostname>() == "localhost");
        CO_ASSERT(client.extra<attr::server_hostname>() == "localhost");
        CO_ASSERT(client.extra<attr::standard_compatible>());
        // The wrapped stream's attributes show through.
        CO_ASSERT(client.extra<attr::remote_port>() == server.extra<attr::local_port>());
        CO_ASSERT(client.extra<attr::raw_socket>() != nullptr);
        co_await client.aclose();
        co_await server.aclose();
        // A moved-from stream provides nothing and is closed.
        TLSStream moved = std::move(client);
        CO_ASSERT(!client.try_extra<attr::tls_version>().has_value());
        auto m = co_await tls_test::message_of<coronet::ClosedResourceError>(client.receive());
        CO_ASSERT(m != "no exception");
    });
}

TEST(TlsStream, Tls12AttributesAndCipherChoice) {
    tls_test::run([]() -> Task<void> {
        auto options = tls_test::default_pair(TLSVersion::TLSv1_2);
        options.client->set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256");
        auto [client, server] = co_await tls_test::memory_pair(options);
        CO_ASSERT(server.extra<attr::tls_version>() == "TLSv1.2");
        CO_ASSERT(client.extra<attr::cipher>().name == "ECDHE-ECDSA-AES128-GCM-SHA256");
        co_await client.aclose();
        co_await server.aclose();
    });
}

TEST(TlsStream, AlpnPicksTheServersFirstCommonProtocol) {
    tls_test::run([]() -> Task<void> {
        auto options = tls_test::default_pair();
        options.client->set_alpn_protocols({"h2", "http/1.1"});
        options.server->set_alpn_protocols({"http/1.1", "h2"});
        auto [client, server] = co_await tls_test::memory_pair(options);
        CO_ASSERT(client.extra<attr::alpn_protocol>() == std::optional<std::string>("http/1.1"));
        CO_ASSERT(server.extra<attr::alpn_protocol>() == std::optional<std::string>("http/1.1"));
        co_await client.aclose();
        co_await server.aclose();
        // No protocol in common: none is chosen, the handshake goes on.
        auto none = tls_test::default_pair();
        none.client->set_alpn_protocols({"spdy/3"});
        none.server->set_alpn_protocols({"h2"});
        auto [c2, s2] = co_await tls_test::memory_pair(none);
        CO_ASSERT(!c2.extra<attr::alpn_protocol>().has_value());
        co_await c2.aclose();
        co_await s2.aclose();
    });
}

TEST(TlsStream, SniCallbackPicksTheContextPerName) {
    tls_test::run([]() -> Task<void> {
        auto options = tls_test::default_pair();
        auto other = tls_test::server_context(tls_test::certs().other);
        std::vector<std::string> asked;
        options.server->set_servername_callback([&](const std::string& name) {
            asked.push_back(name);
            return name == "other.test" ? other : nullptr;
        });
        options.hostname = "other.test";
        auto [client, server] = co_await tls_test::memory_pair(options);
        auto cert = client.extra<attr::peercert>();
        CO_ASSERT(cert && cert->subject_alt_names.at(0).second == "other.test");
        CO_ASSERT(server.extra<attr::sslcontext>() == other);
        CO_ASSERT(server.extra<attr::server_hostname>() == "other.test");
        co_await client.aclose();
        co_await server.aclose();
        options.hostname = "localhost";
        auto [c2, s2] = co_await tls_test::memory_pair(options);
        CO_ASSERT(c2.extra<attr::peercert>()->subject.back().second == "localhost");
        CO_ASSERT((asked == std::vector<std::string>{"other.test", "localhost"}));
        co_await c2.aclose();
        co_await s2.aclose();
    });
}

TEST(TlsStream, SniCallbackFailureAbortsTheHandshake) {
    tls_test::run([]() -> Task<void> {
        auto options = tls_test::default_pair();
        options.server->set_servername_callback(
            [](const std::string& name) -> std::shared_ptr<coronet::SSLContext> {
                throw std::runtime_error("no certificate for " + name);
            });
        auto errors = co_await failed_handshake(options);
        CO_ASSERT(
            contains(errors.server, "servername callback raised: no certificate for localhost"));
        CO_ASSERT(contains(errors.client, "alert internal error"));
    });
}

TEST(TlsStream, ClientCertificatesRequiredAndOptional) {
    tls_test::run([]() -> Task<void> {
        const auto& c = tls_test::certs();
        for (auto version : {TLSVersion::TLSv1_3, TLSVersion::TLSv1_2}) {
            auto options = tls_test::default_pair(version);
            options.server->set_verify_mode(coronet::VerifyMode::required);
            options.client->load_cert_chain(c.client.cert, c.client.key);
            auto [client, server] = co_await tls_test::memory_pair(options);
            auto cert = server.extra<attr::peercert>();
            CO_ASSERT(cert && cert->subject.back().second == "coronet-client");
            co_await client.send("hi");
            CO_ASSERT((co_await server.receive()).str() == "hi");
            co_await client.aclose();
            co_await server.aclose();
            // Required but not sent: both ends fail, naming why.
            auto missing = tls_test::default_pair(version);
            missing.server->set_verify_mode(coronet::VerifyMode::required);
            auto errors = co_await failed_handshake(missing);
            CO_ASSERT(contains(errors.server, "peer did not return a certificate"));
            CO_ASSERT(contains(errors.client, "alert"));
            // Optional: no certificate is fine.
            auto optional = tls_test::default_pair(version);
            optional.server->set_verify_mode(coronet::VerifyMode::optional);
            auto [c2, s2] = co_await tls_test::memory_pair(optional);
            CO_ASSERT(!s2.extra<attr::peercert>().has_value());
            co_await c2.aclose();
            co_await s2.aclose();
        }
    });
}

TEST(TlsStream, VerifyFailuresNameReasonAndDepth) {
    tls_test::run([]() -> Task<void> {
        const auto& c = tls_test::certs();
        auto untrusted = tls_test::default_pair();
        untrusted.server = tls_test::server_context(c.untrusted);
        auto e1 = co_await failed_handshake(untrusted);
        CO_ASSERT(contains(e1.client,
                           "certificate verify failed: unable to get local issuer "
                           "certificate (depth 0)"));
        CO_ASSERT(contains(e1.server, "alert unknown ca"));

        auto expired = tls_test::default_pair();
        expired.server = tls_test::server_context(c.expired);
        auto e2 = co_await failed_handshake(expired);
        CO_ASSERT(
            contains(e2.client, "certificate verify failed: certificate has expired (depth 0)"));

        // A self-signed CA as the server's own certificate: depth 0 too; a
        // client trusting nothing fails at the top of the chain instead.
        auto no_ca = tls_test::default_pair();
        no_ca.client = coronet::SSLContext::create(coronet::TLSRole::client);
        no_ca.client->load_verify_locations(c.untrusted_ca);
        auto e3 = co_await failed_handshake(no_ca);
        CO_ASSERT(contains(e3.client, "certificate verify failed"));
    });
}

TEST(TlsStream, VerifyErrorCarriesCodeAndDepth) {
    tls_test::run([]() -> Task<void> {
        auto expired = tls_test::default_pair();
        expired.server = tls_test::server_context(tls_test::certs().expired);
        auto [a, b] = coronet::testing::create_memory_byte_stream_pair();
        long code = 0;
        int depth = -1;
        std::string text;
        co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await wrap_error(std::move(b),
                                    {.server_side = true, .ssl_context = expired.server});
            });
            try {
                co_await TLSStream::wrap(std::move(a),
                                         {.hostname = "localhost", .ssl_context = expired.client});
            } catch (const coronet::SSLCertVerificationError& e) {
                code = e.verify_code();
                depth = e.depth();
                text = e.verify_message();
            }
        });
        CO_ASSERT(code == 10 /* X509_V_ERR_CERT_HAS_EXPIRED */ && depth == 0);
        CO_ASSERT(text == "certificate has expired");
    });
}

TEST(TlsStream, HostnameMismatchNamesBothNames) {
    tls_test::run([]() -> Task<void> {
        auto wrong = tls_test::default_pair();
        wrong.server = tls_test::server_context(tls_test::certs().wrong_host);
        auto e1 = co_await failed_handshake(wrong);
        CO_ASSERT(contains(e1.client, "hostname mismatch") &&
                  contains(e1.client, "wrong.example") && contains(e1.client, "'localhost'"));
        auto ip = tls_test::default_pair();
        ip.hostname = "10.1.2.3";
        auto e2 = co_await failed_handshake(ip);
        CO_ASSERT(contains(e2.client, "hostname mismatch") && contains(e2.client, "127.0.0.1") &&
                  contains(e2.client, "'10.1.2.3'"));
        // The certificate's IP SAN matches an IP hostname.
        auto ok = tls_test::default_pair();
        ok.hostname = "::1";
        auto [client, server] = co_await tls_test::memory_pair(ok);
        co_await client.aclose();
        co_await server.aclose();
    });
}

TEST(TlsStream, ProtocolVersionMismatch) {
    tls_test::run([]() -> Task<void> {
        auto options = tls_test::default_pair();
        options.client->set_maximum_version(TLSVersion::TLSv1_2);
        options.server->set_minimum_version(TLSVersion::TLSv1_3);
        auto errors = co_await failed_handshake(options);
        CO_ASSERT(contains(errors.server, "TLS protocol version mismatch") &&
                  contains(errors.server, "TLSv1.3 to maximum_supported"));
        CO_ASSERT(contains(errors.client, "TLS protocol version mismatch") &&
                  contains(errors.client, "TLSv1.2 to TLSv1.2"));
    });
}

TEST(TlsStream, WrapArgumentErrorsAndClosedPeers) {
    tls_test::run([]() -> Task<void> {
        auto m1 = co_await tls_test::message_of<std::invalid_argument>(
            TLSStream::wrap(std::unique_ptr<ByteStream>(), {}));
        CO_ASSERT(contains(m1, "null"));
        auto [a, b] = coronet::testing::create_memory_byte_stream_pair();
        auto m2 = co_await tls_test::message_of<std::invalid_argument>(
            TLSStream::wrap(std::move(a), {.server_side = true}));
        CO_ASSERT(contains(m2, "needs an ssl_context"));
        // The peer hangs up in the middle of the handshake.
        co_await b->aclose();
        auto [c, d] = coronet::testing::create_memory_byte_stream_pair();
        co_await d->aclose();
        auto m3 = co_await tls_test::message_of<coronet::BrokenResourceError>(TLSStream::wrap(
            std::move(c), {.hostname = "localhost", .ssl_context = tls_test::client_context()}));
        CO_ASSERT(m3 != "no exception");
        // A plaintext peer.
        auto [e, f] = coronet::testing::create_memory_byte_stream_pair();
        co_await f->send("HTTP/1.0 400 Bad Request\r\n\r\n");

        auto m4 = co_await tls_test::message_of<coronet::SSLError>(TLSStream::wrap(
            std::move(e), {.hostname = "localhost", .ssl_context = tls_test::client_context()}));
        if (!contains(m4, "TLS handshake failed: wrong version number")) ADD_FAILURE() << m4;
        co_await f->aclose();
    });
}

TEST(TlsStream, TruncationFollowsStandardCompatible) {
    tls_test::run([]() -> Task<void> {
        for (bool standard : {true, false}) {
            auto options = tls_test::default_pair();
            options.standard_compatible = standard;
            options.server_standard_compatible = false;  // its aclose sends no close_notify
            auto [client, server] = co_await tls_test::memory_pair(options);
            co_await server.send("partial");
            co_await server.aclose();
            CO_ASSERT((co_await client.receive()).str() == "partial");
            if (standard) {
                auto m =
                    co_await tls_test::message_of<coronet::BrokenResourceError>(client.receive());
                CO_ASSERT(contains(m, "truncated") && contains(m, "close_notify"));
                // It stays broken.
                auto again =
                    co_await tls_test::message_of<coronet::BrokenResourceError>(client.receive());
                CO_ASSERT(again == m);
            } else {
                auto m = co_await tls_test::message_of<coronet::EndOfStream>(client.receive());
                CO_ASSERT(m == "end of stream");
            }
            co_await client.aclose();
        }
    });
}

TEST(TlsStream, UnwrapReturnsThePlainStreamAndTheBytesPastTheSession) {
    tls_test::run([]() -> Task<void> {
        for (auto version : {TLSVersion::TLSv1_3, TLSVersion::TLSv1_2}) {
            auto [client, server] = co_await tls_test::memory_pair(tls_test::default_pair(version));
            co_await client.send("secret");
            CO_ASSERT((co_await server.receive()).str() == "secret");
            coronet::UnwrapResult c, s;
            co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
                tg.spawn([&]() -> Task<void> {
                    s = co_await server.unwrap();
                    // Plain bytes right behind the close_notify.
                    co_await s.stream->send("plain after TLS");
                });
                c = co_await client.unwrap();
            });
            std::string got = c.extra.to_string();
            while (got.size() < 15)
                got += (co_await c.stream->receive()).str();
            CO_ASSERT(got == "plain after TLS");
            CO_ASSERT(s.extra.empty());
            auto m = co_await tls_test::message_of<coronet::ClosedResourceError>(client.receive());
            CO_ASSERT(m != "no exception");
            co_await c.stream->aclose();
            co_await s.stream->aclose();
            co_await client.aclose();  // a no-op now
        }
    });
}

TEST(TlsStream, UnwrapRejectsDataAfterOurCloseNotify) {
    tls_test::run([]() -> Task<void> {
        auto [client, server] = co_await tls_test::memory_pair(tls_test::default_pair());
        co_await server.send("unexpected");
        auto m = co_await tls_test::message_of<coronet::SSLError>(client.unwrap());
        CO_ASSERT(contains(m, "application data after our close_notify"));
        co_await client.aclose();
        co_await server.aclose();
    });
}

TEST(TlsStream, CaDirectoryHashedAsByRehash) {
    // A directory of CA certificates named <subject hash>.0, as `openssl
    // rehash` leaves it.
    const auto& c = tls_test::certs();
    const std::string dir = c.dir + "/cadir";
    std::filesystem::create_directories(dir);
    FILE* f = std::fopen(c.ca.c_str(), "r");
    ASSERT_NE(f, nullptr);
    X509* ca = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    ASSERT_NE(ca, nullptr);
    char name[32];
    std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(ca));
    X509_free(ca);
    std::filesystem::copy_file(c.ca, dir + "/" + name,
                               std::filesystem::copy_options::overwrite_existing);
    tls_test::run([&]() -> Task<void> {
        auto options = tls_test::default_pair();
        options.client = coronet::SSLContext::create(coronet::TLSRole::client);
        options.client->load_verify_locations({}, dir);
        auto [client, server] = co_await tls_test::memory_pair(options);
        CO_ASSERT(client.extra<attr::peercert>().has_value());
        co_await client.aclose();
        co_await server.aclose();
    });
}

TEST(TlsStream, OverAUnixStream) {
    tls_test::run([]() -> Task<void> {
        const std::string name = "@coronet-tls-test-" + std::to_string(::getpid());
        auto listener = co_await coronet::create_unix_listener(name);
        coronet::UNIXSocketStream client_plain = co_await coronet::connect_unix(name);
        coronet::UNIXSocketStream server_plain = co_await listener.accept();
        co_await listener.aclose();
        auto [client, server] = co_await tls_test::handshake(
            std::make_unique<coronet::UNIXSocketStream>(std::move(client_plain)),
            std::make_unique<coronet::UNIXSocketStream>(std::move(server_plain)),
            tls_test::default_pair());
        co_await client.send("over unix");
        CO_ASSERT((co_await server.receive()).str() == "over unix");
        CO_ASSERT(client.extra<attr::family>() == AF_UNIX);
        co_await client.aclose();
        CO_ASSERT(co_await receive_all(server) == "");
        co_await server.aclose();
    });
}
