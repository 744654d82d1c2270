// A TLSStream whose session fails on a record it cannot decrypt tells the
// peer why, with the alert OpenSSL queued, as it does after a failed
// handshake: the peer sees "bad record mac" instead of a bare close.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "tls/tls_test_support.hpp"

using coronet::Bytes;
using coronet::ByteStream;
using coronet::Task;
using coronet::TLSEngine;
using coronet::TLSStream;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Feeds what arrives on `raw` to `engine` until reading fails; the failure's
// message, or what ended the wait without one.
Task<std::string> read_until_failure(TLSEngine& engine, ByteStream& raw) {
    for (int i = 0; i < 1000; ++i) {
        try {
            Bytes out;
            (void)engine.read(out, 4096);
        } catch (const coronet::SSLError& e) {
            co_return std::string(e.what());
        }
        std::optional<Bytes> in;
        try {
            in = co_await raw.receive();
        } catch (const coronet::EndOfStream&) {
            co_return std::string("the stream ended without an alert");
        } catch (const coronet::BrokenResourceError&) {
            co_return std::string("the stream was reset without an alert");
        }
        engine.receive_ciphertext(std::move(*in));
    }
    co_return std::string("no alert in 1000 reads");
}

Task<void> forged_record_is_answered_with_an_alert(std::unique_ptr<ByteStream> client_side,
                                                   std::unique_ptr<ByteStream> raw) {
    TLSEngine server(tls_test::server_context(), true);
    TLSStream client = co_await tls_test::client_over_engine(server, std::move(client_side), *raw);
    co_await raw->send(tls_test::forged_record());
    const auto failure = co_await tls_test::message_of<coronet::SSLError>(client.receive());
    CO_ASSERT(contains(failure, "TLS read failed"));
    // Bounded: before the fix nothing came and the stream stayed open.
    std::optional<std::string> heard =
        co_await coronet::move_on_after(30s, read_until_failure(server, *raw));
    CO_ASSERT(heard.has_value());
    EXPECT_TRUE(contains(*heard, "alert bad record mac")) << *heard;
    // The failure is still what receive() raises, and closing still works.
    const auto again = co_await tls_test::message_of<coronet::SSLError>(client.receive());
    EXPECT_EQ(again, failure);
    co_await client.aclose();
    co_await raw->aclose();
}

}  // namespace

TEST(TlsAlert, AForgedRecordIsAnsweredWithBadRecordMacOverMemory) {
    tls_test::run([]() -> Task<void> {
        auto [a, b] = coronet::testing::create_memory_byte_stream_pair();
        co_await forged_record_is_answered_with_an_alert(std::move(a), std::move(b));
    });
}

TEST(TlsAlert, AForgedRecordIsAnsweredWithBadRecordMacOverTcp) {
    tls_test::run([]() -> Task<void> {
        auto [c, s] = co_await tls_test::tcp_pair();
        co_await forged_record_is_answered_with_an_alert(
            std::make_unique<coronet::SocketStream>(std::move(c)),
            std::make_unique<coronet::SocketStream>(std::move(s)));
    });
}
