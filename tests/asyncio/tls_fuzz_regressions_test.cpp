// The SSL transport's defects fuzz/asyncio_ssl_callbacks found, each pinned
// over a socketpair: our side is a TLS client (create_connection(sock,
// ssl=)), the peer a start_tls server on the other end.
//  * A peer's plain TCP EOF (no close_notify) made the plain transport close
//    by itself, dropping the plaintext still waiting for a slow socket and
//    our close_notify; now the SSL transport closes as close() does.
//  * A BufferedProtocol whose buffer is smaller than a decrypted chunk got
//    the rest of the chunk after it paused, closed or aborted from
//    buffer_updated; now the rest waits for resume_reading.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/start_tls.hpp>
#include <optional>

#include "asyncio/asyncio_test_support.hpp"
#include "asyncio/tls_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

struct Pair {
    std::optional<aio::Connection> client;  // ours
    aio::Connection peer_plain;
    std::shared_ptr<aio::Transport> peer;  // the peer's SSL transport
    int peer_fd = -1;
};

// `client` and `server` make the protocols; our socket gets a small send
// buffer, so what we write may wait in the SSL transport.
Task<Pair> tls_socketpair(const aio::ProtocolFactory& client, const aio::ProtocolFactory& server) {
    auto sockets = net::socketpair();
    net::Socket ours = std::move(sockets.first);
    net::Socket theirs = std::move(sockets.second);
    const int small = 4096;
    ::setsockopt(ours.fileno(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    Pair p;
    p.peer_fd = theirs.fileno();
    auto sctx = tls_server_context();
    auto cctx = tls_client_context();
    p.peer_plain = co_await aio::create_connection(server, std::move(theirs));
    aio::TLSConnectionOptions to;
    to.ssl = cctx;
    to.server_hostname = "localhost";
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            p.peer =
                co_await aio::start_tls(p.peer_plain.transport, *p.peer_plain.protocol, sctx, true);
        });
        co_await wait_until(
            [&] { return &p.peer_plain.transport->get_protocol() != p.peer_plain.protocol; },
            "the peer's switch");
        p.client = co_await aio::create_connection(client, std::move(ours), to);
    });
    co_return p;
}

}  // namespace

TEST(TLSFuzzRegressions, TcpEofWithoutCloseNotifyStillFlushesAndSendsCloseNotify) {
    coronet::run([&]() -> Task<void> {
        const std::string reply(512 * 1024, 'r');
        RecorderFactory cf;
        cf.configure = [&](Recorder& r) {
            r.on_eof = [&](Recorder& self) { self.rec->transport->write(reply); };
        };
        RecorderFactory sf;
        std::shared_ptr<aio::Transport>* peer_tls = nullptr;
        bool notify_before_eof = false;
        sf.configure = [&](Recorder& r) {
            r.on_eof = [&](Recorder&) {
                auto v = (*peer_tls)->get_extra_info("ssl_object");
                notify_before_eof = (*std::any_cast<const TLSEngine*>(&v))->shutdown_received();
            };
        };
        // Named: a temporary inside co_await is destroyed twice by g++ 12.
        aio::ProtocolFactory client = cf.factory();
        aio::ProtocolFactory server = sf.factory();
        Pair p = co_await tls_socketpair(client, server);
        CO_ASSERT(p.client && p.peer);
        peer_tls = &p.peer;

        // The peer's TCP EOF, without close_notify; it goes on reading.
        CO_ASSERT(::shutdown(p.peer_fd, SHUT_WR) == 0);
        co_await wait_until([&] { return cf.made[0]->lost && sf.made[0]->lost; }, "both lost");
        const auto& events = cf.made[0]->events;
        CO_ASSERT(events.size() >= 3);
        EXPECT_EQ(events[0], "made");
        EXPECT_EQ(events[1], "eof");
        EXPECT_EQ(events.back(), "lost:ok");
        EXPECT_EQ(sf.made[0]->data.size(), reply.size());
        EXPECT_TRUE(sf.made[0]->data == reply);
        EXPECT_TRUE(sf.made[0]->eof);
        EXPECT_TRUE(notify_before_eof);  // the EOF the peer saw was our close_notify
    });
}

// A 4-byte buffer: each decrypted chunk takes several buffer_updated calls.
struct SmallBuffer : aio::BufferedProtocol {
    aio::Transport* transport = nullptr;
    std::string got;
    std::string action;  // from buffer_updated: "pause", "close" or "abort"
    int updates_after_action = 0;
    bool acted = false;
    bool lost = false;
    char buf[4];

    void connection_made(aio::BaseTransport& t) override {
        transport = &dynamic_cast<aio::Transport&>(t);
    }
    std::span<std::byte> get_buffer(std::size_t) override {
        return {reinterpret_cast<std::byte*>(buf), sizeof buf};
    }
    void buffer_updated(std::size_t n) override {
        got.append(buf, n);
        if (acted) {
            ++updates_after_action;
            return;
        }
        acted = true;
        if (action == "pause") transport->pause_reading();
        if (action == "close") transport->close();
        if (action == "abort") transport->abort();
    }
    void connection_lost(std::exception_ptr) override { lost = true; }
};

TEST(TLSFuzzRegressions, BufferedProtocolGetsNothingAfterPauseCloseOrAbort) {
    for (const char* action : {"pause", "close", "abort"}) {
        SCOPED_TRACE(action);
        coronet::run([&]() -> Task<void> {
            SmallBuffer* ours = nullptr;
            aio::ProtocolFactory client = [&]() -> std::unique_ptr<aio::BaseProtocol> {
                auto p = std::make_unique<SmallBuffer>();
                p->action = action;
                ours = p.get();
                return p;
            };
            RecorderFactory sf;
            aio::ProtocolFactory server = sf.factory();
            Pair p = co_await tls_socketpair(client, server);
            CO_ASSERT(p.client && p.peer && ours);
            p.peer->write("one TLS record, many small buffers");
            co_await wait_until([&] { return ours->acted; }, "the first buffer_updated");
            co_await sleep(20ms);  // room for a wrong delivery
            EXPECT_EQ(ours->got, "one ");
            EXPECT_EQ(ours->updates_after_action, 0);
            if (std::string(action) == "pause") {
                ours->transport->resume_reading();
                co_await wait_until([&] { return ours->got.size() == 34; }, "the rest");
                EXPECT_EQ(ours->got, "one TLS record, many small buffers");
                ours->transport->close();
            }
            co_await wait_until([&] { return ours->lost && sf.made[0]->lost; }, "both lost");
        });
    }
}
