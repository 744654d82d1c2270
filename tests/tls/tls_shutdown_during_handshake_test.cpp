// Closing a TLS session whose handshake has not finished (or that failed):
// TLSEngine refuses shutdown()/unwrap() with SSLError "shutdown while in
// init", as Python's SSLObject.unwrap() does, and the handshake goes on;
// TLSStream never meets that case (wrap() returns after the handshake) and
// closes the wrapped stream, without close_notify, when wrap() is cancelled
// or the session failed.
#include <gtest/gtest.h>

#include "tls/tls_test_support.hpp"

using coronet::Bytes;
using coronet::ByteStream;
using coronet::BytesView;
using coronet::Task;
using coronet::TLSEngine;
using coronet::TLSStream;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void shuttle(TLSEngine& a, TLSEngine& b) {
    for (int i = 0; i < 100 && (a.pending_ciphertext() || b.pending_ciphertext()); ++i) {
        b.receive_ciphertext(a.take_ciphertext());
        a.receive_ciphertext(b.take_ciphertext());
    }
}

// Calls `step` (shutdown or unwrap), which must be refused with `why`.
template <class Step>
void expect_refused(TLSEngine& engine, Step step, const std::string& why) {
    const std::size_t queued = engine.pending_ciphertext();
    try {
        step();
        ADD_FAILURE() << "accepted";
    } catch (const coronet::SSLError& e) {
        EXPECT_TRUE(contains(e.what(), "TLS shutdown failed: shutdown while in init")) << e.what();
        EXPECT_TRUE(contains(e.what(), why)) << e.what();
        EXPECT_EQ(e.reason(), "shutdown while in init");
    }
    EXPECT_FALSE(engine.shutdown_sent());
    EXPECT_EQ(engine.pending_ciphertext(), queued);  // no close_notify queued
}

void expect_refused(TLSEngine& engine, const std::string& why) {
    expect_refused(
        engine, [&] { engine.shutdown(); }, why);
    expect_refused(
        engine, [&] { (void)engine.unwrap(); }, why);
}

}  // namespace

TEST(TlsShutdownDuringHandshake, EngineRefusesItAndTheHandshakeGoesOn) {
    TLSEngine client(tls_test::client_context(), false, "localhost");
    TLSEngine server(tls_test::server_context(), true);
    // Before anything was sent, and with each flight in the air.
    expect_refused(client, "the handshake has not finished");
    expect_refused(server, "the handshake has not finished");
    ASSERT_EQ(client.do_handshake(), TLSEngine::Status::want_input);  // ClientHello queued
    expect_refused(client, "the handshake has not finished");
    server.receive_ciphertext(client.take_ciphertext());
    ASSERT_EQ(server.do_handshake(), TLSEngine::Status::want_input);  // ServerHello...Finished
    expect_refused(server, "the handshake has not finished");
    client.receive_ciphertext(server.take_ciphertext());
    ASSERT_EQ(client.do_handshake(), TLSEngine::Status::ok);
    server.receive_ciphertext(client.take_ciphertext());
    ASSERT_EQ(server.do_handshake(), TLSEngine::Status::ok);
    shuttle(client, server);
    // Nothing was harmed: data flows and close_notify works.
    client.write("after");
    shuttle(client, server);
    Bytes got;
    ASSERT_EQ(server.read(got, 100), TLSEngine::Status::ok);
    EXPECT_EQ(got.str(), "after");
    client.shutdown();
    EXPECT_TRUE(client.shutdown_sent());
    shuttle(client, server);
    EXPECT_EQ(server.unwrap(), TLSEngine::Status::ok);
    EXPECT_TRUE(server.shutdown_sent());
}

TEST(TlsShutdownDuringHandshake, EngineRefusesItAfterAFailedHandshake) {
    TLSEngine server(tls_test::server_context(), true);
    server.receive_ciphertext("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_THROW(server.do_handshake(), coronet::SSLError);
    expect_refused(
        server, [&] { server.shutdown(); }, "the session already failed");
}

namespace {

// A TLS record header: content type, version, length.
std::size_t record_length(BytesView header) {
    return (static_cast<std::size_t>(header[3]) << 8) | static_cast<std::size_t>(header[4]);
}

// Cancels a client's wrap() once its ClientHello reached `peer`: the
// wrapped stream is closed, and the peer gets nothing after the ClientHello
// (no alert, no close_notify), then EOF.
Task<void> cancel_wrap_in_the_handshake(std::unique_ptr<ByteStream> client_side,
                                        std::unique_ptr<ByteStream> peer) {
    coronet::CancelScope scope;
    std::optional<TLSStream> wrapped;
    std::string received;
    bool eof = false;
    co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            received += (co_await peer->receive()).str();
            scope.cancel();
            for (int i = 0; i < 1000 && !eof; ++i) {
                try {
                    received += (co_await peer->receive()).str();
                } catch (const coronet::EndOfStream&) {
                    eof = true;
                }
            }
        });
        auto result = co_await scope.run(
            TLSStream::wrap(std::move(client_side),
                            {.hostname = "localhost", .ssl_context = tls_test::client_context()}));
        if (result) wrapped.emplace(std::move(*result));
    });
    co_await peer->aclose();
    CO_ASSERT(!wrapped);
    CO_ASSERT(scope.cancelled_caught());
    CO_ASSERT(eof);
    CO_ASSERT(received.size() > 5 && received[0] == '\x16');  // a handshake record
    CO_ASSERT(received.size() == 5 + record_length(BytesView(received)));
}

}  // namespace

TEST(TlsShutdownDuringHandshake, CancelledWrapClosesTheStreamWithoutCloseNotify) {
    tls_test::run([]() -> Task<void> {
        auto [a, b] = coronet::testing::create_memory_byte_stream_pair();
        co_await cancel_wrap_in_the_handshake(std::move(a), std::move(b));
        auto [c, s] = co_await tls_test::tcp_pair();
        co_await cancel_wrap_in_the_handshake(
            std::make_unique<coronet::SocketStream>(std::move(c)),
            std::make_unique<coronet::SocketStream>(std::move(s)));
    });
}

namespace {

// After the session failed (a forged record), aclose() does not raise and
// closes the wrapped stream; unwrap() raises the failure receive() raised.
Task<void> close_a_failed_session(std::unique_ptr<ByteStream> client_side,
                                  std::unique_ptr<ByteStream> raw) {
    TLSEngine server(tls_test::server_context(), true);
    TLSStream client = co_await tls_test::client_over_engine(server, std::move(client_side), *raw);
    co_await raw->send(tls_test::forged_record());
    const auto failure = co_await tls_test::message_of<coronet::SSLError>(client.receive());
    CO_ASSERT(contains(failure, "TLS read failed"));
    const auto again = co_await tls_test::message_of<coronet::SSLError>(client.unwrap());
    CO_ASSERT(again == failure);
    co_await client.aclose();
    bool eof = false;
    for (int i = 0; i < 1000 && !eof; ++i) {
        try {
            (void)co_await raw->receive();  // the alert, if any
        } catch (const coronet::EndOfStream&) {
            eof = true;
        } catch (const coronet::BrokenResourceError&) {
            eof = true;  // a TCP reset: closed as well
        }
    }
    CO_ASSERT(eof);
    co_await raw->aclose();
}

}  // namespace

TEST(TlsShutdownDuringHandshake, FailedSessionClosesWithoutRaising) {
    tls_test::run([]() -> Task<void> {
        auto [a, b] = coronet::testing::create_memory_byte_stream_pair();
        co_await close_a_failed_session(std::move(a), std::move(b));
        auto [c, s] = co_await tls_test::tcp_pair();
        co_await close_a_failed_session(std::make_unique<coronet::SocketStream>(std::move(c)),
                                        std::make_unique<coronet::SocketStream>(std::move(s)));
    });
}
