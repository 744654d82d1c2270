// Server: sockets, is_serving, start_serving, close, wait_closed,
// serve_forever, several hosts, an existing socket, UNIX paths.
#include <gtest/gtest.h>
#include <unistd.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/server.hpp>
#include <coronet/net/socket.hpp>
#include <filesystem>

#include "asyncio/asyncio_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

// Echoes what it gets, then closes at EOF.
struct Echo : aio::Protocol {
    aio::Transport* t = nullptr;
    void connection_made(aio::BaseTransport& tr) override {
        t = &dynamic_cast<aio::Transport&>(tr);
    }
    void data_received(BytesView d) override { t->write(d); }
};

Task<std::string> round_trip(int port, std::string message) {
    RecorderFactory f;
    aio::Connection c = co_await aio::create_connection(f.factory(), "127.0.0.1", port);
    c.transport->write(message);
    c.transport->write_eof();
    co_await wait_until([&] { return f.made[0]->lost; }, "echo round trip");
    co_return f.made[0]->data;
}

TEST(Server, ServesSeveralClientsAndReportsItsSockets) {
    coronet::run([&]() -> Task<void> {
        auto echo = [] { return std::make_unique<Echo>(); };
        aio::Server server = co_await aio::create_server(echo, "127.0.0.1", 0);
        EXPECT_TRUE(server.is_serving());
        CO_ASSERT(server.sockets().size() == 1u);
        const int port = server.sockets()[0]->getsockname().port();
        EXPECT_GT(port, 0);
        EXPECT_EQ(server.sockets()[0]->getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
        for (int i = 0; i < 5; ++i)
            EXPECT_EQ(co_await round_trip(port, "hello " + std::to_string(i)),
                      "hello " + std::to_string(i));
        server.close();
        server.close();  // idempotent
        EXPECT_FALSE(server.is_serving());
        EXPECT_TRUE(server.sockets().empty());
        co_await server.wait_closed();
        EXPECT_THROW(server.start_serving(), std::logic_error);
        RecorderFactory f;
        EXPECT_THROW(co_await aio::create_connection(f.factory(), "127.0.0.1", port),
                     net::ConnectError);
    });
}

TEST(Server, StartServingLater) {
    coronet::run([&]() -> Task<void> {
        auto echo = [] { return std::make_unique<Echo>(); };
        aio::Server server =
            co_await aio::create_server(echo, "127.0.0.1", 0, {.start_serving = false});
        EXPECT_FALSE(server.is_serving());
        const int port = server.addresses().at(0).port();
        server.start_serving();
        server.start_serving();  // no-op
        EXPECT_TRUE(server.is_serving());
        EXPECT_EQ(co_await round_trip(port, "late"), "late");
        server.close();
        co_await server.wait_closed();
    });
}

TEST(Server, SeveralHostsAndReusePort) {
    coronet::run([&]() -> Task<void> {
        auto echo = [] { return std::make_unique<Echo>(); };
        std::vector<std::string> hosts{"127.0.0.1", "::1"};
        aio::ServerOptions options{};
        options.reuse_port = true;
        aio::Server server = co_await aio::create_server(echo, hosts, 0, options);
        auto addresses = server.addresses();
        CO_ASSERT(addresses.size() == 2u);
        EXPECT_EQ(addresses[0].family(), AF_INET);
        EXPECT_EQ(addresses[1].family(), AF_INET6);
        EXPECT_EQ(server.sockets()[0]->getsockopt(SOL_SOCKET, SO_REUSEPORT), 1);
        RecorderFactory f;
        aio::Connection c =
            co_await aio::create_connection(f.factory(), "::1", addresses[1].port());
        c.transport->write("six");
        c.transport->write_eof();
        co_await wait_until([&] { return f.made[0]->lost; });
        EXPECT_EQ(f.made[0]->data, "six");
        server.close();
        co_await server.wait_closed();
    });
}

Task<void> wait_then_flag(aio::Server& server, bool& flag) {
    co_await server.wait_closed();
    flag = true;
}

// wait_closed waits for the connections the server accepted, not only for close().
TEST(Server, WaitClosedWaitsForActiveConnections) {
    RecorderFactory server_side;
    coronet::run([&]() -> Task<void> {
        aio::Server server = co_await aio::create_server(server_side.factory(), "127.0.0.1", 0);
        RecorderFactory f;
        aio::Connection c =
            co_await aio::create_connection(f.factory(), "127.0.0.1", server.addresses()[0].port());
        co_await wait_until([&] { return !server_side.made.empty(); });
        server.close();
        bool closed = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn(wait_then_flag(server, closed));
            for (int i = 0; i < 20; ++i)
                co_await sleep(1ms);
            EXPECT_FALSE(closed);  // the accepted connection is still open
            c.transport->close();
            co_await wait_until([&] { return closed; }, "wait_closed");
        });
        EXPECT_TRUE(server_side.made[0]->lost);
    });
}

TEST(Server, ServeForeverEndsWithClose) {
    coronet::run([&]() -> Task<void> {
        auto echo = [] { return std::make_unique<Echo>(); };
        aio::Server server =
            co_await aio::create_server(echo, "127.0.0.1", 0, {.start_serving = false});
        const int port = server.addresses().at(0).port();
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn(server.serve_forever());
            co_await sleep(1ms);
            EXPECT_TRUE(server.is_serving());
            EXPECT_THROW(co_await server.serve_forever(), std::logic_error);
            EXPECT_EQ(co_await round_trip(port, "forever"), "forever");
            server.close();
        });
        EXPECT_THROW(co_await server.serve_forever(), std::logic_error);
        co_await server.wait_closed();
    });
}

TEST(Server, CancellingServeForeverClosesTheServer) {
    coronet::run([&]() -> Task<void> {
        auto echo = [] { return std::make_unique<Echo>(); };
        aio::Server server = co_await aio::create_server(echo, "127.0.0.1", 0);
        auto r = co_await move_on_after(5ms, server.serve_forever());
        EXPECT_FALSE(r);  // cancelled by the deadline
        EXPECT_FALSE(server.is_serving());
        co_await server.wait_closed();
    });
}

TEST(Server, OnAnExistingSocketAndOnAUnixPath) {
    coronet::run([&]() -> Task<void> {
        auto echo = [] { return std::make_unique<Echo>(); };
        net::Socket sock = net::socket(AF_INET, SOCK_STREAM);
        co_await sock.bind(net::SocketAddress::ipv4("127.0.0.1", 0));
        aio::Server s1 = co_await aio::create_server(echo, std::move(sock));
        EXPECT_EQ(co_await round_trip(s1.addresses()[0].port(), "given"), "given");
        s1.close();
        co_await s1.wait_closed();

        auto dir = std::filesystem::temp_directory_path() /
                   ("coronet-asyncio-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const std::string path = (dir / "s.sock").string();
        aio::Server s2 = co_await aio::create_unix_server(echo, path);
        RecorderFactory f;
        aio::Connection c = co_await aio::create_unix_connection(f.factory(), path);
        c.transport->write("by path");
        c.transport->write_eof();
        co_await wait_until([&] { return f.made[0]->lost; });
        EXPECT_EQ(f.made[0]->data, "by path");
        s2.close();
        co_await s2.wait_closed();
        EXPECT_TRUE(std::filesystem::exists(path));  // not removed, as asyncio
        // A stale file is a clear error.
        EXPECT_THROW(co_await aio::create_unix_server(echo, path), OSError);
        std::filesystem::remove_all(dir);
    });
}

TEST(Server, BadArgumentsAreClearErrors) {
    coronet::run([&]() -> Task<void> {
        auto echo = [] { return std::make_unique<Echo>(); };
        EXPECT_THROW(co_await aio::create_server(aio::ProtocolFactory{}, "127.0.0.1", 0),
                     std::invalid_argument);
        EXPECT_THROW(co_await aio::create_server(echo, "127.0.0.1", 0, {.backlog = -1}),
                     std::invalid_argument);
        EXPECT_THROW(co_await aio::create_server(echo, net::socket(AF_INET, SOCK_DGRAM)),
                     std::invalid_argument);
        EXPECT_THROW(
            co_await aio::create_unix_server(echo, net::SocketAddress::ipv4("127.0.0.1", 0)),
            std::invalid_argument);
        // A factory that throws: reported, the server goes on.
        std::vector<std::string> reported;
        Loop::current().set_exception_handler(
            [&](Loop&, const ExceptionContext& ctx) { reported.push_back(ctx.message); });
        bool fail = true;
        auto flaky = [&]() -> std::unique_ptr<aio::BaseProtocol> {
            if (std::exchange(fail, false)) throw std::runtime_error("factory failed");
            return std::make_unique<Echo>();
        };
        aio::Server server = co_await aio::create_server(flaky, "127.0.0.1", 0);
        const int port = server.addresses()[0].port();
        RecorderFactory f;
        aio::Connection c = co_await aio::create_connection(f.factory(), "127.0.0.1", port);
        co_await wait_until([&] { return f.made[0]->lost; }, "refused connection closed");
        EXPECT_EQ(reported.size(), 1u);
        EXPECT_EQ(co_await round_trip(port, "second"), "second");
        server.close();
        co_await server.wait_closed();
        Loop::current().set_exception_handler(nullptr);
    });
}

}  // namespace
