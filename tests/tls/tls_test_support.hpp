// Shared helpers for the TLS tests: contexts from the test certificates and
// connected TLSStream pairs over the in-memory pair or TCP.
#pragma once

#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <coronet/stream/stream.hpp>
#include <coronet/testing/memory_byte_stream.hpp>
#include <coronet/testing/stream_conformance.hpp>
#include <coronet/tls/tls.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "support/test_certs.hpp"

namespace tls_test {

using coronet::Task;

// A server context with `files` as its certificate.
inline std::shared_ptr<coronet::SSLContext> server_context(const CertFiles& files) {
    auto ctx = coronet::create_default_context(coronet::Purpose::client_auth, certs().ca);
    ctx->load_cert_chain(files.cert, files.key);
    return ctx;
}
inline std::shared_ptr<coronet::SSLContext> server_context() {
    return server_context(certs().server);
}

// A client context trusting the test CA.
inline std::shared_ptr<coronet::SSLContext> client_context() {
    return coronet::create_default_context(coronet::Purpose::server_auth, certs().ca);
}

inline void pin_version(coronet::SSLContext& ctx, coronet::TLSVersion v) {
    ctx.set_minimum_version(v);
    ctx.set_maximum_version(v);
}

struct PairOptions {
    std::shared_ptr<coronet::SSLContext> client;
    std::shared_ptr<coronet::SSLContext> server;
    std::string hostname = "localhost";
    bool standard_compatible = true;
    std::optional<bool> server_standard_compatible;  // default: standard_compatible
};

inline PairOptions default_pair(std::optional<coronet::TLSVersion> version = std::nullopt) {
    PairOptions o;
    o.client = client_context();
    o.server = server_context();
    if (version) pin_version(*o.client, *version);
    return o;
}

// Handshakes both ends at once.
inline Task<std::pair<coronet::TLSStream, coronet::TLSStream>> handshake(
    std::unique_ptr<coronet::ByteStream> client_side,
    std::unique_ptr<coronet::ByteStream> server_side, const PairOptions& o) {
    std::optional<coronet::TLSStream> client, server;
    co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            server.emplace(co_await coronet::TLSStream::wrap(
                std::move(server_side),
                {.server_side = true,
                 .ssl_context = o.server,
                 .standard_compatible =
                     o.server_standard_compatible.value_or(o.standard_compatible)}));
        });
        client.emplace(co_await coronet::TLSStream::wrap(
            std::move(client_side), {.hostname = o.hostname,
                                     .ssl_context = o.client,
                                     .standard_compatible = o.standard_compatible}));
    });
    co_return std::pair{std::move(*client), std::move(*server)};
}

inline Task<std::pair<coronet::TLSStream, coronet::TLSStream>> memory_pair(PairOptions o) {
    auto [a, b] = coronet::testing::create_memory_byte_stream_pair();
    co_return co_await handshake(std::move(a), std::move(b), o);
}

// {client, server} over TCP on 127.0.0.1.
inline Task<std::pair<coronet::SocketStream, coronet::SocketStream>> tcp_pair() {
    auto listener = co_await coronet::create_tcp_listener({.local_host = "127.0.0.1"});
    const int port = listener.extra<coronet::attr::local_port>();
    coronet::SocketStream client = co_await coronet::connect_tcp("127.0.0.1", port);
    coronet::SocketStream server = co_await listener.accept();
    co_await listener.aclose();
    co_return std::pair{std::move(client), std::move(server)};
}

inline Task<std::pair<coronet::TLSStream, coronet::TLSStream>> tls_tcp_pair(PairOptions o) {
    auto [c, s] = co_await tcp_pair();
    co_return co_await handshake(std::make_unique<coronet::SocketStream>(std::move(c)),
                                 std::make_unique<coronet::SocketStream>(std::move(s)), o);
}

inline coronet::testing::StreamPair as_stream_pair(
    std::pair<coronet::TLSStream, coronet::TLSStream> p) {
    return {std::make_unique<coronet::TLSStream>(std::move(p.first)),
            std::make_unique<coronet::TLSStream>(std::move(p.second))};
}

// Runs `body` on a fresh loop.
template <class F>
void run(F body) {
    coronet::run([&]() -> Task<void> { co_await body(); });
}

// The message of the exception `task` raises, which must be an E.
template <class E, class T>
Task<std::string> message_of(Task<T> task) {
    try {
        co_await std::move(task);
    } catch (const E& e) {
        co_return std::string(e.what());
    } catch (const std::exception& e) {
        co_return std::string("unexpected exception: ") + e.what();
    }
    co_return std::string("no exception");
}

// The handshake of a session driven by a bare engine over `raw`, so that a
// test can then put anything on the wire.
inline Task<void> engine_handshake(coronet::TLSEngine& engine, coronet::ByteStream& raw) {
    for (int i = 0; i < 20; ++i) {
        const auto status = engine.do_handshake();
        if (engine.pending_ciphertext() > 0) co_await raw.send(engine.take_ciphertext());
        if (status == coronet::TLSEngine::Status::ok) co_return;
        engine.receive_ciphertext(co_await raw.receive());
    }
    throw std::runtime_error("engine_handshake: no end");
}

// A TLSStream client of `client_side`, handshaken with a bare engine
// `server` that drives `raw`, the other end.
inline Task<coronet::TLSStream> client_over_engine(coronet::TLSEngine& server,
                                                   std::unique_ptr<coronet::ByteStream> client_side,
                                                   coronet::ByteStream& raw) {
    std::optional<coronet::TLSStream> client;
    co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> { co_await engine_handshake(server, raw); });
        client.emplace(co_await coronet::TLSStream::wrap(
            std::move(client_side), {.hostname = "localhost", .ssl_context = client_context()}));
    });
    co_return std::move(*client);
}

// An application-data record whose authentication tag cannot match.
inline std::string forged_record() {
    std::string record("\x17\x03\x03\x00\x20", 5);
    record.append(32, 'x');
    return record;
}

}  // namespace tls_test

#define CO_ASSERT(cond)                                     \
    do {                                                    \
        if (!(cond)) {                                      \
            ADD_FAILURE() << "assertion failed: " << #cond; \
            co_return;                                      \
        }                                                   \
    } while (0)
