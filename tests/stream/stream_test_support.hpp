// Shared helpers for the stream tests: connected SocketStream pairs over
// TCP (IPv4, IPv6) and UNIX sockets, as test fixtures and as
// conformance-suite fixtures.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <coronet/coronet.hpp>
#include <coronet/net/socket_options.hpp>
#include <coronet/stream/stream.hpp>
#include <coronet/testing/stream_conformance.hpp>
#include <string>

namespace stream_test {

using coronet::Task;

inline std::string unique_abstract_name() {
    static std::atomic<int> counter{0};
    return "@coronet-stream-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// {client, server} over TCP on `host` (127.0.0.1 or ::1).
inline Task<std::pair<coronet::SocketStream, coronet::SocketStream>> tcp_pair(std::string host) {
    auto listener = co_await coronet::create_tcp_listener({.local_host = host});
    const int port = listener.extra<coronet::attr::local_port>();
    coronet::SocketStream client = co_await coronet::connect_tcp(host, port);
    coronet::SocketStream server = co_await listener.accept();
    co_await listener.aclose();
    co_return std::pair{std::move(client), std::move(server)};
}

inline Task<std::pair<coronet::UNIXSocketStream, coronet::UNIXSocketStream>> unix_pair() {
    const std::string name = unique_abstract_name();
    auto listener = co_await coronet::create_unix_listener(name);
    coronet::UNIXSocketStream client = co_await coronet::connect_unix(name);
    coronet::UNIXSocketStream server = co_await listener.accept();
    co_await listener.aclose();
    co_return std::pair{std::move(client), std::move(server)};
}

// The SocketStream tests' fixture: runs `body(client, server)`, a coroutine,
// on a new loop with a fresh connected pair (tcp_pair on 127.0.0.1).
template <class Body>
void run_with_tcp_pair(Body body) {
    coronet::run([&body]() -> Task<void> {
        auto client_server_pair = co_await tcp_pair("127.0.0.1");
        co_await body(client_server_pair.first, client_server_pair.second);
    });
}

// The same with a UNIX pair (unix_pair).
template <class Body>
void run_with_unix_pair(Body body) {
    coronet::run([&body]() -> Task<void> {
        auto client_server_pair = co_await unix_pair();
        co_await body(client_server_pair.first, client_server_pair.second);
    });
}

template <class S>
coronet::testing::StreamPair as_stream_pair(std::pair<S, S> p) {
    return {std::make_unique<S>(std::move(p.first)), std::make_unique<S>(std::move(p.second))};
}

// A TCP reset: SO_LINGER 0, then close.
inline Task<void> reset_connection(coronet::ByteStream& s) {
    auto& socket_stream = dynamic_cast<coronet::SocketStream&>(s);
    coronet::net::set_linger(socket_stream.socket(), std::chrono::seconds(0));
    co_await socket_stream.aclose();
}

}  // namespace stream_test

// ASSERT_* cannot be used in a coroutine (it returns); this one co_returns.
#define CO_ASSERT(cond)                                     \
    do {                                                    \
        if (!(cond)) {                                      \
            ADD_FAILURE() << "assertion failed: " << #cond; \
            co_return;                                      \
        }                                                   \
    } while (0)
