// SocketStream specifics: attributes, TCP_NODELAY, resets, connect errors,
// bad input, the TLS placeholder, and the receive awaitable's fast path.
#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include <coronet/net/open_tcp_socket.hpp>
#include <coronet/net/socket_options.hpp>

#include "stream/stream_test_support.hpp"

using namespace coronet;
using namespace std::chrono_literals;

TEST(SocketStream, AttributesOfATcpConnection) {
    stream_test::run_with_tcp_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        EXPECT_EQ(client.extra<attr::family>(), AF_INET);
        EXPECT_EQ(client.extra<attr::remote_address>(), server.extra<attr::local_address>());
        EXPECT_EQ(client.extra<attr::remote_port>(), server.extra<attr::local_port>());
        EXPECT_EQ(server.extra<attr::remote_port>(), client.extra<attr::local_port>());
        EXPECT_EQ(client.extra<attr::raw_socket>(), &client.socket());
        EXPECT_TRUE(net::tcp_nodelay(client.socket()));
        EXPECT_TRUE(net::tcp_nodelay(server.socket()));
        // Through the interface, the same.
        ByteStream& base = client;
        EXPECT_EQ(base.extra<attr::local_port>(), client.extra<attr::local_port>());
        co_return;
    });
}

TEST(SocketStream, MissingAttributeIsALookupError) {
    stream_test::run_with_unix_pair([](SocketStream& client, SocketStream&) -> Task<void> {
        EXPECT_EQ(client.extra<attr::family>(), AF_UNIX);
        EXPECT_THROW(client.extra<attr::remote_port>(), TypedAttributeLookupError);
        EXPECT_FALSE(client.try_extra<attr::local_port>().has_value());
        try {
            (void)client.extra<attr::local_port>();
        } catch (const TypedAttributeLookupError& e) {
            EXPECT_NE(std::string(e.what()).find("local_port"), std::string::npos);
        }
        co_return;
    });
}

TEST(SocketStream, ReceiveAfterPeerResetIsBroken) {
    stream_test::run_with_tcp_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        co_await stream_test::reset_connection(client);
        try {
            (void)co_await server.receive();
            ADD_FAILURE() << "receive after a reset returned data";
        } catch (const BrokenResourceError& e) {
            EXPECT_EQ(e.error_number(), ECONNRESET);
        }
    });
}

TEST(SocketStream, SendSendsEverythingOfABigBuffer) {
    stream_test::run_with_unix_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        Bytes big(std::size_t{8} << 20);
        for (std::size_t i = 0; i < big.size(); ++i)
            big[i] = static_cast<std::byte>(i * 31);
        Bytes got;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await client.send(big);
                co_await client.send_eof();
            });
            try {
                for (;;)
                    got.append(co_await server.receive());
            } catch (const EndOfStream&) {
            }
        });
        EXPECT_TRUE(got == big);
    });
}

TEST(SocketStream, ReceiveAndSendCanBeBoundedByATimeoutScope) {
    stream_test::run_with_tcp_pair([](SocketStream& client, SocketStream& server) -> Task<void> {
        // The frame-free awaitables go into the scope helpers as they are.
        co_await fail_after(10s, client.send("hi"));
        EXPECT_EQ((co_await fail_after(10s, server.receive())).str(), "hi");
        std::optional<Bytes> nothing = co_await move_on_after(20ms, server.receive());
        EXPECT_FALSE(nothing.has_value());
        EXPECT_THROW((void)co_await fail_after(20ms, server.receive()), TimeoutError);
        EXPECT_TRUE(co_await move_on_after(10s, client.send("still there")));
        EXPECT_EQ((co_await server.receive()).str(), "still there");
    });
}

TEST(SocketStream, ReceiveOfZeroBytesIsRejected) {
    stream_test::run_with_unix_pair([](SocketStream& client, SocketStream&) -> Task<void> {
        EXPECT_THROW((void)co_await client.receive(0), std::invalid_argument);
    });
}

TEST(ConnectTcp, RefusedListsEveryAttempt) {
    run([]() -> Task<void> {
        // A port that was just free: bind, read it, close.
        int port;
        {
            auto l = co_await create_tcp_listener({.local_host = "127.0.0.1"});
            port = l.extra<attr::local_port>();
            co_await l.aclose();
        }
        try {
            (void)co_await connect_tcp("127.0.0.1", port);
            ADD_FAILURE() << "connect to a closed port succeeded";
        } catch (const net::ConnectError& e) {
            CO_ASSERT(e.attempts().size() == 1u);
            EXPECT_EQ(e.attempts()[0].error_number, ECONNREFUSED);
            EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)),
                      std::string::npos)
                << e.what();
        }
    });
}

TEST(ConnectTcp, HappyEyeballsFallsBackToTheFamilyThatListens) {
    run([]() -> Task<void> {
        // Only IPv4 listens: "localhost" tries ::1 (refused) and 127.0.0.1.
        auto listener = co_await create_tcp_listener({.local_host = "127.0.0.1"});
        const int port = listener.extra<attr::local_port>();
        SocketStream client = co_await connect_tcp("localhost", port);
        SocketStream server = co_await listener.accept();
        EXPECT_EQ(client.extra<attr::family>(), AF_INET);
        co_await client.send("v4");
        EXPECT_EQ((co_await server.receive()).str(), "v4");
        co_await listener.aclose();
    });
}

TEST(ConnectTcp, LocalhostAndLocalHost) {
    run([]() -> Task<void> {
        auto listener = co_await create_tcp_listener({.local_host = "localhost"});
        const int port = listener.extra<attr::local_port>();
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await listener.serve(
                    [](SocketStream s) -> Task<void> { co_await s.send("hi"); });
            });
            SocketStream a = co_await connect_tcp("localhost", port);
            EXPECT_EQ((co_await a.receive()).str(), "hi");
            SocketStream b = co_await connect_tcp("127.0.0.1", port, {.local_host = "127.0.0.1"});
            EXPECT_EQ((co_await b.receive()).str(), "hi");
            EXPECT_EQ(b.extra<attr::local_address>().host(), "127.0.0.1");
            tg.cancel_scope().cancel();
        });
        co_await listener.aclose();
    });
}

TEST(ConnectTcp, BadInputIsAClearError) {
    run([]() -> Task<void> {
        EXPECT_THROW((void)co_await connect_tcp("127.0.0.1", 65536), std::invalid_argument);
        EXPECT_THROW((void)co_await connect_tcp("127.0.0.1", -1), std::invalid_argument);
    });
}

TEST(ConnectUnix, BadPathsAreClearErrors) {
    run([]() -> Task<void> {
        EXPECT_THROW((void)co_await connect_unix(""), std::invalid_argument);
        EXPECT_THROW((void)co_await connect_unix("/tmp/" + std::string(200, 'x')),
                     std::invalid_argument);
        EXPECT_THROW((void)co_await connect_unix("/nonexistent-dir-coronet/sock"), OSError);
    });
}
