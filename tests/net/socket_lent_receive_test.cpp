// ReceiveLentAwaiter (bytes lent from the driver's buffer), LentBytes, and
// ReceiveIntoAwaiter (bytes into the caller's buffer).
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include <coronet/coronet.hpp>
#include <coronet/net/lent_bytes.hpp>
#include <coronet/net/socket_awaiters.hpp>

using namespace coronet;
using namespace coronet::net;

namespace {

std::string text(BytesView view) {
    return std::string(view.str());
}

LentBytes owned_copy(std::string_view content) {
    auto* block = static_cast<std::byte*>(std::malloc(content.size()));
    std::memcpy(block, content.data(), content.size());
    return LentBytes::adopt_malloced(block, content.size());
}

}  // namespace

TEST(LentBytes, OwnedBytesMoveAndRelease) {
    LentBytes empty;
    EXPECT_TRUE(empty.empty());
    LentBytes owned = owned_copy("abc");
    EXPECT_EQ(text(owned.view()), "abc");
    LentBytes moved(std::move(owned));
    EXPECT_TRUE(owned.empty());  // NOLINT: moved-from is documented as empty
    EXPECT_EQ(text(moved), "abc");
    LentBytes other = owned_copy("de");
    other = std::move(moved);
    EXPECT_EQ(text(other), "abc");
    other.release();
    other.release();
    EXPECT_TRUE(other.empty());
    EXPECT_EQ(other.size(), 0u);
}

TEST(SocketLentReceive, ReturnsDataThenEmptyAtEof) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        co_await SendAllAwaiter(a, "hello");
        a.shutdown(SHUT_WR);
        LentBytes first = co_await ReceiveLentAwaiter(b, 3);
        EXPECT_EQ(text(first), "hel");
        first.release();
        EXPECT_EQ(text(co_await ReceiveLentAwaiter(b, 100)), "lo");
        EXPECT_TRUE((co_await ReceiveLentAwaiter(b, 100)).empty());
    });
}

TEST(SocketLentReceive, BuffersGoBackToThePool) {
    // Many more receives than the pool (or io_uring's ring) has buffers:
    // a buffer that was not given back would run the pool dry.
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        for (int i = 0; i < 2000; ++i) {
            const std::string message = "m" + std::to_string(i);
            co_await SendAllAwaiter(a, message);
            LentBytes got = co_await ReceiveLentAwaiter(b, 64);
            EXPECT_EQ(text(got), message);
            if (i % 2 == 0) {
                // Moved: the buffer follows the move and is returned once.
                LentBytes kept = std::move(got);
                EXPECT_EQ(text(kept), message);
            }
        }
    });
}

TEST(SocketLentReceive, SeveralLentAtOnceStayIntact) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        std::array<LentBytes, 8> held;
        for (std::size_t i = 0; i < held.size(); ++i) {
            co_await SendAllAwaiter(a, std::string(5, static_cast<char>('a' + i)));
            held[i] = co_await ReceiveLentAwaiter(b, 5);
        }
        for (std::size_t i = 0; i < held.size(); ++i)
            EXPECT_EQ(text(held[i]), std::string(5, static_cast<char>('a' + i)));
    });
}

TEST(SocketLentReceive, DatagramsLargerThanAProvidedBufferStayWhole) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
        std::string big(60000, 'x');
        for (std::size_t i = 0; i < big.size(); ++i)
            big[i] = static_cast<char>('a' + i % 26);
        co_await SendAllAwaiter(a, big);
        EXPECT_EQ(text(co_await ReceiveLentAwaiter(b, 65536)), big);
    });
}

TEST(SocketLentReceive, CancelledReceiveLosesNothing) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        auto wait = [&]() -> Task<void> { (void)co_await ReceiveLentAwaiter(b, 64); };
        EXPECT_FALSE(co_await move_on_after(std::chrono::milliseconds(10), wait()));
        co_await SendAllAwaiter(a, "after");
        EXPECT_EQ(text(co_await ReceiveLentAwaiter(b, 64)), "after");
    });
}

TEST(SocketLentReceive, ClosedSocketRaisesClosedResourceError) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        a.close();
        EXPECT_THROW(co_await ReceiveLentAwaiter(a, 10), ClosedResourceError);
        std::array<std::byte, 4> buffer{};
        EXPECT_THROW(co_await ReceiveIntoAwaiter(a, buffer), ClosedResourceError);
    });
}

TEST(SocketLentReceive, ClosingWhileWaitingRaisesClosedResourceError) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        bool closed_error = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                try {
                    (void)co_await ReceiveLentAwaiter(b, 10);
                } catch (const ClosedResourceError&) {
                    closed_error = true;
                }
            });
            co_await sleep(std::chrono::milliseconds(10));
            b.close();
        });
        EXPECT_TRUE(closed_error);
    });
}

TEST(SocketReceiveInto, FillsTheCallersBufferThenZeroAtEof) {
    run([]() -> Task<void> {
        auto [a, b] = socketpair();
        co_await SendAllAwaiter(a, "hello");
        a.shutdown(SHUT_WR);
        std::array<std::byte, 8> storage{};
        const std::span<std::byte> three(storage.data(), 3);
        EXPECT_EQ(co_await ReceiveIntoAwaiter(b, three), 3u);
        EXPECT_EQ(text(BytesView(storage.data(), 3)), "hel");
        EXPECT_EQ(storage[3], std::byte{0});
        EXPECT_EQ(co_await ReceiveIntoAwaiter(b, storage), 2u);
        EXPECT_EQ(text(BytesView(storage.data(), 2)), "lo");
        EXPECT_EQ(co_await ReceiveIntoAwaiter(b, storage), 0u);
    });
}
