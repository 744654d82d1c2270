// The frame-free socket awaiters, in both forms: with an operation of their
// own, and on an operation the caller keeps (the ...On form).
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <coronet/coronet.hpp>
#include <coronet/net/socket_awaiters.hpp>

using namespace coronet;
using namespace coronet::net;

namespace {

std::string pattern(std::size_t size) {
    std::string data(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        data[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return data;
}

Task<std::string> receive_all(Socket& socket) {
    std::string received;
    for (;;) {
        Bytes chunk = co_await ReceiveAwaiter(socket, 65536);
        if (chunk.empty()) co_return received;
        received += chunk.str();
    }
}

}  // namespace

TEST(SocketAwaiters, ReceiveReturnsDataThenEmptyAtEof) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        co_await SendAllAwaiter(a, "hello");
        a.shutdown(SHUT_WR);
        Bytes first = co_await ReceiveAwaiter(b, 3);
        EXPECT_EQ(first.str(), "hel");
        EXPECT_EQ((co_await ReceiveAwaiter(b, 100)).str(), "lo");
        EXPECT_TRUE((co_await ReceiveAwaiter(b, 100)).empty());
    });
}

TEST(SocketAwaiters, ReceiveOnADatagramSocketKeepsWholeLargeDatagrams) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
        const std::string big = pattern(60000);  // larger than a provided buffer
        co_await SendAllAwaiter(a, big);
        EXPECT_EQ((co_await ReceiveAwaiter(b, 65536)).str(), big);
    });
}

TEST(SocketAwaiters, SendAllDeliversMoreThanOneSendTakesInOrder) {
    // Far more than the socket buffers hold, so the send completes in many
    // partial writes resubmitted from the operation's completion.
    const std::string big = pattern(8 << 20);
    run([&]() -> Task<void> {
        auto [a, b] = socketpair();
        std::string received;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await SendAllAwaiter(a, big);
                a.shutdown(SHUT_WR);
            });
            received = co_await receive_all(b);
        });
        EXPECT_EQ(received.size(), big.size());
        EXPECT_TRUE(received == big);
    });
}

TEST(SocketAwaiters, SendAllOfNothingReturnsAtOnce) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        co_await SendAllAwaiter(a, BytesView());
        a.close();
        EXPECT_TRUE((co_await ReceiveAwaiter(b, 10)).empty());
    });
}

TEST(SocketAwaiters, CancelledSendAllDeliveredAPrefixAndNothingMore) {
    const std::string big = pattern(16 << 20);
    run([&]() -> Task<void> {
        auto [a, b] = socketpair();
        // Nobody reads yet: the send fills the buffers and waits.
        auto send_everything = [&]() -> Task<void> { co_await SendAllAwaiter(a, big); };
        const bool completed =
            co_await move_on_after(std::chrono::milliseconds(20), send_everything());
        EXPECT_FALSE(completed);
        a.shutdown(SHUT_WR);
        const std::string received = co_await receive_all(b);
        EXPECT_LT(received.size(), big.size());
        EXPECT_TRUE(big.compare(0, received.size(), received) == 0);
    });
}

TEST(SocketAwaiters, SendAllToAClosedPeerRaisesOSError) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        b.close();
        const std::string data = pattern(1 << 20);
        int error = 0;
        try {
            co_await SendAllAwaiter(a, data);
        } catch (const OSError& e) {
            error = e.error_number();
        }
        EXPECT_EQ(error, EPIPE);
    });
}

TEST(SocketAwaiters, ClosingTheSocketWhileSendAllWaitsRaisesClosedResourceError) {
    const std::string big = pattern(16 << 20);
    run([&]() -> Task<void> {
        auto [a, b] = socketpair();
        bool closed_error = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                try {
                    co_await SendAllAwaiter(a, big);
                } catch (const ClosedResourceError&) {
                    closed_error = true;
                }
            });
            co_await sleep(std::chrono::milliseconds(10));
            a.close();
        });
        EXPECT_TRUE(closed_error);
    });
}

TEST(SocketAwaiters, OperationsOnAClosedSocketRaiseClosedResourceError) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        a.close();
        EXPECT_THROW(co_await ReceiveAwaiter(a, 10), ClosedResourceError);
        EXPECT_THROW(co_await SendAllAwaiter(a, "x"), ClosedResourceError);
    });
}

TEST(SocketAwaitersOn, OneKeptOperationServesEveryKindOfReceiveInTurn) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        backend::Operation receive_op;
        backend::Operation send_op;
        co_await SendAllAwaiterOn(a, send_op, "abcdef");
        co_await SendAllAwaiterOn(a, send_op, "ghi");
        a.shutdown(SHUT_WR);
        std::string got;
        for (int turn = 0; got.size() < 9 && turn < 30; ++turn) {
            switch (turn % 3) {
                case 0:
                    got += (co_await ReceiveAwaiterOn(b, receive_op, 2)).str();
                    break;
                case 1: {
                    LentBytes lent = co_await ReceiveLentAwaiterOn(b, receive_op, 2);
                    got += std::string(lent.view().str());
                    break;
                }
                default: {
                    std::array<std::byte, 2> buffer{};
                    const std::size_t n = co_await ReceiveIntoAwaiterOn(b, receive_op, buffer);
                    got += std::string(reinterpret_cast<const char*>(buffer.data()), n);
                }
            }
        }
        EXPECT_EQ(got, "abcdefghi");
        EXPECT_TRUE((co_await ReceiveLentAwaiterOn(b, receive_op, 2)).empty());
        EXPECT_TRUE((co_await ReceiveAwaiterOn(b, receive_op, 2)).empty());
    });
}

TEST(SocketAwaitersOn, AKeptOperationWorksAgainAfterItsAwaitWasCancelled) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        backend::Operation receive_op;
        // Nothing to read: the scope's deadline cancels the waiting receive.
        std::optional<LentBytes> nothing = co_await move_on_after(
            std::chrono::milliseconds(10), ReceiveLentAwaiterOn(b, receive_op, 16));
        EXPECT_FALSE(nothing.has_value());
        co_await SendAllAwaiter(a, "after");
        std::optional<Bytes> data =
            co_await move_on_after(std::chrono::seconds(10), ReceiveAwaiterOn(b, receive_op, 16));
        EXPECT_EQ(data.value_or(Bytes()).str(), "after");
    });
}

TEST(SocketAwaitersOn, AKeptSendOperationCarriesABigSendAcrossPartialWrites) {
    const std::string big = pattern(4 << 20);
    run([&]() -> Task<void> {
        auto [a, b] = socketpair();
        backend::Operation send_op;
        std::string received;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                for (int round = 0; round < 2; ++round)
                    co_await SendAllAwaiterOn(a, send_op, big);
                a.shutdown(SHUT_WR);
            });
            received = co_await receive_all(b);
        });
        EXPECT_EQ(received.size(), 2 * big.size());
        EXPECT_TRUE(received == big + big);
    });
}

// A send that had to wait finishes through its own completion (which resends
// the rest); the receive after it on the same operation must wake its task
// through the ordinary one. Both wait here, on either backend.
TEST(SocketAwaitersOn, AKeptOperationGoesFromAWaitingSendToAWaitingReceive) {
    const std::string big = pattern(8 << 20);
    run([&]() -> Task<void> {
        auto [a, b] = socketpair();
        backend::Operation op;
        std::string received;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await SendAllAwaiterOn(a, op, big);
                // Nothing has been sent to `a` yet: this receive waits.
                EXPECT_EQ((co_await ReceiveAwaiterOn(a, op, 64)).str(), "reply");
            });
            // Let the send fill the socket buffers and wait before reading.
            co_await sleep(std::chrono::milliseconds(5));
            while (received.size() < big.size()) {
                received += (co_await ReceiveAwaiter(b, 65536)).str();
            }
            co_await sleep(std::chrono::milliseconds(5));
            co_await SendAllAwaiter(b, "reply");
        });
        EXPECT_TRUE(received == big);
    });
}

TEST(SocketAwaitersOn, AKeptOperationWorksAgainAfterACancelledPartialSend) {
    const std::string big = pattern(16 << 20);
    run([&]() -> Task<void> {
        auto [a, b] = socketpair();
        backend::Operation op;
        // Nobody reads: the send fills the buffers, waits and is cancelled.
        const bool sent_everything =
            co_await move_on_after(std::chrono::milliseconds(10), SendAllAwaiterOn(a, op, big));
        EXPECT_FALSE(sent_everything);
        co_await SendAllAwaiterOn(b, op, "the other way");
        std::string got;
        while (got.size() < 13)
            got += (co_await ReceiveAwaiterOn(a, op, 64)).str();
        EXPECT_EQ(got, "the other way");
    });
}

TEST(SocketAwaitersOn, AKeptOperationTakesTurnsBetweenItsOwnBufferAndAProvidedOne) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
        backend::Operation op;
        const std::string big = pattern(100000);  // larger than a provided buffer
        for (int round = 0; round < 3; ++round) {
            co_await SendAllAwaiter(a, big);
            co_await SendAllAwaiter(a, "small");
            EXPECT_EQ((co_await ReceiveAwaiterOn(b, op, big.size())).str(), big);
            LentBytes small = co_await ReceiveLentAwaiterOn(b, op, 64);
            EXPECT_EQ(std::string(small.view().str()), "small");
        }
    });
}

TEST(SocketAwaitersOn, OnAClosedSocketTheyRaiseClosedResourceErrorAndTheOperationStaysUsable) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        auto [c, d] = socketpair();
        backend::Operation op;
        a.close();
        EXPECT_THROW(co_await ReceiveLentAwaiterOn(a, op, 10), ClosedResourceError);
        EXPECT_THROW(co_await SendAllAwaiterOn(a, op, "x"), ClosedResourceError);
        co_await SendAllAwaiterOn(c, op, "y");
        EXPECT_EQ((co_await ReceiveAwaiterOn(d, op, 10)).str(), "y");
    });
}
