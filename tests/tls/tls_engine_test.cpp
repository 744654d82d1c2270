// TLSEngine driven by hand: no I/O, the test moves the bytes.
#include <gtest/gtest.h>

#include "tls/tls_test_support.hpp"

using coronet::Bytes;
using coronet::TLSEngine;

namespace {

// Moves ciphertext both ways until neither side has any.
void shuttle(TLSEngine& a, TLSEngine& b) {
    for (int i = 0; i < 100 && (a.pending_ciphertext() || b.pending_ciphertext()); ++i) {
        b.receive_ciphertext(a.take_ciphertext());
        a.receive_ciphertext(b.take_ciphertext());
    }
}

void handshake(TLSEngine& client, TLSEngine& server) {
    for (int i = 0; i < 20; ++i) {
        const auto c = client.do_handshake();
        const auto s = server.do_handshake();
        shuttle(client, server);
        if (c == TLSEngine::Status::ok && s == TLSEngine::Status::ok) return;
    }
    FAIL() << "handshake did not finish";
}

}  // namespace

TEST(TlsEngine, HandshakeReadWriteAndCloseNotifyWithoutIo) {
    TLSEngine client(tls_test::client_context(), false, "localhost");
    TLSEngine server(tls_test::server_context(), true);
    EXPECT_EQ(client.version(), "");
    EXPECT_THROW(client.write("early"), std::logic_error);
    handshake(client, server);
    EXPECT_TRUE(client.handshake_done());
    EXPECT_EQ(client.version(), "TLSv1.3");
    EXPECT_EQ(server.requested_server_name(), "localhost");
    EXPECT_TRUE(server.server_side());
    client.write("ping");
    shuttle(client, server);
    Bytes got;
    ASSERT_EQ(server.read(got, 100), TLSEngine::Status::ok);
    EXPECT_EQ(got.str(), "ping");
    got.clear();
    EXPECT_EQ(server.read(got, 100), TLSEngine::Status::want_input);
    EXPECT_THROW(server.read(got, 0), std::invalid_argument);
    // TLS 1.3 half-close: the client's close_notify, the server still writes.
    client.shutdown();
    EXPECT_TRUE(client.shutdown_sent());
    EXPECT_THROW(client.write("late"), std::logic_error);
    shuttle(client, server);
    EXPECT_EQ(server.read(got, 100), TLSEngine::Status::closed);
    EXPECT_TRUE(server.shutdown_received());
    server.write("pong");
    shuttle(client, server);
    ASSERT_EQ(client.read(got, 100), TLSEngine::Status::ok);
    EXPECT_EQ(got.str(), "pong");
    // unwrap: ours was sent, the peer's arrives, then plain bytes follow.
    EXPECT_EQ(client.unwrap(), TLSEngine::Status::want_input);
    EXPECT_EQ(server.unwrap(), TLSEngine::Status::ok);
    Bytes tail = server.take_ciphertext();
    tail.append(coronet::BytesView("plain"));
    client.receive_ciphertext(tail);
    EXPECT_EQ(client.unwrap(), TLSEngine::Status::ok);
    EXPECT_EQ(client.take_unprocessed_input().str(), "plain");
}

TEST(TlsEngine, ReadMaxBytesKeepsTheRestForLater) {
    TLSEngine client(tls_test::client_context(), false, "localhost");
    TLSEngine server(tls_test::server_context(), true);
    handshake(client, server);
    client.write("abcdef");
    shuttle(client, server);
    Bytes got;
    ASSERT_EQ(server.read(got, 4), TLSEngine::Status::ok);
    ASSERT_EQ(server.read(got, 4), TLSEngine::Status::ok);
    EXPECT_EQ(got.str(), "abcdef");
}

TEST(TlsEngine, CiphertextBuffersAreTakenOverOrAppended) {
    TLSEngine client(tls_test::client_context(), false, "localhost");
    TLSEngine server(tls_test::server_context(), true);
    handshake(client, server);
    client.write("first record");
    client.write("second record");
    Bytes wire = client.take_ciphertext();
    ASSERT_GT(wire.size(), 10u);
    const coronet::BytesView all = wire.view();
    // Split anywhere: the first piece is taken over (nothing queued), the
    // next ones are appended to what the engine has not consumed yet.
    Bytes head(all.subview(0, 3));
    Bytes middle(all.subview(3, all.size() - 10));
    Bytes tail(all.subview(all.size() - 7));
    server.adopt_ciphertext(std::move(head));
    Bytes got;
    EXPECT_EQ(server.read(got, 100), TLSEngine::Status::want_input);
    server.adopt_ciphertext(std::move(middle));
    server.adopt_ciphertext(std::move(tail));
    while (server.read(got, 100) == TLSEngine::Status::ok) {
    }
    EXPECT_EQ(got.str(), "first recordsecond record");
    // A buffer given while input is still queued is appended behind it.
    server.write("reply");
    Bytes reply = server.take_ciphertext();
    Bytes rest(reply.view().subview(5));
    client.receive_ciphertext(coronet::BytesView(reply.view().subview(0, 5)));
    client.adopt_ciphertext(std::move(rest));
    Bytes answer;
    ASSERT_EQ(client.read(answer, 100), TLSEngine::Status::ok);
    EXPECT_EQ(answer.str(), "reply");
}

// Found by the soak: read() sized its output by max_bytes, so a chunk of a
// few bytes held 64 KiB of heap for as long as its owner kept it.
TEST(TlsEngine, ReadHoldsOnlyWhatCame) {
    TLSEngine client(tls_test::client_context(), false, "localhost");
    TLSEngine server(tls_test::server_context(), true);
    handshake(client, server);
    client.write("ping");
    shuttle(client, server);
    Bytes got;
    ASSERT_EQ(server.read(got, 65536), TLSEngine::Status::ok);
    EXPECT_EQ(got.str(), "ping");
    EXPECT_LT(got.capacity(), 1024u);
    EXPECT_EQ(server.read(got, 65536), TLSEngine::Status::want_input);
    EXPECT_EQ(got.str(), "ping");
}

// Records of the largest size, read with a larger max_bytes, arrive whole
// and in order, a record or less per call.
TEST(TlsEngine, LargeWritesReadBackWithLargeMaxBytes) {
    TLSEngine client(tls_test::client_context(), false, "localhost");
    TLSEngine server(tls_test::server_context(), true);
    handshake(client, server);
    std::string sent(100000, '\0');
    for (std::size_t i = 0; i < sent.size(); ++i)
        sent[i] = static_cast<char>(i * 7 % 251);
    client.write(coronet::BytesView(sent.data(), sent.size()));
    shuttle(client, server);
    Bytes got;
    for (int i = 0; i < 1000 && got.size() < sent.size(); ++i) {
        const std::size_t before = got.size();
        ASSERT_EQ(server.read(got, 65536), TLSEngine::Status::ok);
        EXPECT_LE(got.size() - before, 16384u);
    }
    EXPECT_EQ(got.str(), sent);
}

// read() decrypts into `out` itself: a fresh buffer grows to the record's
// size, one with room enough is filled in place, and a failed read leaves
// it as it was.
TEST(TlsEngine, ReadFillsTheOutputInPlace) {
    TLSEngine client(tls_test::client_context(), false, "localhost");
    TLSEngine server(tls_test::server_context(), true);
    handshake(client, server);
    const std::string record(16384, 'r');
    client.write(record);
    client.write("second");
    client.write("third");
    shuttle(client, server);
    Bytes whole;
    ASSERT_EQ(server.read(whole, 65536), TLSEngine::Status::ok);
    EXPECT_EQ(whole.str(), record);
    EXPECT_EQ(whole.capacity(), record.size());
    // Spare capacity is used as it is, behind what the buffer holds.
    Bytes roomy("head:");
    roomy.reserve(65536);
    const std::byte* storage = roomy.data();
    ASSERT_EQ(server.read(roomy, 65536), TLSEngine::Status::ok);
    EXPECT_EQ(roomy.str(), "head:second");
    EXPECT_EQ(roomy.data(), storage);
    EXPECT_EQ(roomy.capacity(), 65536u);
    // A record read a byte at a time.
    Bytes bytewise;
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(server.read(bytewise, 1), TLSEngine::Status::ok);
    EXPECT_EQ(bytewise.str(), "third");
    EXPECT_EQ(server.read(bytewise, 1), TLSEngine::Status::want_input);
    // A forged record: SSLError, and `out` keeps what it had.
    std::string forged("\x17\x03\x03\x00\x20", 5);
    forged.append(32, 'x');
    server.receive_ciphertext(forged);
    Bytes kept("kept");
    kept.reserve(100);
    EXPECT_THROW(server.read(kept, 65536), coronet::SSLError);
    EXPECT_EQ(kept.str(), "kept");
}

TEST(TlsEngine, GarbageFromThePeerIsAnSslError) {
    TLSEngine server(tls_test::server_context(), true);
    server.receive_ciphertext("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    try {
        server.do_handshake();
        FAIL() << "no error";
    } catch (const coronet::SSLError& e) {
        EXPECT_NE(std::string(e.what()).find("TLS handshake failed"), std::string::npos)
            << e.what();
        EXPECT_FALSE(e.reason().empty());
    }
}

TEST(TlsEngine, ConstructorChecksItsArguments) {
    EXPECT_THROW(TLSEngine(nullptr, false, "x"), std::invalid_argument);
    EXPECT_THROW(TLSEngine(tls_test::server_context(), false, "x"), std::invalid_argument);
    EXPECT_THROW(TLSEngine(tls_test::client_context(), true), std::invalid_argument);
    try {
        TLSEngine(tls_test::client_context(), false, "");
        FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("check_hostname"), std::string::npos);
    }
    // Without hostname checking, no name is fine.
    auto ctx = tls_test::client_context();
    ctx->set_check_hostname(false);
    TLSEngine ok(ctx, false, "");
    EXPECT_EQ(ok.context(), ctx);
    EXPECT_NE(ok.native_handle(), nullptr);
}
