// TLSListener, connect_tcp with TLS, and STARTTLS over TCP.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "tls/tls_test_support.hpp"

using coronet::Bytes;
using coronet::Task;
using coronet::TLSListener;
using coronet::TLSStream;
using namespace std::chrono_literals;

namespace attr = coronet::attr;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Collects what the loop's exception handler is given.
struct Reports {
    std::vector<std::string> lines;
    void install() {
        coronet::Loop::current().set_exception_handler(
            [this](coronet::Loop&, const coronet::ExceptionContext& c) {
                std::string line = c.message;
                if (c.exception) line += ": " + coronet::describe_exception(c.exception);
                lines.push_back(line);
            });
    }
};

// The handler the serving tests use: echoes one chunk, then closes.
Task<void> echo_once(TLSStream client) {
    Bytes b = co_await client.receive();
    co_await client.send(b);
    co_await client.aclose();
}

// Whether the server closed `client` (EOF or reset) within 30 s.
Task<bool> closed_by_server(coronet::SocketStream& client) {
    try {
        auto bounded = coronet::fail_after(30s, client.receive());
        co_await std::move(bounded);
    } catch (const coronet::EndOfStream&) {
        co_return true;
    } catch (const coronet::BrokenResourceError&) {
        co_return true;
    }
    co_return false;
}

Task<std::string> read_line(coronet::ByteStream& s) {
    std::string line;
    // One byte at a time: nothing after the newline may be consumed.
    while (line.empty() || line.back() != '\n') {
        line += (co_await s.receive(1)).str();
        if (line.size() > 1000) throw std::runtime_error("line too long");
    }
    co_return line;
}

}  // namespace

TEST(TlsListener, SlowAndBadClientsDoNotStopTheOthers) {
    tls_test::run([]() -> Task<void> {
        Reports reports;
        reports.install();
        auto tcp = co_await coronet::create_tcp_listener({.local_host = "127.0.0.1"});
        TLSListener listener(std::move(tcp), tls_test::server_context(),
                             {.handshake_timeout = 300ms});
        const int port = listener.extra<attr::local_port>();
        CO_ASSERT(listener.ssl_context()->role() == coronet::TLSRole::server);
        co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> { co_await listener.serve(echo_once); });
            // Silent: connects and says nothing (its handshake times out).
            coronet::SocketStream silent = co_await coronet::connect_tcp("127.0.0.1", port);
            // Bad: plaintext instead of a ClientHello.
            coronet::SocketStream bad = co_await coronet::connect_tcp("127.0.0.1", port);
            co_await bad.send("hello?\r\n");
            // A good client is served while the silent one still waits.
            TLSStream good =
                co_await coronet::connect_tcp("127.0.0.1", port,
                                              {.tls = true,
                                               .ssl_context = tls_test::client_context(),
                                               .tls_hostname = "localhost"});
            co_await good.send("echo me");
            CO_ASSERT((co_await good.receive()).str() == "echo me");
            co_await good.aclose();
            // The silent one's handshake ends with the timeout; the listener closes it.
            const bool closed = co_await closed_by_server(silent);
            CO_ASSERT(closed);
            co_await silent.aclose();
            co_await bad.aclose();
            tg.cancel_scope().cancel();
        });
        co_await listener.aclose();
        CO_ASSERT(reports.lines.size() == 2);
        bool timed_out = false, wrong = false;
        for (auto& line : reports.lines) {
            CO_ASSERT(contains(line, "TLS handshake failed (remote 127.0.0.1:"));
            timed_out |= contains(line, "TLS handshake timed out after 300 ms");
            wrong |= contains(line, "wrong version number") || contains(line, "http request");
        }
        CO_ASSERT(timed_out && wrong);
    });
}

// Polls `ready` once a millisecond, at most `tries` times.
template <class Ready>
Task<bool> eventually(Ready ready, int tries = 5000) {
    for (int i = 0; i < tries && !ready(); ++i)
        co_await coronet::sleep(1ms);
    co_return ready();
}

TEST(TlsListener, HandshakesPastTheLimitWaitForASlot) {
    tls_test::run([]() -> Task<void> {
        Reports reports;
        reports.install();
        auto tcp = co_await coronet::create_tcp_listener({.local_host = "127.0.0.1"});
        TLSListener listener(std::move(tcp), tls_test::server_context(),
                             {.max_concurrent_handshakes = 1});
        const int port = listener.extra<attr::local_port>();
        bool served = false;
        bool waited = false;
        co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> { co_await listener.serve(echo_once); });
            // A silent client takes the only slot: its handshake waits for a ClientHello.
            coronet::SocketStream silent = co_await coronet::connect_tcp("127.0.0.1", port);
            const bool holding = co_await eventually(
                [&] { return listener.statistics().handshakes_in_progress == 1; });
            EXPECT_TRUE(holding);
            co_await coronet::with_task_group([&](coronet::TaskGroup& clients) -> Task<void> {
                clients.spawn([&]() -> Task<void> {
                    TLSStream good =
                        co_await coronet::connect_tcp("127.0.0.1", port,
                                                      {.tls = true,
                                                       .ssl_context = tls_test::client_context(),
                                                       .tls_hostname = "localhost"});
                    co_await good.send("echo me");
                    served = (co_await good.receive()).str() == "echo me";
                    co_await good.aclose();
                });
                waited = co_await eventually([&] {
                    const auto now = listener.statistics();
                    return now.handshakes_waiting == 1 && now.handshakes_in_progress == 1;
                });
                EXPECT_FALSE(served) << "served past the limit";
                // Its handshake ends (the peer left): the slot goes to the good client.
                co_await silent.aclose();
            });
            tg.cancel_scope().cancel();
        });
        co_await listener.aclose();
        EXPECT_TRUE(waited);
        EXPECT_TRUE(served);
        const auto after = listener.statistics();
        EXPECT_EQ(after.handshakes_in_progress, 0u);
        EXPECT_EQ(after.handshakes_waiting, 0u);
        CO_ASSERT(reports.lines.size() == 1);
        EXPECT_TRUE(contains(reports.lines.at(0), "TLS handshake failed")) << reports.lines.at(0);
    });
}

TEST(TlsListener, AWaitForASlotEndsWithTheHandshakeTimeout) {
    tls_test::run([]() -> Task<void> {
        Reports reports;
        reports.install();
        auto tcp = co_await coronet::create_tcp_listener({.local_host = "127.0.0.1"});
        TLSListener listener(std::move(tcp), tls_test::server_context(),
                             {.handshake_timeout = 200ms, .max_concurrent_handshakes = 1});
        const int port = listener.extra<attr::local_port>();
        co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await listener.serve([](TLSStream) -> Task<void> { co_return; });
            });
            coronet::SocketStream first = co_await coronet::connect_tcp("127.0.0.1", port);
            coronet::SocketStream second = co_await coronet::connect_tcp("127.0.0.1", port);
            // Neither ever says a word: both are closed by the timeout, the
            // second whether it was still waiting for the slot or had it by
            // then (which of the two depends on the timer's ticks).
            for (coronet::SocketStream* silent : {&first, &second}) {
                const bool closed = co_await closed_by_server(*silent);
                EXPECT_TRUE(closed);
                co_await silent->aclose();
            }
            tg.cancel_scope().cancel();
        });
        co_await listener.aclose();
        CO_ASSERT(reports.lines.size() == 2);
        for (const auto& line : reports.lines)
            EXPECT_TRUE(contains(line, "TLS handshake timed out after 200 ms")) << line;
        const auto after = listener.statistics();
        EXPECT_EQ(after.handshakes_waiting, 0u);
        EXPECT_EQ(after.handshakes_in_progress, 0u);
    });
}

TEST(TlsListener, AcceptHandshakesAndSkipsFailedOnes) {
    tls_test::run([]() -> Task<void> {
        Reports reports;
        reports.install();
        auto tcp = co_await coronet::create_tcp_listener({.local_host = "127.0.0.1"});
        TLSListener listener(std::move(tcp), tls_test::server_context());
        const int port = listener.extra<attr::local_port>();
        co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                // First a client that gives up at once, then a good one.
                coronet::SocketStream quitter = co_await coronet::connect_tcp("127.0.0.1", port);
                co_await quitter.aclose();
                TLSStream c =
                    co_await coronet::connect_tcp("127.0.0.1", port,
                                                  {.tls = true,
                                                   .ssl_context = tls_test::client_context(),
                                                   .tls_hostname = "localhost"});
                co_await c.send("x");
                co_await c.aclose();
            });
            TLSStream server = co_await listener.accept();
            CO_ASSERT(listener.statistics().handshakes_in_progress == 0);
            CO_ASSERT((co_await server.receive()).str() == "x");
            CO_ASSERT(server.extra<attr::server_side>());
            co_await server.aclose();
        });
        co_await listener.aclose();
        CO_ASSERT(reports.lines.size() == 1);
        CO_ASSERT(contains(reports.lines.at(0), "TLS handshake failed"));
    });
}

TEST(TlsListener, ArgumentErrors) {
    tls_test::run([]() -> Task<void> {
        auto tcp = co_await coronet::create_tcp_listener({.local_host = "127.0.0.1"});
        auto tcp2 = co_await coronet::create_tcp_listener({.local_host = "127.0.0.1"});
        EXPECT_THROW(TLSListener(std::move(tcp), tls_test::client_context()),
                     std::invalid_argument);
        EXPECT_THROW(
            TLSListener(std::move(tcp2), tls_test::server_context(), {.handshake_timeout = 0ms}),
            std::invalid_argument);
        co_return;
    });
}

TEST(ConnectTcpTls, ConnectsVerifiesAndRejectsTlsFalse) {
    tls_test::run([]() -> Task<void> {
        Reports reports;  // the failed handshakes below are reported there
        reports.install();
        auto tcp = co_await coronet::create_tcp_listener({.local_host = "127.0.0.1"});
        TLSListener listener(std::move(tcp), tls_test::server_context());
        const int port = listener.extra<attr::local_port>();
        co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await listener.serve([](TLSStream client) -> Task<void> {
                    co_await client.send(client.extra<attr::server_hostname>());
                    co_await client.aclose();
                });
            });
            // The host is the name checked and sent when tls_hostname is not given.
            auto ctx = tls_test::client_context();
            TLSStream a =
                co_await coronet::connect_tcp("localhost", port, {.tls = true, .ssl_context = ctx});
            CO_ASSERT((co_await a.receive()).str() == "localhost");
            co_await a.aclose();
            // No ssl_context: the system store, which does not trust the test CA.
            auto m = co_await tls_test::message_of<coronet::SSLCertVerificationError>(
                coronet::connect_tcp("127.0.0.1", port, {.tls = true}));
            CO_ASSERT(contains(m, "certificate verify failed"));
            auto m2 = co_await tls_test::message_of<std::invalid_argument>(
                coronet::connect_tcp("127.0.0.1", port, {.tls = false}));
            CO_ASSERT(contains(m2, "plain stream"));
            // Options without .tls still pick the plain overload.
            coronet::SocketStream plain =
                co_await coronet::connect_tcp("127.0.0.1", port, {.local_host = "127.0.0.1"});
            co_await plain.aclose();
            tg.cancel_scope().cancel();
        });
        co_await listener.aclose();
    });
}

TEST(StartTls, UpgradeALinePlaintextProtocolInPlaceAndBack) {
    tls_test::run([]() -> Task<void> {
        auto [client_plain, server_plain] = co_await tls_test::tcp_pair();
        co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {  // the server
                coronet::SocketStream& s = server_plain;
                CO_ASSERT(co_await read_line(s) == "HELLO\n");
                co_await s.send("250 hello\n");
                CO_ASSERT(co_await read_line(s) == "STARTTLS\n");
                co_await s.send("220 go ahead\n");
                TLSStream tls = co_await TLSStream::wrap(
                    std::move(server_plain),
                    {.server_side = true, .ssl_context = tls_test::server_context()});
                CO_ASSERT(co_await read_line(tls) == "SECRET 42\n");
                co_await tls.send("250 stored\n");
                CO_ASSERT(co_await read_line(tls) == "STOPTLS\n");
                co_await tls.send("220 back to plaintext\n");
                auto back = co_await tls.unwrap();
                std::string line = back.extra.to_string();
                while (line.empty() || line.back() != '\n')
                    line += (co_await back.stream->receive(1)).str();
                CO_ASSERT(line == "QUIT\n");
                co_await back.stream->send("221 bye\n");
                co_await back.stream->aclose();
            });
            coronet::SocketStream& c = client_plain;
            co_await c.send("HELLO\n");
            CO_ASSERT(co_await read_line(c) == "250 hello\n");
            co_await c.send("STARTTLS\n");
            CO_ASSERT(co_await read_line(c) == "220 go ahead\n");
            TLSStream tls = co_await TLSStream::wrap(
                std::move(client_plain),
                {.hostname = "127.0.0.1", .ssl_context = tls_test::client_context()});
            co_await tls.send("SECRET 42\n");
            CO_ASSERT(co_await read_line(tls) == "250 stored\n");
            co_await tls.send("STOPTLS\n");
            CO_ASSERT(co_await read_line(tls) == "220 back to plaintext\n");
            auto back = co_await tls.unwrap();
            co_await back.stream->send("QUIT\n");
            std::string reply = back.extra.to_string();
            while (reply.empty() || reply.back() != '\n')
                reply += (co_await back.stream->receive(1)).str();
            CO_ASSERT(reply == "221 bye\n");
            co_await back.stream->aclose();
        });
    });
}
