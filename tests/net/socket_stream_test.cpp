// Socket over stream connections on 127.0.0.1, ::1 and AF_UNIX: accept,
// connect, recv/send in every form, shutdown, is_readable, close semantics.
#include <gtest/gtest.h>
#include <poll.h>

#include <array>
#include <coronet/net/sock_calls.hpp>
#include <coronet/net/socket.hpp>

#include "net/net_test_support.hpp"

using namespace coronet;
using namespace coronet::net;
using namespace std::chrono_literals;
using net_test::connected_pair;
using net_test::Family;

namespace {

class StreamSocket : public ::testing::TestWithParam<Family> {
  protected:
    int family() const { return GetParam().family; }
};

std::span<std::byte> bytes_of(char* p, std::size_t n) {
    return {reinterpret_cast<std::byte*>(p), n};
}

}  // namespace

TEST_P(StreamSocket, ConnectAcceptAndAddresses) {
    run([&]() -> Task<void> {
        Socket listener = co_await net_test::listening_socket(family());
        Socket client = net::socket(family(), SOCK_STREAM);
        EXPECT_EQ(client.family(), family());
        EXPECT_EQ(client.type(), SOCK_STREAM);
        co_await client.connect(listener.getsockname());
        auto [server, peer] = co_await listener.accept();
        EXPECT_EQ(server.family(), family());
        EXPECT_EQ(client.getpeername(), listener.getsockname());
        EXPECT_EQ(server.getpeername(), peer);
        if (family() != AF_UNIX) {
            EXPECT_EQ(peer, client.getsockname());
        } else {
            EXPECT_TRUE(peer.is_unnamed());  // an unbound UNIX client has no name
        }
    });
}

TEST_P(StreamSocket, SendAndRecvEveryWay) {
    run([&]() -> Task<void> {
        auto [a, b] = co_await connected_pair(family());
        EXPECT_EQ(co_await a.send("hello"), 5u);
        Bytes got = co_await b.recv(100);
        EXPECT_EQ(got.str(), "hello");

        EXPECT_EQ(co_await b.send("into"), 4u);
        char buffer[16];
        EXPECT_EQ(co_await a.recv_into(bytes_of(buffer, sizeof buffer)), 4u);
        EXPECT_EQ(std::string_view(buffer, 4), "into");

        const std::array<BytesView, 3> parts{BytesView("ga"), BytesView("th"), BytesView("er")};
        EXPECT_EQ(co_await a.sendmsg(parts), 6u);
        auto message = co_await b.recvmsg(64);
        EXPECT_EQ(message.data.str(), "gather");
        EXPECT_EQ(message.msg_flags & MSG_TRUNC, 0);

        EXPECT_EQ(co_await b.send("scatter"), 7u);
        char first[3], second[8];
        const std::array<std::span<std::byte>, 2> into{bytes_of(first, 3), bytes_of(second, 8)};
        auto scattered = co_await a.recvmsg_into(into);
        EXPECT_EQ(scattered.nbytes, 7u);
        EXPECT_EQ(std::string_view(first, 3), "sca");
        EXPECT_EQ(std::string_view(second, 4), "tter");

        EXPECT_EQ(co_await a.send("from"), 4u);
        auto from = co_await b.recvfrom(16);
        EXPECT_EQ(from.data.str(), "from");
        EXPECT_EQ(co_await a.send("fromi"), 5u);
        auto from_into = co_await b.recvfrom_into(bytes_of(buffer, sizeof buffer));
        EXPECT_EQ(from_into.nbytes, 5u);
    });
}

TEST_P(StreamSocket, RecvWaitsForData) {
    run([&]() -> Task<void> {
        auto [a, b] = co_await connected_pair(family());
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await sleep(1ms);
                co_await a.send("late");
            });
            Bytes got = co_await b.recv(16);
            EXPECT_EQ(got.str(), "late");
        });
    });
}

TEST_P(StreamSocket, LargeTransferBothDirectionsConcurrently) {
    const std::size_t size = 4 << 20;
    run([&]() -> Task<void> {
        auto [a, b] = co_await connected_pair(family());
        Bytes payload;
        payload.resize_uninitialized(size);
        for (std::size_t i = 0; i < size; ++i)
            payload[i] = static_cast<std::byte>(i * 7 + i / 251);
        auto pump = [&](Socket& out, Socket& in) -> Task<void> {
            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                tg.spawn([&]() -> Task<void> {
                    co_await sock_sendall(out, payload);
                    out.shutdown(SHUT_WR);
                });
                Bytes received;
                for (;;) {
                    Bytes chunk = co_await in.recv(65536);
                    if (chunk.empty()) break;
                    received.append(chunk);
                }
                EXPECT_TRUE(received == payload);
            });
        };
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn(pump(a, b));
            tg.spawn(pump(b, a));
            co_return;
        });
    });
}

TEST_P(StreamSocket, ShutdownWriteGivesPeerEofAndIsRemembered) {
    run([&]() -> Task<void> {
        auto [a, b] = co_await connected_pair(family());
        EXPECT_FALSE(a.did_shutdown_SHUT_WR());
        a.shutdown(SHUT_WR);
        EXPECT_TRUE(a.did_shutdown_SHUT_WR());
        EXPECT_TRUE((co_await b.recv(10)).empty());
        // The other direction still works.
        co_await b.send("still");
        EXPECT_EQ((co_await a.recv(10)).str(), "still");
        b.shutdown(SHUT_RDWR);
        EXPECT_TRUE(b.did_shutdown_SHUT_WR());

        auto [c, d] = co_await connected_pair(family());
        c.shutdown(SHUT_RD);  // reading side only: not a SHUT_WR
        EXPECT_FALSE(c.did_shutdown_SHUT_WR());
    });
}

TEST_P(StreamSocket, IsReadableAndWaitWritable) {
    run([&]() -> Task<void> {
        auto [a, b] = co_await connected_pair(family());
        EXPECT_FALSE(b.is_readable());
        co_await a.wait_writable();
        co_await a.send("x");
        EXPECT_TRUE(b.is_readable());
        (void)co_await b.recv(1);
        EXPECT_FALSE(b.is_readable());
        a.shutdown(SHUT_WR);
        EXPECT_TRUE(b.is_readable());  // EOF counts as readable
    });
}

TEST_P(StreamSocket, WaitWritableWaitsForRoomInTheBuffer) {
    run([&]() -> Task<void> {
        auto [a, b] = co_await connected_pair(family());
        // Fill a's send path until a send would block (bounded).
        const std::string block(65536, 'f');
        std::size_t queued = 0;
        for (int i = 0; i < 4096; ++i) {
            pollfd p{a.fileno(), POLLOUT, 0};
            if (::poll(&p, 1, 0) == 0) break;
            queued += co_await a.send(block);
        }
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                std::size_t drained = 0;
                while (drained < queued)
                    drained += (co_await b.recv(65536)).size();
            });
            co_await a.wait_writable();
        });
    });
}

TEST_P(StreamSocket, CloseWakesABlockedTaskWithClosedResourceError) {
    run([&]() -> Task<void> {
        auto [a, b] = co_await connected_pair(family());
        bool closed_error = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                try {
                    (void)co_await b.recv(10);
                } catch (const ClosedResourceError&) {
                    closed_error = true;
                }
            });
            co_await sleep(1ms);
            b.close();
        });
        EXPECT_TRUE(closed_error);
        EXPECT_EQ(b.fileno(), -1);
    });
}

TEST_P(StreamSocket, CloseWakesABlockedAcceptWithClosedResourceError) {
    run([&]() -> Task<void> {
        Socket listener = co_await net_test::listening_socket(family());
        bool closed_error = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                try {
                    (void)co_await listener.accept();
                } catch (const ClosedResourceError&) {
                    closed_error = true;
                }
            });
            co_await sleep(1ms);
            listener.close();
        });
        EXPECT_TRUE(closed_error);
    });
}

TEST_P(StreamSocket, EveryOperationAfterCloseRaisesClosedResourceError) {
    run([&]() -> Task<void> {
        auto [a, b] = co_await connected_pair(family());
        a.close();
        a.close();  // idempotent
        EXPECT_EQ(a.fileno(), -1);
        EXPECT_TRUE(a.is_closed());
        EXPECT_EQ(a.family(), family());  // identity survives
        char buffer[4];
        std::byte* raw = reinterpret_cast<std::byte*>(buffer);
        EXPECT_THROW(co_await a.recv(1), ClosedResourceError);
        EXPECT_THROW(co_await a.recv_into({raw, 4}), ClosedResourceError);
        EXPECT_THROW(co_await a.recvfrom(1), ClosedResourceError);
        EXPECT_THROW(co_await a.recvfrom_into({raw, 4}), ClosedResourceError);
        EXPECT_THROW(co_await a.recvmsg(1), ClosedResourceError);
        EXPECT_THROW(co_await a.send("x"), ClosedResourceError);
        EXPECT_THROW(co_await a.sendto("x", b.getsockname()), ClosedResourceError);
        const std::array<BytesView, 1> one{BytesView("x")};
        EXPECT_THROW(co_await a.sendmsg(one), ClosedResourceError);
        EXPECT_THROW(co_await a.sendfile(0, 0, 1), ClosedResourceError);
        EXPECT_THROW(co_await a.accept(), ClosedResourceError);
        EXPECT_THROW(co_await a.connect(b.getsockname()), ClosedResourceError);
        EXPECT_THROW(co_await a.bind(net_test::any_address(family())), ClosedResourceError);
        EXPECT_THROW(co_await a.wait_writable(), ClosedResourceError);
        EXPECT_THROW(a.is_readable(), ClosedResourceError);
        EXPECT_THROW(a.listen(), ClosedResourceError);
        EXPECT_THROW(a.getsockname(), ClosedResourceError);
        EXPECT_THROW(a.getpeername(), ClosedResourceError);
        EXPECT_THROW(a.shutdown(SHUT_WR), ClosedResourceError);
        EXPECT_THROW(a.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1), ClosedResourceError);
        EXPECT_THROW(a.getsockopt(SOL_SOCKET, SO_TYPE), ClosedResourceError);
        EXPECT_THROW(a.dup(), ClosedResourceError);
        EXPECT_THROW(a.set_inheritable(true), ClosedResourceError);
        EXPECT_EQ(a.detach(), -1);
        // The peer sees EOF.
        EXPECT_TRUE((co_await b.recv(1)).empty());
    });
}

TEST_P(StreamSocket, ConnectRefusedNamesTheAddress) {
    run([&]() -> Task<void> {
        // Bound but not listening (TCP port or UNIX name): the kernel refuses at once.
        Socket closed = net::socket(family(), SOCK_STREAM);
        co_await closed.bind(net_test::any_address(family()));
        const SocketAddress target = closed.getsockname();
        Socket client = net::socket(family(), SOCK_STREAM);
        try {
            co_await client.connect(target);
            ADD_FAILURE() << "connect succeeded";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), ECONNREFUSED);
            EXPECT_EQ(e.operation(), "connect");
            EXPECT_EQ(e.address(), target.to_string());
            EXPECT_NE(std::string(e.what()).find("connect " + target.to_string()),
                      std::string::npos);
        }
        EXPECT_FALSE(client.is_closed());  // only cancellation closes it
    });
}

TEST_P(StreamSocket, MismatchedFamilyIsAClearError) {
    run([&]() -> Task<void> {
        Socket s = net::socket(family(), SOCK_STREAM);
        const SocketAddress other = family() == AF_INET ? SocketAddress::ipv6("::1", 1)
                                                        : SocketAddress::ipv4("127.0.0.1", 1);
        try {
            co_await s.connect(other);
            ADD_FAILURE() << "connect succeeded";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("but the socket is"), std::string::npos);
        }
    });
}

INSTANTIATE_TEST_SUITE_P(Families, StreamSocket, ::testing::ValuesIn(net_test::kFamilies),
                         net_test::family_name);

TEST(UnixSocket, ConnectToMissingUnixPath) {
    net_test::TempDir dir;
    const auto target = SocketAddress::unix_path(dir.path + "/missing.sock");
    run([&]() -> Task<void> {
        Socket s = net::socket(AF_UNIX, SOCK_STREAM);
        try {
            co_await s.connect(target);
            ADD_FAILURE() << "connect succeeded";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), ENOENT);
            EXPECT_EQ(e.address(), target.to_string());
        }
    });
}

TEST(UnixSocket, FilesystemPathListener) {
    net_test::TempDir dir;
    const auto path = SocketAddress::unix_path(dir.path + "/s.sock");
    run([&]() -> Task<void> {
        Socket listener = net::socket(AF_UNIX, SOCK_STREAM);
        co_await listener.bind(path);
        listener.listen();
        EXPECT_EQ(listener.getsockname(), path);
        Socket client = net::socket(AF_UNIX, SOCK_STREAM);
        co_await client.connect(SocketAddress::parse(dir.path + "/s.sock"));
        auto [server, peer] = co_await listener.accept();
        co_await client.send("path");
        EXPECT_EQ((co_await server.recv(10)).str(), "path");
    });
}

TEST(UnixSocket, UnnamedBindAutobindsToAnAbstractName) {
    run([&]() -> Task<void> {
        Socket s = net::socket(AF_UNIX, SOCK_DGRAM);
        co_await s.bind(SocketAddress::unix_path(""));
        EXPECT_TRUE(s.getsockname().is_abstract());
    });
}

TEST(UnixSocket, SocketpairRoundTrip) {
    run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        EXPECT_EQ(a.family(), AF_UNIX);
        co_await a.send("pair");
        EXPECT_EQ((co_await b.recv(10)).str(), "pair");
        auto [c, d] = net::socketpair(AF_UNIX, SOCK_SEQPACKET);
        EXPECT_EQ(c.type(), SOCK_SEQPACKET);
        co_await c.send("record");
        auto m = co_await d.recvmsg(3);
        EXPECT_EQ(m.data.str(), "rec");
        EXPECT_NE(m.msg_flags & MSG_TRUNC, 0);
    });
}
