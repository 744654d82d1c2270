// TLS on asyncio transports: ssl= on the loop methods, start_tls, the SSL
// transport's callbacks, flow control, closing, errors and get_extra_info.
#include <gtest/gtest.h>
#include <unistd.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/server.hpp>
#include <coronet/asyncio/start_tls.hpp>
#include <coronet/asyncio/streams.hpp>
#include <filesystem>

#include "asyncio/asyncio_test_support.hpp"
#include "asyncio/slow_reader.hpp"
#include "asyncio/tls_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

// Server-side recorders that echo what they receive.
RecorderFactory echo_factory() {
    RecorderFactory f;
    f.configure = [](Recorder& r) {
        r.on_data = [](Recorder& self, BytesView d) { self.rec->transport->write(d); };
    };
    return f;
}

Task<aio::Server> tls_server(RecorderFactory& f, aio::ServerOptions o = {}) {
    auto ctx = tls_server_context();
    o.ssl = ctx;
    auto factory = f.factory();
    co_return co_await aio::create_server(factory, "127.0.0.1", 0, o);
}

aio::ConnectionOptions client_options(const std::shared_ptr<SSLContext>& ctx,
                                      std::string_view hostname = "localhost") {
    aio::ConnectionOptions o;
    o.ssl = ctx;
    o.server_hostname = hostname;
    return o;
}

TEST(TLSTransport, EchoWithProtocols) {
    coronet::run([&]() -> Task<void> {
        RecorderFactory sf = echo_factory();
        aio::Server server = co_await tls_server(sf);
        const int port = server.addresses()[0].port();
        auto ctx = tls_client_context();
        RecorderFactory cf;
        aio::Connection c =
            co_await aio::create_connection(cf.factory(), "127.0.0.1", port, client_options(ctx));
        CO_ASSERT(cf.made[0]->made);  // connection_made ran before the call returned
        c.transport->write("hello ");
        std::vector<BytesView> pieces{BytesView("over "), BytesView("tls")};
        c.transport->writelines(pieces);
        co_await wait_until([&] { return cf.made[0]->data == "hello over tls"; }, "echo");
        c.transport->close();
        EXPECT_TRUE(c.transport->is_closing());
        co_await wait_until([&] { return cf.made[0]->lost && sf.made[0]->lost; }, "both lost");
        EXPECT_EQ(joined(cf.made[0]->events), "made data lost:ok");
        // Our close_notify reached the server as EOF, then it closed.
        EXPECT_EQ(joined(sf.made[0]->events), "made data eof lost:ok");
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSTransport, EchoWithBufferedProtocol) {
    struct Buffered : aio::BufferedProtocol {
        std::string got;
        char buf[7];
        bool lost = false;
        std::span<std::byte> get_buffer(std::size_t) override {
            return {reinterpret_cast<std::byte*>(buf), sizeof buf};
        }
        void buffer_updated(std::size_t n) override { got.append(buf, n); }
        void connection_lost(std::exception_ptr) override { lost = true; }
    };
    coronet::run([&]() -> Task<void> {
        RecorderFactory sf = echo_factory();
        aio::Server server = co_await tls_server(sf);
        auto ctx = tls_client_context();
        auto owner = std::make_unique<Buffered>();
        Buffered& p = *owner;
        aio::ProtocolFactory factory = [&] { return std::move(owner); };
        aio::Connection c = co_await aio::create_connection(
            factory, "127.0.0.1", server.addresses()[0].port(), client_options(ctx));
        c.transport->write("a message longer than the buffer");
        co_await wait_until([&] { return p.got.size() == 32; }, "echo");
        EXPECT_EQ(p.got, "a message longer than the buffer");
        c.transport->close();
        co_await wait_until([&] { return p.lost && sf.made[0]->lost; }, "lost");
        server.close();
        co_await server.wait_closed();
    });
}

Task<void> echo_lines(aio::StreamReader reader, aio::StreamWriter writer) {
    for (;;) {
        Bytes line = co_await reader.readline();
        if (line.empty()) break;
        writer.write(line);
        co_await writer.drain();
    }
    writer.close();
    co_await writer.wait_closed();
}

TEST(TLSTransport, EchoWithStreams) {
    coronet::run([&]() -> Task<void> {
        auto sctx = tls_server_context();
        aio::ServerOptions so;
        so.ssl = sctx;
        aio::Server server = co_await aio::start_server(echo_lines, "127.0.0.1", 0, {}, so);
        auto ctx = tls_client_context();
        auto [reader, writer] = co_await aio::open_connection(
            "127.0.0.1", server.addresses()[0].port(), {}, client_options(ctx));
        writer.write("line one\n");
        writer.write("line two\n");
        co_await writer.drain();
        EXPECT_EQ((co_await reader.readline()).str(), "line one\n");
        EXPECT_EQ((co_await reader.readline()).str(), "line two\n");
        EXPECT_FALSE(writer.can_write_eof());
        writer.close();
        co_await writer.wait_closed();
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSTransport, EchoOverUnixSockets) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("coronet-aio-tls-" + std::to_string(::getpid()) + ".sock");
    std::filesystem::remove(path);
    coronet::run([&]() -> Task<void> {
        auto sctx = tls_server_context();
        aio::ServerOptions so;
        so.ssl = sctx;
        RecorderFactory sf = echo_factory();
        auto sfactory = sf.factory();
        aio::Server server = co_await aio::create_unix_server(sfactory, path.string(), so);
        auto ctx = tls_client_context();
        aio::TLSConnectionOptions to;
        to.ssl = ctx;
        to.server_hostname = "localhost";
        RecorderFactory cf;
        aio::Connection c = co_await aio::create_unix_connection(cf.factory(), path.string(), to);
        c.transport->write("unix");
        co_await wait_until([&] { return cf.made[0]->data == "unix"; }, "protocol echo");
        c.transport->close();
        // And with streams.
        server.close();
        co_await server.wait_closed();
        std::filesystem::remove(path);
        aio::Server s2 = co_await aio::start_unix_server(echo_lines, path.string(), {}, so);
        auto [reader, writer] = co_await aio::open_unix_connection(path.string(), {}, to);
        writer.write("streams\n");
        EXPECT_EQ((co_await reader.readline()).str(), "streams\n");
        writer.close();
        co_await writer.wait_closed();
        s2.close();
        co_await s2.wait_closed();
        EXPECT_TRUE(cf.made[0]->lost);
    });
    std::filesystem::remove(path);
}

TEST(TLSTransport, StartTlsUpgradesAPlainConnection) {
    coronet::run([&]() -> Task<void> {
        RecorderFactory sf;
        auto sfactory = sf.factory();
        aio::Server server = co_await aio::create_server(sfactory, "127.0.0.1", 0);
        RecorderFactory cf;
        aio::Connection c = co_await aio::create_connection(cf.factory(), "127.0.0.1",
                                                            server.addresses()[0].port());
        c.transport->write("STARTTLS\n");
        co_await wait_until([&] { return !sf.made.empty() && sf.made[0]->data == "STARTTLS\n"; },
                            "the plain command");
        auto plain_server =
            std::dynamic_pointer_cast<aio::Transport>(sf.made[0]->transport->shared_from_this());
        EXPECT_FALSE(c.transport->get_extra_info("ssl_object").has_value());
        auto sctx = tls_server_context();
        auto cctx = tls_client_context();
        std::shared_ptr<aio::Transport> server_tls, client_tls;
        aio::BaseProtocol* server_protocol = &plain_server->get_protocol();
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            // As a STARTTLS server does: reply in plain text, then switch
            // before the client can send its hello.
            plain_server->write("GO\n");
            tg.spawn([&]() -> Task<void> {
                server_tls = co_await aio::start_tls(plain_server, *server_protocol, sctx, true);
            });
            co_await wait_until([&] { return &plain_server->get_protocol() != server_protocol; },
                                "the server's switch");
            co_await wait_until([&] { return cf.made[0]->data == "GO\n"; }, "the plain reply");
            client_tls =
                co_await aio::start_tls(c.transport, *c.protocol, cctx, false, "localhost");
        });
        CO_ASSERT(server_tls && client_tls);
        EXPECT_EQ(&client_tls->get_protocol(), c.protocol);
        EXPECT_EQ(*client_tls->extra_info<std::string>("tls_version"), "TLSv1.3");
        client_tls->write("secret");
        co_await wait_until([&] { return sf.made[0]->data == "STARTTLS\nsecret"; }, "tls data");
        server_tls->write("ack");
        co_await wait_until([&] { return cf.made[0]->data == "GO\nack"; }, "tls reply");
        client_tls->close();
        co_await wait_until([&] { return cf.made[0]->lost && sf.made[0]->lost; }, "lost");
        // One connection_made and one connection_lost each, across the upgrade.
        EXPECT_EQ(joined(cf.made[0]->events), "made data lost:ok");
        EXPECT_EQ(joined(sf.made[0]->events), "made data eof lost:ok");
        server.close();
        co_await server.wait_closed();
    });
}

// TLS over a socketpair: the server end a plain transport upgraded with
// start_tls, the client end create_connection(ssl=) on a connected socket.
// The server's records are `server_side`'s (its transport pointer is the
// plain one: answer through `server_tls`).
struct TlsOverSocketpair {
    RecorderFactory server_side;
    RecorderFactory client_side;
    std::optional<aio::Connection> server;
    std::optional<aio::Connection> client;
    std::shared_ptr<aio::Transport> server_tls;

    Task<void> connect() {
        auto [a, b] = net::socketpair();
        auto sctx = tls_server_context();
        auto cctx = tls_client_context();  // the options only borrow it
        aio::TLSConnectionOptions to;
        to.ssl = cctx;
        to.server_hostname = "localhost";
        server = co_await aio::create_connection(server_side.factory(), std::move(b));
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                server_tls =
                    co_await aio::start_tls(server->transport, *server->protocol, sctx, true);
            });
            co_await wait_until(
                [&] { return &server->transport->get_protocol() != server->protocol; },
                "the server's switch");
            auto factory = client_side.factory();
            client = co_await aio::create_connection(factory, std::move(a), to);
        });
    }
    Record& server_record() { return *server_side.made.at(0); }
    Record& client_record() { return *client_side.made.at(0); }

    // The client's close_notify and its close both reach the server before
    // the server reads either, so whatever the server sends then meets a
    // closed socket (EPIPE).
    Task<void> client_closes_before_the_server_reads() {
        server_tls->pause_reading();
        client->transport->close();
        co_await wait_until([&] { return client_record().lost; }, "client lost");
        server_tls->resume_reading();
        co_await wait_until([&] { return server_record().lost; }, "server lost");
    }
};

TEST(TLSTransport, ConnectedSocketWithSsl) {
    coronet::run([&]() -> Task<void> {
        TlsOverSocketpair tls;
        co_await tls.connect();
        CO_ASSERT(tls.client && tls.server_tls);
        tls.client->transport->write("over a socketpair");
        co_await wait_until([&] { return tls.server_record().data == "over a socketpair"; },
                            "data");
        tls.server_tls->write("back");
        co_await wait_until([&] { return tls.client_record().data == "back"; }, "reply");
        EXPECT_EQ(*tls.client->transport->extra_info<std::string>("tls_version"), "TLSv1.3");
        tls.client->transport->close();
        co_await wait_until([&] { return tls.client_record().lost && tls.server_record().lost; },
                            "lost");
        EXPECT_EQ(joined(tls.server_record().events), "made data eof lost:ok");
    });
}

// Only the server's close_notify meets the closed socket: the session had
// ended on both sides, so that is not an error.
TEST(TLSTransport, PeerClosingRightAfterItsCloseNotifyIsACleanEnd) {
    coronet::run([&]() -> Task<void> {
        TlsOverSocketpair tls;
        co_await tls.connect();
        CO_ASSERT(tls.client && tls.server_tls);
        co_await tls.client_closes_before_the_server_reads();
        EXPECT_EQ(joined(tls.server_record().events), "made eof lost:ok");
    });
}

// What the protocol writes in eof_received() is lost the same way, and that
// is an error: the rule above must not hide it.
TEST(TLSTransport, DataWrittenToAPeerThatClosedIsStillAnError) {
    coronet::run([&]() -> Task<void> {
        TlsOverSocketpair tls;
        std::shared_ptr<aio::Transport>* reply_through = &tls.server_tls;
        tls.server_side.configure = [reply_through](Recorder& r) {
            r.on_eof = [reply_through](Recorder&) { (*reply_through)->write("bye"); };
        };
        co_await tls.connect();
        CO_ASSERT(tls.client && tls.server_tls);
        co_await tls.client_closes_before_the_server_reads();
        EXPECT_EQ(joined(tls.server_record().events), "made eof lost:error");
    });
}

TEST(TLSTransport, StartTlsFailureRaisesAndLosesTheConnection) {
    coronet::run([&]() -> Task<void> {
        HandlerLog log(Loop::current());
        RecorderFactory sf;
        auto sfactory = sf.factory();
        aio::Server server = co_await aio::create_server(sfactory, "127.0.0.1", 0);
        RecorderFactory cf;
        aio::Connection c = co_await aio::create_connection(cf.factory(), "127.0.0.1",
                                                            server.addresses()[0].port());
        co_await wait_until([&] { return !sf.made.empty(); }, "accepted");
        auto plain_server =
            std::dynamic_pointer_cast<aio::Transport>(sf.made[0]->transport->shared_from_this());
        auto sctx = tls_server_context(tls_test::certs().untrusted);
        auto cctx = tls_client_context();
        std::string client_error;
        aio::BaseProtocol* server_protocol = &plain_server->get_protocol();
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                try {
                    co_await aio::start_tls(plain_server, *server_protocol, sctx, true);
                } catch (const SSLError&) {
                }
            });
            co_await wait_until([&] { return &plain_server->get_protocol() != server_protocol; },
                                "the server's switch");
            try {
                co_await aio::start_tls(c.transport, *c.protocol, cctx, false, "localhost");
            } catch (const SSLCertVerificationError& e) {
                client_error = e.what();
            }
        });
        EXPECT_NE(client_error.find("certificate verify failed"), std::string::npos)
            << client_error;
        co_await wait_until([&] { return cf.made[0]->lost && sf.made[0]->lost; }, "lost");
        EXPECT_EQ(joined(cf.made[0]->events), "made lost:error");
        EXPECT_TRUE(c.transport->is_closing());
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSTransport, VerificationFailureIsClear) {
    coronet::run([&]() -> Task<void> {
        HandlerLog log(Loop::current());
        auto sctx = tls_server_context(tls_test::certs().untrusted);
        aio::ServerOptions so;
        so.ssl = sctx;
        RecorderFactory sf;
        auto sfactory = sf.factory();
        aio::Server server = co_await aio::create_server(sfactory, "127.0.0.1", 0, so);
        auto ctx = tls_client_context();
        RecorderFactory cf;
        std::string message;
        try {
            co_await aio::create_connection(cf.factory(), "127.0.0.1", server.addresses()[0].port(),
                                            client_options(ctx));
        } catch (const SSLCertVerificationError& e) {
            message = e.what();
        }
        EXPECT_NE(message.find("certificate verify failed: unable to get local issuer"),
                  std::string::npos)
            << message;
        // The client protocol never saw the connection.
        CO_ASSERT(cf.made.size() == 1);
        EXPECT_TRUE(cf.made[0]->events.empty());
        // The server reports the failed handshake, naming the peer.
        co_await wait_until([&] { return log.contains("TLS handshake failed with 127.0.0.1:"); },
                            "the server's report");
        EXPECT_TRUE(sf.made[0]->events.empty());
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSTransport, HostnameMismatchNamesBothNames) {
    coronet::run([&]() -> Task<void> {
        HandlerLog log(Loop::current());
        auto sctx = tls_server_context(tls_test::certs().wrong_host);
        aio::ServerOptions so;
        so.ssl = sctx;
        RecorderFactory sf;
        auto sfactory = sf.factory();
        aio::Server server = co_await aio::create_server(sfactory, "127.0.0.1", 0, so);
        auto ctx = tls_client_context();
        RecorderFactory cf;
        std::string message;
        try {
            // server_hostname defaults to the host given.
            aio::ConnectionOptions o;
            o.ssl = ctx;
            co_await aio::create_connection(cf.factory(), "localhost", server.addresses()[0].port(),
                                            o);
        } catch (const SSLCertVerificationError& e) {
            message = e.what();
        }
        EXPECT_NE(message.find("hostname mismatch"), std::string::npos) << message;
        EXPECT_NE(message.find("wrong.example"), std::string::npos) << message;
        EXPECT_NE(message.find("'localhost'"), std::string::npos) << message;
        co_await wait_until([&] { return log.contains("TLS handshake failed"); }, "report");
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSTransport, ServerHandshakeTimeout) {
    coronet::run([&]() -> Task<void> {
        HandlerLog log(Loop::current());
        RecorderFactory sf;
        aio::ServerOptions so;
        so.ssl_handshake_timeout = 50ms;
        aio::Server server = co_await tls_server(sf, so);
        // A plain client that never starts the handshake.
        RecorderFactory cf;
        co_await aio::create_connection(cf.factory(), "127.0.0.1", server.addresses()[0].port());
        co_await wait_until([&] { return cf.made[0]->lost; }, "the server gives up");
        EXPECT_TRUE(log.contains("TLS handshake did not complete within 50 ms"))
            << log.messages.size();
        EXPECT_TRUE(sf.made[0]->events.empty());
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSTransport, CloseSendsCloseNotifyAbortDoesNot) {
    coronet::run([&]() -> Task<void> {
        RecorderFactory sf;
        std::vector<bool> notify_seen;
        sf.configure = [&](Recorder& r) {
            r.on_eof = [&](Recorder& self) {
                auto v = self.rec->transport->get_extra_info("ssl_object");
                notify_seen.push_back((*std::any_cast<const TLSEngine*>(&v))->shutdown_received());
            };
        };
        aio::Server server = co_await tls_server(sf);
        auto ctx = tls_client_context();
        for (int i = 0; i < 2; ++i) {
            RecorderFactory cf;
            aio::Connection c = co_await aio::create_connection(
                cf.factory(), "127.0.0.1", server.addresses()[0].port(), client_options(ctx));
            c.transport->write("x");
            co_await wait_until(
                [&] { return sf.made.size() == std::size_t(i + 1) && sf.made[i]->data == "x"; },
                "data");
            if (i == 0) {
                c.transport->close();
            } else {
                c.transport->abort();
            }
            co_await wait_until([&] { return cf.made[0]->lost && sf.made[i]->lost; }, "lost");
            EXPECT_EQ(joined(cf.made[0]->events), "made lost:ok");
        }
        CO_ASSERT(notify_seen.size() == 2);
        EXPECT_TRUE(notify_seen[0]);
        EXPECT_FALSE(notify_seen[1]);
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSTransport, EveryExtraInfoKey) {
    coronet::run([&]() -> Task<void> {
        RecorderFactory sf;
        auto sctx = tls_server_context();
        sctx->set_alpn_protocols({"coronet/1"});
        aio::ServerOptions so;
        so.ssl = sctx;
        auto sfactory = sf.factory();
        aio::Server server = co_await aio::create_server(sfactory, "127.0.0.1", 0, so);
        auto ctx = tls_client_context();
        ctx->set_alpn_protocols({"coronet/1"});
        RecorderFactory cf;
        aio::Connection c = co_await aio::create_connection(
            cf.factory(), "127.0.0.1", server.addresses()[0].port(), client_options(ctx));
        c.transport->write("x");
        co_await wait_until([&] { return !sf.made.empty() && sf.made[0]->data == "x"; }, "data");
        aio::Transport& t = *c.transport;
        aio::Transport& s = *sf.made[0]->transport;

        auto cipher = t.extra_info<CipherInfo>("cipher");
        CO_ASSERT(cipher.has_value());
        EXPECT_FALSE(cipher->name.empty());
        EXPECT_EQ(cipher->protocol, "TLSv1.3");
        EXPECT_GT(cipher->secret_bits, 0);
        auto peercert = t.extra_info<std::optional<PeerCertificate>>("peercert");
        CO_ASSERT(peercert.has_value() && peercert->has_value());
        EXPECT_EQ((*peercert)->subject.back().second, "localhost");
        // No client certificate was asked for.
        auto server_peercert = s.extra_info<std::optional<PeerCertificate>>("peercert");
        CO_ASSERT(server_peercert.has_value());
        EXPECT_FALSE(server_peercert->has_value());
        auto compression = t.extra_info<std::optional<std::string>>("compression");
        CO_ASSERT(compression.has_value());
        EXPECT_FALSE(compression->has_value());
        EXPECT_EQ(*t.extra_info<std::shared_ptr<SSLContext>>("sslcontext"), ctx);
        EXPECT_EQ(*s.extra_info<std::shared_ptr<SSLContext>>("sslcontext"), sctx);
        auto engine = t.extra_info<const TLSEngine*>("ssl_object");
        CO_ASSERT(engine.has_value() && *engine != nullptr);
        EXPECT_TRUE((*engine)->handshake_done());
        EXPECT_EQ(*t.extra_info<std::optional<std::string>>("alpn_protocol"),
                  std::optional<std::string>("coronet/1"));
        EXPECT_EQ(*t.extra_info<std::string>("tls_version"), "TLSv1.3");
        EXPECT_EQ(*s.extra_info<std::string>("tls_version"), "TLSv1.3");
        EXPECT_FALSE(*t.extra_info<bool>("server_side"));
        EXPECT_TRUE(*s.extra_info<bool>("server_side"));
        EXPECT_EQ(*t.extra_info<std::string>("server_hostname"), "localhost");
        EXPECT_EQ(*s.extra_info<std::string>("server_hostname"), "localhost");  // SNI
        // The socket transport's keys come through.
        auto peer = t.extra_info<net::SocketAddress>("peername");
        CO_ASSERT(peer.has_value());
        EXPECT_EQ(peer->port(), server.addresses()[0].port());
        EXPECT_TRUE(t.extra_info<net::SocketAddress>("sockname").has_value());
        EXPECT_TRUE(t.extra_info<net::Socket*>("socket").has_value());
        EXPECT_EQ(std::any_cast<int>(t.get_extra_info("no such key", 7)), 7);
        // No half-close over TLS, as asyncio.
        EXPECT_FALSE(t.can_write_eof());
        EXPECT_THROW(t.write_eof(), std::logic_error);
        EXPECT_TRUE(t.is_reading());
        t.close();
        co_await wait_until([&] { return cf.made[0]->lost && sf.made[0]->lost; }, "lost");
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSTransport, SlowReaderPausesAndResumesTheWriter) {
    const std::size_t total =
        std::max<std::size_t>(4 << 20, static_cast<std::size_t>(16.0 * (1 << 20) * test_scale()));
    const std::int64_t high = 128 * 1024, low = 32 * 1024;
    coronet::run([&]() -> Task<void> {
        std::size_t received = 0;
        RecorderFactory sf;
        sf.configure = [&](Recorder& r) {
            r.on_data = [&](Recorder& self, BytesView d) {
                received += d.size();
                self.rec->data.clear();  // keep memory flat
            };
        };
        aio::Server server = co_await tls_server(sf);
        auto ctx = tls_client_context();
        PacedWriterSetup paced(total, high, low);
        PacedWriter& w = paced.writer;
        aio::Connection c = co_await aio::create_connection(
            paced.factory, "127.0.0.1", server.addresses()[0].port(), client_options(ctx));
        c.transport->set_write_buffer_limits(high, low);
        EXPECT_EQ(c.transport->get_write_buffer_limits(),
                  (std::pair<std::size_t, std::size_t>(low, high)));
        co_await wait_until([&] { return !sf.made.empty() && sf.made[0]->transport; }, "accept");
        aio::Transport* reader = sf.made[0]->transport;
        // Small kernel buffers, so that a small scale still fills them.
        net::set_send_buffer_size(**c.transport->extra_info<net::Socket*>("socket"), 32 * 1024);
        net::set_receive_buffer_size(**reader->extra_info<net::Socket*>("socket"), 32 * 1024);
        reader->pause_reading();
        EXPECT_FALSE(reader->is_reading());
        w.pump();
        EXPECT_TRUE(w.paused);
        co_await read_in_bursts(*sf.made[0]);
        co_await wait_until([&] { return w.lost; }, "writer lost");
        expect_paced(w, received, total);
        EXPECT_EQ(w.pauses, w.resumes);
        // (expect_paced's bound holds here too: plaintext waits only while
        // the socket transport is paused.)
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TLSTransport, BadArgumentsAreClearErrors) {
    coronet::run([&]() -> Task<void> {
        HandlerLog log(Loop::current());
        auto cctx = tls_client_context();
        auto sctx = tls_server_context();
        RecorderFactory f;
        auto factory = f.factory();
        aio::ConnectionOptions hostname_only;
        hostname_only.server_hostname = "localhost";
        std::string m =
            co_await tls_message_of(aio::create_connection(factory, "127.0.0.1", 1, hostname_only));
        EXPECT_NE(m.find("server_hostname is only meaningful with ssl"), std::string::npos) << m;
        aio::ServerOptions wrong_role;
        wrong_role.ssl = cctx;
        m = co_await tls_message_of(aio::create_server(factory, "127.0.0.1", 0, wrong_role));
        EXPECT_NE(m.find("ssl needs a server context"), std::string::npos) << m;
        aio::ServerOptions zero;
        zero.ssl = sctx;
        zero.ssl_handshake_timeout = Duration::zero();
        m = co_await tls_message_of(aio::create_server(factory, "127.0.0.1", 0, zero));
        EXPECT_NE(m.find("ssl_handshake_timeout must be positive"), std::string::npos) << m;

        // start_tls on a TLS transport, with a foreign protocol, with no context.
        RecorderFactory sf = echo_factory();
        aio::Server server = co_await tls_server(sf);
        aio::Connection c = co_await aio::create_connection(
            factory, "127.0.0.1", server.addresses()[0].port(), client_options(cctx));
        m = co_await tls_message_of(aio::start_tls(c.transport, *c.protocol, cctx));
        EXPECT_NE(m.find("already speaks TLS"), std::string::npos) << m;
        RecorderFactory pf;
        aio::Connection plain = co_await aio::create_connection(pf.factory(), "127.0.0.1",
                                                                server.addresses()[0].port());
        Recorder stranger;
        m = co_await tls_message_of(aio::start_tls(plain.transport, stranger, cctx));
        EXPECT_NE(m.find("not the transport's protocol"), std::string::npos) << m;
        plain.transport->abort();
        m = co_await tls_message_of(aio::start_tls(c.transport, *c.protocol, nullptr));
        EXPECT_NE(m.find("the SSL context is null"), std::string::npos) << m;
        c.transport->close();
        co_await wait_until([&] { return f.made[0]->lost && pf.made[0]->lost; }, "lost");
        // The plain client's end of the server's handshake.
        co_await wait_until([&] { return log.contains("the peer closed the connection"); },
                            "the server's report");
        server.close();
        co_await server.wait_closed();
    });
}

}  // namespace
