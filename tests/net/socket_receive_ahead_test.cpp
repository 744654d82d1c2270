// What a user of Socket sees of the loop receiving ahead on TCP (io_uring's
// multishot recv; on epoll the same calls simply read the socket): bytes
// that come between two calls are readable and come in order, and a socket
// closed while its loop is not running (between two run_until_complete
// calls) is really closed: the peer sees the end, and the fd number reused
// by a new connection starts clean.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "net/net_test_support.hpp"

using coronet::Bytes;
using coronet::EventLoop;
using coronet::Task;
using coronet::net::Socket;
using namespace std::chrono_literals;
using net_test::connected_pair;

namespace {

std::span<std::byte> bytes_of(char* p, std::size_t n) {
    return {reinterpret_cast<std::byte*>(p), n};
}

// Receives until `count` bytes came or the stream ended (each call bounded).
Task<std::string> receive_bytes(Socket& s, std::size_t count) {
    std::string got;
    for (int i = 0; i < 1000 && got.size() < count; ++i) {
        Bytes chunk = co_await coronet::fail_after(30s, s.recv(65536));
        if (chunk.empty()) break;
        got += chunk.str();
    }
    co_return got;
}

// Lets the loop take what arrived (a few iterations, each a checkpoint).
Task<void> let_it_arrive() {
    for (int i = 0; i < 5; ++i)
        co_await coronet::sleep(2ms);
}

}  // namespace

TEST(SocketReceiveAhead, BytesBetweenCallsAreReadableAndInOrder) {
    coronet::run([]() -> Task<void> {
        auto [client, server] = co_await connected_pair(AF_INET);
        co_await client.send("first");
        EXPECT_EQ((co_await server.recv(100)).str(), "first");
        co_await client.send("second");
        co_await let_it_arrive();
        EXPECT_TRUE(server.is_readable());
        co_await coronet::wait_readable(server.fileno());
        char peeked[3];
        EXPECT_EQ(co_await server.recv_into(bytes_of(peeked, 3), MSG_PEEK), 3u);
        EXPECT_EQ(std::string_view(peeked, 3), "sec");
        char small[2];
        EXPECT_EQ(co_await server.recv_into(bytes_of(small, 2)), 2u);
        EXPECT_EQ(std::string_view(small, 2), "se");
        EXPECT_EQ(co_await receive_bytes(server, 4), "cond");
        EXPECT_FALSE(server.is_readable());
    });
}

TEST(SocketReceiveAhead, ASocketClosedBetweenRunsIsClosedForThePeer) {
    EventLoop loop;
    std::optional<Socket> client, server;
    loop.run_until_complete([&]() -> Task<void> {
        auto pair = co_await connected_pair(AF_INET);
        client.emplace(std::move(pair.first));
        server.emplace(std::move(pair.second));
        co_await client->send("hello");
        EXPECT_EQ((co_await server->recv(100)).str(), "hello");
    }());
    server->close();  // no loop running here
    loop.run_until_complete([&]() -> Task<void> {
        // Before, io_uring's multishot kept the file open: no end ever came.
        Bytes end = co_await coronet::fail_after(30s, client->recv(100));
        EXPECT_TRUE(end.empty());
        client->close();
        // A new connection (reusing the fd numbers) gets its own bytes only.
        auto [c2, s2] = co_await connected_pair(AF_INET);
        co_await c2.send("fresh");
        EXPECT_EQ(co_await receive_bytes(s2, 5), "fresh");
    }());
}
