// BufferedByteReceiveStream, text streams and StapledByteStream, over the
// in-memory pair.
#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <coronet/stream/stream.hpp>
#include <coronet/testing/memory_byte_stream.hpp>

using namespace coronet;
using coronet::testing::create_memory_byte_stream_pair;

TEST(BufferedByteReceiveStream, ReceiveExactlyAndUntil) {
    run([]() -> Task<void> {
        auto a_b_pair = create_memory_byte_stream_pair();
        auto& a = a_b_pair.first;
        auto& b = a_b_pair.second;
        BufferedByteReceiveStream in(*b);
        co_await a->send("GET / HTTP/1.0\r\nHost: x\r\n\r\n12345");
        EXPECT_EQ((co_await in.receive_until("\r\n", 100)).str(), "GET / HTTP/1.0");
        EXPECT_EQ((co_await in.receive_until("\r\n\r\n", 100)).str(), "Host: x");
        EXPECT_EQ((co_await in.receive_exactly(3)).str(), "123");
        EXPECT_EQ(in.buffer().str(), "45");
        co_await a->send("6789");
        EXPECT_EQ((co_await in.receive_exactly(6)).str(), "456789");
        // A delimiter split across receives.
        co_await a->send("ab|");
        co_await a->send("|cd");
        EXPECT_EQ((co_await in.receive_until("||", 100)).str(), "ab");
        EXPECT_EQ((co_await in.receive(10)).str(), "cd");
        co_await a->send("xyz");
        co_await a->send_eof();
        try {
            (void)co_await in.receive_exactly(5);
            ADD_FAILURE();
        } catch (const IncompleteRead& e) {
            EXPECT_EQ(e.partial().str(), "xyz");
            EXPECT_EQ(e.expected(), 5u);
        }
        EXPECT_THROW((void)co_await in.receive(), EndOfStream);
    });
}

TEST(BufferedByteReceiveStream, DelimiterNotFoundPastTheLimit) {
    run([]() -> Task<void> {
        auto a_b_pair = create_memory_byte_stream_pair();
        auto& a = a_b_pair.first;
        auto& b = a_b_pair.second;
        BufferedByteReceiveStream in(*b);
        co_await a->send("0123456789\n");
        EXPECT_THROW((void)co_await in.receive_until("\n", 5), DelimiterNotFound);
        EXPECT_EQ(in.buffer().str(), "0123456789\n");  // left buffered
        EXPECT_EQ((co_await in.receive_until("\n", 10)).str(), "0123456789");
        co_await a->send("no end");
        co_await a->aclose();
        EXPECT_THROW((void)co_await in.receive_until("\n", 100), IncompleteRead);
        EXPECT_THROW((void)co_await in.receive_until("", 100), std::invalid_argument);
    });
}

TEST(TextStream, MultibyteCharactersAreNeverSplit) {
    run([]() -> Task<void> {
        auto a_b_pair = create_memory_byte_stream_pair();
        auto& a = a_b_pair.first;
        auto& b = a_b_pair.second;
        TextStream text(*b);
        const std::string s = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80";  // héllo € 😀
        std::string got;
        // Byte by byte: every partial character is held back.
        for (char c : s) {
            co_await a->send(std::string_view(&c, 1));
            if (b->buffered() == 0) continue;
        }
        co_await a->send_eof();
        try {
            for (;;) {
                std::string piece = co_await text.receive();
                EXPECT_EQ(utf8_complete_prefix(piece), piece.size());
                got += piece;
            }
        } catch (const EndOfStream&) {
        }
        EXPECT_EQ(got, s);
        co_await text.send("r\xC3\xA9ponse");
        EXPECT_EQ((co_await a->receive()).str(), "r\xC3\xA9ponse");
    });
}

TEST(TextStream, InvalidUtf8IsAClearError) {
    run([]() -> Task<void> {
        auto a_b_pair = create_memory_byte_stream_pair();
        auto& a = a_b_pair.first;
        auto& b = a_b_pair.second;
        TextStream text(*b);
        co_await a->send("ok\xFFno");
        EXPECT_THROW((void)co_await text.receive(), UnicodeDecodeError);
        EXPECT_THROW(co_await text.send("\xC3"), UnicodeDecodeError);
        EXPECT_THROW(utf8_complete_prefix("\xED\xA0\x80"), UnicodeDecodeError);  // surrogate
        EXPECT_THROW(utf8_complete_prefix("\xC0\x80"), UnicodeDecodeError);      // overlong
        EXPECT_EQ(utf8_complete_prefix("a\xE2\x82"), 1u);                        // incomplete
        // The stream ends inside a character.
        auto c_d_pair = create_memory_byte_stream_pair();
        auto& c = c_d_pair.first;
        auto& d = c_d_pair.second;
        TextReceiveStream in(*d);
        co_await c->send("\xE2\x82");
        co_await c->send_eof();
        EXPECT_THROW((void)co_await in.receive(), UnicodeDecodeError);
    });
}

TEST(StapledByteStream, SendsOnOneReceivesOnTheOther) {
    run([]() -> Task<void> {
        auto out_a_out_b_pair = create_memory_byte_stream_pair();
        auto& out_a = out_a_out_b_pair.first;
        auto& out_b = out_a_out_b_pair.second;
        auto in_a_in_b_pair = create_memory_byte_stream_pair();
        auto& in_a = in_a_in_b_pair.first;
        auto& in_b = in_a_in_b_pair.second;
        auto* peer_out = out_b.get();
        auto* peer_in = in_a.get();
        StapledByteStream both(std::move(out_a), std::move(in_b));
        co_await both.send("to peer");
        EXPECT_EQ((co_await peer_out->receive()).str(), "to peer");
        co_await peer_in->send("from peer");
        EXPECT_EQ((co_await both.receive()).str(), "from peer");
        co_await both.send_eof();
        EXPECT_THROW((void)co_await peer_out->receive(), EndOfStream);
        co_await both.aclose();
        EXPECT_THROW((void)co_await both.receive(), ClosedResourceError);
    });
}
