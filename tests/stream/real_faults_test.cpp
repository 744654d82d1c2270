// Real faults on real sockets: a peer that resets mid-transfer, a peer that
// vanishes (every packet dropped, in a private network namespace), a peer
// that never reads, and a thousand slow-loris clients. Each ends in the right
// error or keeps serving; none hangs, loses or duplicates a byte, or lets the
// server's memory grow with what the peers do.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <vector>

#include "stream/fd_limit.hpp"
#include "support/private_network.hpp"
#include "stream/stream_test_support.hpp"

using namespace coronet;
using namespace std::chrono_literals;
using stream_test::FdLimit;
using test_support::PrivateNetwork;

namespace {

// Byte i of the test pattern; a prefix check needs no copy of what was sent.
std::byte pattern_byte(std::uint64_t i) {
    return std::byte(static_cast<unsigned char>((i * 131) >> 3));
}

Bytes pattern(std::uint64_t offset, std::size_t size) {
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i)
        out.data()[i] = pattern_byte(offset + i);
    return out;
}

bool is_pattern_at(BytesView data, std::uint64_t offset) {
    for (std::size_t i = 0; i < data.size(); ++i)
        if (data.data()[i] != pattern_byte(offset + i)) return false;
    return true;
}

long resident_kib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        long value = 0;
        if (key == "VmRSS:" && status >> value) return value;
    }
    return -1;
}

}  // namespace

TEST(RealFaults, PeerResetMidTransferEndsReceiveInBrokenResourceAfterAnIntactPrefix) {
    run([]() -> Task<void> {
        auto [client, server] = co_await stream_test::tcp_pair("127.0.0.1");
        constexpr std::size_t kSent = 256 * 1024;
        co_await server.send(pattern(0, kSent));
        co_await stream_test::reset_connection(server);

        std::uint64_t received = 0;
        bool broken = false;
        for (int i = 0; i < 10'000 && !broken; ++i) {
            try {
                Bytes got = co_await fail_after(10s, client.receive());
                EXPECT_TRUE(is_pattern_at(got, received)) << "corrupt data at " << received;
                received += got.size();
            } catch (const BrokenResourceError&) {
                broken = true;
            }
        }
        EXPECT_TRUE(broken) << "a reset must not look like a clean end of stream";
        EXPECT_LE(received, kSent);
        co_await client.aclose();
    });
}

TEST(RealFaults, SendingToAPeerThatResetEndsInBrokenResource) {
    run([]() -> Task<void> {
        auto [client, server] = co_await stream_test::tcp_pair("127.0.0.1");
        co_await client.send("first");
        EXPECT_EQ((co_await server.receive()).str(), "first");
        co_await stream_test::reset_connection(server);

        // The first sends may still land in our own buffer before the RST is
        // seen; a bounded number of them must end in BrokenResourceError.
        bool broken = false;
        const Bytes chunk = pattern(0, 64 * 1024);
        for (int i = 0; i < 1000 && !broken; ++i) {
            try {
                co_await fail_after(10s, client.send(chunk));
            } catch (const BrokenResourceError&) {
                broken = true;
            }
        }
        EXPECT_TRUE(broken);
        co_await client.aclose();
    });
}

TEST(RealFaults, VanishedPeerIsCaughtByADeadlineAndTheConnectionRecoversWhenItReturns) {
    PrivateNetwork network;
    run([]() -> Task<void> {
        auto listener = co_await create_tcp_listener({.local_host = "127.0.0.1"});
        const int port = listener.extra<attr::local_port>();
        SocketStream client = co_await connect_tcp("127.0.0.1", port);
        SocketStream server = co_await listener.accept();
        co_await client.send("hello");
        EXPECT_EQ((co_await server.receive()).str(), "hello");

        PrivateNetwork::drop_tcp_port(port);
        // The send only reaches our own buffer: the loss shows as silence,
        // which only a deadline can turn into an error.
        co_await client.send("are you there?");
        EXPECT_THROW((void)co_await fail_after(300ms, server.receive()), TimeoutError);
        EXPECT_THROW((void)co_await fail_after(300ms, client.receive()), TimeoutError);
        // A new connection's SYN is dropped too: connect hangs until the deadline.
        EXPECT_THROW((void)co_await fail_after(300ms, connect_tcp("127.0.0.1", port)),
                     TimeoutError);

        // The link comes back: TCP retransmits, and nothing was lost or
        // duplicated by the timeouts above.
        PrivateNetwork::stop_dropping();
        std::string arrived;
        while (arrived.size() < std::string("are you there?").size())
            arrived += (co_await fail_after(30s, server.receive())).str();
        EXPECT_EQ(arrived, "are you there?");
        co_await server.send("yes");
        EXPECT_EQ((co_await fail_after(30s, client.receive())).str(), "yes");

        co_await client.aclose();
        co_await server.aclose();
        co_await listener.aclose();
    });
}

TEST(RealFaults, PeerThatNeverReadsBlocksTheWriterInsteadOfGrowingItsMemory) {
    run([]() -> Task<void> {
        auto client_server_pair = co_await stream_test::tcp_pair("127.0.0.1");
        auto& client = client_server_pair.first;
        auto& server = client_server_pair.second;
        const Bytes chunk = pattern(0, 64 * 1024);
        std::uint64_t sent = 0;
        // The writer stops making progress once the kernel's buffers are
        // full; the deadline is how this test notices that it is stuck.
        co_await move_on_after(500ms, [&]() -> Task<void> {
            for (int i = 0; i < 100'000; ++i) {
                co_await client.send(pattern(sent, chunk.size()));
                sent += chunk.size();
            }
        }());
        // What send() accepted is what the two kernel buffers hold (a
        // cancelled send may have delivered part of one more chunk): nothing
        // queued in user space.
        const auto sndbuf = static_cast<std::uint64_t>(net::send_buffer_size(client.socket()));
        const auto rcvbuf = static_cast<std::uint64_t>(net::receive_buffer_size(server.socket()));
        EXPECT_GT(sent, 0u);
        EXPECT_LE(sent, sndbuf + rcvbuf + chunk.size());

        // Everything accepted arrives intact once the peer reads.
        std::uint64_t received = 0;
        bool intact = true;
        while (received < sent && intact) {
            Bytes got = co_await fail_after(30s, server.receive());
            intact = is_pattern_at(got, received);
            received += got.size();
        }
        EXPECT_TRUE(intact);
        EXPECT_GE(received, sent);
        co_await client.aclose();
        co_await server.aclose();
    });
}

TEST(RealFaults, SlowLorisClientsNeitherStarveOthersNorGrowTheServer) {
    const int slow_clients = std::max(50, static_cast<int>(1000 * coronet::testing::test_scale()));
    constexpr int kGoodClients = 20, kRequestsEach = 5, kRounds = 2;
    constexpr std::size_t kLineLimit = 1024;
    FdLimit limit(2 * (slow_clients + kGoodClients) + 200);
    ASSERT_GE(limit.current(), static_cast<rlim_t>(2 * (slow_clients + kGoodClients) + 100))
        << "RLIMIT_NOFILE's hard limit is too low for this test";
    run([&]() -> Task<void> {
        auto listener = co_await create_tcp_listener({.local_host = "127.0.0.1"});
        const int port = listener.extra<attr::local_port>();
        int over_limit_closed = 0, answered = 0, slow_connected = 0;
        long rss_with_slow_clients = 0;
        const long rss_before = resident_kib();

        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await listener.serve([&](SocketStream s) -> Task<void> {
                    BufferedByteReceiveStream in(s);
                    try {
                        for (;;) {
                            Bytes line = co_await in.receive_until("\n", kLineLimit);
                            co_await s.send(concat(line, "\n"));
                        }
                    } catch (const DelimiterNotFound&) {
                        ++over_limit_closed;
                    } catch (const IncompleteRead&) {
                    } catch (const EndOfStream&) {
                    }
                });
            });

            co_await with_task_group([&](TaskGroup& clients) -> Task<void> {
                Event slow_all_connected;
                for (int i = 0; i < slow_clients; ++i) {
                    clients.spawn([&]() -> Task<void> {
                        SocketStream c = co_await connect_tcp("127.0.0.1", port);
                        if (++slow_connected == slow_clients) slow_all_connected.set();
                        for (int round = 0; round < kRounds; ++round) {
                            co_await c.send("x");  // a byte a second, never a newline
                            co_await sleep(1s);
                        }
                        co_await c.aclose();
                    });
                }
                co_await slow_all_connected.wait();
                // The well-behaved clients are served while every slow one
                // holds a connection with a partial line.
                co_await with_task_group([&](TaskGroup& good) -> Task<void> {
                    for (int i = 0; i < kGoodClients; ++i) {
                        good.spawn([&, i]() -> Task<void> {
                            SocketStream c = co_await connect_tcp("127.0.0.1", port);
                            BufferedByteReceiveStream in(c);
                            for (int r = 0; r < kRequestsEach; ++r) {
                                const std::string text =
                                    std::to_string(i) + ":" + std::to_string(r);
                                co_await c.send(text + "\n");
                                if ((co_await in.receive_until("\n", 100)).str() == text)
                                    ++answered;
                            }
                            co_await c.aclose();
                        });
                    }
                    co_return;
                });
                rss_with_slow_clients = resident_kib();
                // A client that never sends a newline is cut off at the limit.
                SocketStream flooder = co_await connect_tcp("127.0.0.1", port);
                co_await flooder.send(Bytes(4 * kLineLimit));
                EXPECT_THROW(
                    {
                        for (int i = 0; i < 100; ++i)
                            (void)co_await fail_after(30s, flooder.receive());
                    },
                    EndOfStream);
                co_await flooder.aclose();
            });
            tg.cancel_scope().cancel();
        });

        EXPECT_EQ(answered, kGoodClients * kRequestsEach);
        EXPECT_EQ(over_limit_closed, 1);
#if !defined(__SANITIZE_ADDRESS__)  // ASan's quarantine and redzones dwarf the figure
        // Each idle connection with a partial line costs the server its
        // buffered bytes and bookkeeping, not a receive buffer of its own.
        const long growth_per_connection_kib = (rss_with_slow_clients - rss_before) / slow_clients;
        EXPECT_LE(growth_per_connection_kib, 16)
            << "RSS grew from " << rss_before << " KiB to " << rss_with_slow_clients << " KiB";
#else
        (void)rss_before;
        (void)rss_with_slow_clients;
#endif
        co_await listener.aclose();
    });
}
