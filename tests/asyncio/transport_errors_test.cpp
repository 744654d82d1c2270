// Error paths and the remaining entry points: a protocol callback that
// throws, a peer reset, local_addr / family, protocol_as, the EventLoop
// facade.
#include <gtest/gtest.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/datagram_endpoint.hpp>
#include <coronet/asyncio/server.hpp>
#include <coronet/net/socket_options.hpp>
#include <coronet/runtime/event_loop.hpp>

#include "asyncio/asyncio_test_support.hpp"
#include "support/forwarding_driver.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

TEST(TransportErrors, ThrowingCallbackIsReportedAndAbortsTheTransport) {
    coronet::run([&]() -> Task<void> {
        ReportedErrors reported;
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        fb.configure = [](Recorder& r) {
            r.on_data = [](Recorder&, BytesView) { throw std::runtime_error("parser broke"); };
        };
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        ca.transport->write("bad input");
        co_await wait_until([&] { return fb.made[0]->lost && fa.made[0]->lost; });
        EXPECT_EQ(joined(fb.made[0]->events), "made data lost:error");
        EXPECT_THROW(std::rethrow_exception(fb.made[0]->lost_error), std::runtime_error);
        CO_ASSERT(reported.messages.size() == 1u);
        EXPECT_NE(reported.messages[0].find("data_received() failed"), std::string::npos);
        EXPECT_NE(reported.messages[0].find("parser broke"), std::string::npos);
    });
}

TEST(TransportErrors, PeerResetEndsWithTheError) {
    coronet::run([&]() -> Task<void> {
        RecorderFactory server_side;
        aio::Server server = co_await aio::create_server(server_side.factory(), "127.0.0.1", 0);
        net::Socket peer = net::socket(AF_INET, SOCK_STREAM);
        co_await peer.connect(server.addresses()[0]);
        co_await wait_until([&] { return !server_side.made.empty(); });
        net::set_linger(peer, std::chrono::seconds(0));
        peer.close();  // RST
        co_await wait_until([&] { return server_side.made[0]->lost; });
        EXPECT_EQ(joined(server_side.made[0]->events), "made lost:error");
        try {
            std::rethrow_exception(server_side.made[0]->lost_error);
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), ECONNRESET);
        }
        server.close();
        co_await server.wait_closed();
    });
}

TEST(TransportErrors, LocalAddrFamilyAndProtocolAs) {
    coronet::run([&]() -> Task<void> {
        RecorderFactory server_side;
        aio::Server server = co_await aio::create_server(server_side.factory(), "127.0.0.1", 0);
        RecorderFactory f;
        aio::ConnectionOptions o{};
        o.family = AF_INET;
        o.local_addr = net::SocketAddress::ipv4("127.0.0.1", 0);
        aio::Connection c = co_await aio::create_connection(f.factory(), "localhost",
                                                            server.addresses()[0].port(), o);
        auto local = c.transport->extra_info<net::SocketAddress>("sockname");
        CO_ASSERT(local.has_value());
        EXPECT_EQ(local->family(), AF_INET);
        EXPECT_EQ(c.protocol_as<Recorder>().rec, f.made[0]);
        EXPECT_THROW(c.protocol_as<aio::BufferedProtocol>(), std::bad_cast);
        c.transport->close();
        co_await wait_until([&] { return f.made[0]->lost; });
        server.close();
        co_await server.wait_closed();

        struct Quiet : aio::DatagramProtocol {};
        auto quiet = [] { return std::make_unique<Quiet>(); };
        aio::DatagramEndpointOptions d{};
        d.family = AF_INET6;  // family alone: an unbound socket of that family
        auto e = co_await aio::create_datagram_endpoint(quiet, d);
        EXPECT_NO_THROW(e.protocol_as<Quiet>());
        auto sock = e.transport->extra_info<net::Socket*>("socket");
        CO_ASSERT(sock.has_value());
        EXPECT_EQ((*sock)->family(), AF_INET6);
        e.transport->close();
        co_await sleep(1ms);
    });
}

Task<std::string> echo_once(int port) {
    RecorderFactory f;
    aio::Connection c = co_await aio::create_connection(f.factory(), "127.0.0.1", port);
    c.transport->write("through EventLoop");
    c.transport->write_eof();
    co_await wait_until([&] { return f.made[0]->lost; });
    co_return f.made[0]->data;
}

struct Echo : aio::Protocol {
    aio::Transport* t = nullptr;
    void connection_made(aio::BaseTransport& tr) override {
        t = &dynamic_cast<aio::Transport&>(tr);
    }
    void data_received(BytesView d) override { t->write(d); }
};

Task<aio::Server> make_server() {
    auto echo = [] { return std::make_unique<Echo>(); };
    co_return co_await aio::create_server(echo, "127.0.0.1", 0);
}

Task<void> close_server(aio::Server* server) {
    server->close();
    co_await server->wait_closed();
}

// The same functions work under asyncio's EventLoop facade.
TEST(TransportErrors, WorksUnderTheEventLoopFacade) {
    EventLoop loop;
    aio::Server server = loop.run_until_complete(make_server());
    const int port = server.addresses()[0].port();
    EXPECT_EQ(loop.run_until_complete(echo_once(port)), "through EventLoop");
    loop.run_until_complete(close_server(&server));
    loop.close();
}

// The loop's own driver, except that it refuses every send request, as
// io_uring's does when its submission queue stays full.
class RefusingSendsDriver final : public coronet::test::ForwardingDriver {
  public:
    bool start(backend::Operation& op) override {
        if (op.code == backend::OpCode::send || op.code == backend::OpCode::sendmsg)
            throw std::system_error(EBUSY, std::generic_category(), "no submission slot");
        return ForwardingDriver::start(op);
    }
};

// A write the socket cannot take at once needs a send request; when the
// driver refuses it the connection ends with that error (reported), instead
// of keeping a buffer nothing will drain and never finishing close().
TEST(TransportErrors, ASendTheDriverRefusesEndsTheConnection) {
    Loop loop(std::make_unique<RefusingSendsDriver>());
    loop.run_until_complete([&]() -> Task<void> {
        ReportedErrors reported;
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        cb.transport->pause_reading();
        ca.transport->write(std::string(1 << 20, 'x'));  // more than the socket takes
        co_await wait_until([&] { return fa.made[0]->lost; }, "the writer lost");
        EXPECT_EQ(joined(fa.made[0]->events), "made lost:error");
        EXPECT_THROW(std::rethrow_exception(fa.made[0]->lost_error), std::system_error);
        CO_ASSERT(reported.messages.size() == 1u);
        EXPECT_NE(reported.messages[0].find("could not start a send"), std::string::npos)
            << reported.messages[0];
        EXPECT_NE(reported.messages[0].find("no submission slot"), std::string::npos)
            << reported.messages[0];
        cb.transport->close();
        co_await wait_until([&] { return fb.made[0]->lost; }, "the reader lost");
    }());
}

}  // namespace
