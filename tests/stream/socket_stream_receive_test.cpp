// SocketStream's three receives (receive, receive_lent, receive_into) and
// ByteStream::receive_into's default implementation.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <span>
#include <string>

#include <coronet/testing/memory_byte_stream.hpp>

#include "stream/stream_test_support.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
std::string text(BytesView view) {
    return std::string(view.str());
}
}  // namespace

TEST(SocketStreamReceive, LentThenEndOfStream) {
    stream_test::run_with_tcp_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        co_await client.send("ping");
        co_await client.send_eof();
        std::string got;
        for (int i = 0; i < 10 && got.size() < 4; ++i) {
            LentBytes chunk = co_await server.receive_lent(2);
            EXPECT_LE(chunk.size(), 2u);
            got += text(chunk);
        }
        EXPECT_EQ(got, "ping");
        EXPECT_THROW((void)co_await server.receive_lent(), EndOfStream);
        EXPECT_THROW((void)co_await server.receive_lent(0), std::invalid_argument);
    });
}

TEST(SocketStreamReceive, LentBytesEchoBackWithoutACopy) {
    stream_test::run_with_unix_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        for (int i = 0; i < 300; ++i) {
            const std::string message = "message " + std::to_string(i);
            co_await client.send(message);
            std::string echoed;
            while (echoed.size() < message.size()) {
                LentBytes chunk = co_await server.receive_lent();
                co_await server.send(chunk);
                echoed += text(co_await client.receive());
            }
            EXPECT_EQ(echoed, message);
        }
    });
}

TEST(SocketStreamReceive, IntoTheCallersBufferThenEndOfStream) {
    stream_test::run_with_tcp_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        co_await client.send("abcdef");
        co_await client.aclose();
        std::array<std::byte, 4> buffer{};
        std::string got;
        for (int i = 0; i < 10 && got.size() < 6; ++i) {
            const std::size_t n = co_await server.receive_into(buffer);
            got += text(BytesView(buffer.data(), n));
        }
        EXPECT_EQ(got, "abcdef");
        EXPECT_THROW((void)co_await server.receive_into(buffer), EndOfStream);
        EXPECT_THROW((void)co_await server.receive_into(std::span<std::byte>()),
                     std::invalid_argument);
    });
}

TEST(SocketStreamReceive, ThroughTheInterfaceReceiveIntoReadsTheSocket) {
    stream_test::run_with_unix_pair([](SocketStream& client, ByteStream& server) -> Task<void> {
        co_await client.send("xyz");
        std::array<std::byte, 16> buffer{};
        const std::size_t n = co_await server.receive_into(buffer);
        EXPECT_GE(n, 1u);
        EXPECT_EQ(text(BytesView(buffer.data(), n)), std::string("xyz").substr(0, n));
    });
}

TEST(SocketStreamReceive, AfterPeerResetLentIsBroken) {
    stream_test::run_with_tcp_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        co_await stream_test::reset_connection(client);
        try {
            (void)co_await server.receive_lent();
            ADD_FAILURE() << "receive_lent after a reset returned data";
        } catch (const BrokenResourceError& e) {
            EXPECT_EQ(e.error_number(), ECONNRESET);
        }
    });
}

TEST(SocketStreamReceive, SecondReceiverOfAnyKindIsBusy) {
    stream_test::run_with_unix_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        bool lent_busy = false;
        bool into_busy = false;
        std::string first;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> { first = text(co_await server.receive()); });
            co_await sleep(5ms);
            try {
                (void)co_await server.receive_lent();
            } catch (const BusyResourceError&) {
                lent_busy = true;
            }
            std::array<std::byte, 4> buffer{};
            try {
                (void)co_await server.receive_into(buffer);
            } catch (const BusyResourceError&) {
                into_busy = true;
            }
            co_await client.send("x");
        });
        EXPECT_TRUE(lent_busy);
        EXPECT_TRUE(into_busy);
        // The refused receives left the waiting one's operation alone.
        EXPECT_EQ(first, "x");
        // The flag was cleared: a receive works again.
        co_await client.send("y");
        EXPECT_EQ(text(co_await server.receive_lent()), "y");
    });
}

// The three receives share the stream's one receive operation, which a
// cancelled receive leaves ready for the next; a moved stream gets operations
// of its own.
TEST(SocketStreamReceive, EveryKindAndACancelledOneTakeTurnsWithoutLosingBytes) {
    stream_test::run_with_tcp_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        std::string got;
        std::string sent;
        for (int round = 0; round < 20; ++round) {
            const std::string message = "round " + std::to_string(round) + ";";
            sent += message;
            if (round % 4 == 3) {
                std::optional<LentBytes> nothing =
                    co_await move_on_after(1ms, server.receive_lent());
                EXPECT_FALSE(nothing.has_value());
            }
            co_await client.send(message);
            while (got.size() < sent.size()) {
                switch (round % 3) {
                    case 0:
                        got += text(co_await server.receive(3));
                        break;
                    case 1:
                        got += text(co_await server.receive_lent(3));
                        break;
                    default: {
                        std::array<std::byte, 3> buffer{};
                        const std::size_t n = co_await server.receive_into(buffer);
                        got += std::string(reinterpret_cast<const char*>(buffer.data()), n);
                    }
                }
            }
        }
        EXPECT_EQ(got, sent);
        SocketStream moved = std::move(server);
        co_await client.send("to the moved stream");
        co_await client.send_eof();
        std::string rest;
        try {
            for (;;)
                rest += text(co_await moved.receive_lent());
        } catch (const EndOfStream&) {
        }
        EXPECT_EQ(rest, "to the moved stream");
        co_await moved.send("back");
        EXPECT_EQ(text(co_await client.receive()), "back");
    });
}

TEST(ByteStreamReceiveInto, DefaultImplementationCopiesFromReceive) {
    run([]() -> Task<void> {
        auto [a, b] = coronet::testing::create_memory_byte_stream_pair();
        co_await a->send("memory");
        co_await a->send_eof();
        ByteStream& reader = *b;
        std::array<std::byte, 4> buffer{};
        std::string got;
        for (int i = 0; i < 10 && got.size() < 6; ++i) {
            const std::size_t n = co_await reader.receive_into(buffer);
            EXPECT_GE(n, 1u);
            EXPECT_LE(n, buffer.size());
            got += text(BytesView(buffer.data(), n));
        }
        EXPECT_EQ(got, "memory");
        EXPECT_THROW((void)co_await reader.receive_into(buffer), EndOfStream);
        EXPECT_THROW((void)co_await reader.receive_into(std::span<std::byte>()),
                     std::invalid_argument);
    });
}
