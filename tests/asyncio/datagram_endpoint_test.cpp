// create_datagram_endpoint: callback order, echo over UDP (IPv4, IPv6) and
// UNIX datagrams, connected endpoints, error_received, bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <coronet/asyncio/datagram_endpoint.hpp>
#include <coronet/net/socket.hpp>

#include "asyncio/asyncio_test_support.hpp"
#include "asyncio/datagram_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

class DatagramFamilies : public ::testing::TestWithParam<int> {};

net::SocketAddress local_for(int family, const char* tag) {
    if (family == AF_INET) return net::SocketAddress::ipv4("127.0.0.1", 0);
    if (family == AF_INET6) return net::SocketAddress::ipv6("::1", 0);
    return net::SocketAddress::unix_abstract("coronet-aio-dgram-" + std::to_string(::getpid()) +
                                             tag);
}

TEST_P(DatagramFamilies, EchoAndCallbackOrder) {
    const int family = GetParam();
    coronet::run([&]() -> Task<void> {
        DgramFactory server, client;
        aio::DatagramEndpointOptions so{};
        so.local_addr = local_for(family, "s");
        auto s = co_await aio::create_datagram_endpoint(server.factory(true), so);
        const auto server_address = *s.transport->extra_info<net::SocketAddress>("sockname");
        aio::DatagramEndpointOptions co{};
        co.local_addr = local_for(family, "c");
        co.remote_addr = server_address;
        auto c = co_await aio::create_datagram_endpoint(client.factory(), co);
        EXPECT_EQ(*c.transport->extra_info<net::SocketAddress>("peername"), server_address);
        c.transport->sendto("one");
        c.transport->sendto("two", server_address);  // the connected address itself is fine
        c.transport->sendto("");                     // an empty datagram is a datagram
        co_await wait_until([&] { return client.rec->datagrams.size() == 3; }, "echoes");
        EXPECT_EQ(client.rec->datagrams[0].first, "one");
        EXPECT_EQ(client.rec->datagrams[1].first, "two");
        EXPECT_EQ(client.rec->datagrams[2].first, "");
        EXPECT_EQ(client.rec->datagrams[0].second, server_address);
        EXPECT_EQ(server.rec->datagrams[0].second,
                  *c.transport->extra_info<net::SocketAddress>("sockname"));
        EXPECT_EQ(c.transport->get_write_buffer_size(), 0u);
        c.transport->close();
        s.transport->close();
        EXPECT_TRUE(c.transport->is_closing());
        co_await wait_until([&] { return client.rec->lost && server.rec->lost; });
        EXPECT_EQ(joined(client.rec->events), "made datagram datagram datagram lost:ok");
        EXPECT_EQ(joined(server.rec->events), "made datagram datagram datagram lost:ok");
    });
}

INSTANTIATE_TEST_SUITE_P(Asyncio, DatagramFamilies, ::testing::Values(AF_INET, AF_INET6, AF_UNIX),
                         [](const auto& info) {
                             return std::string(info.param == AF_INET    ? "ipv4"
                                                : info.param == AF_INET6 ? "ipv6"
                                                                         : "unix");
                         });

TEST(DatagramEndpoint, ConnectedEndpointRejectsAnotherAddress) {
    coronet::run([&]() -> Task<void> {
        DgramFactory m;
        aio::DatagramEndpointOptions o{};
        o.remote_addr = net::SocketAddress::ipv4("127.0.0.1", 9);
        auto e = co_await aio::create_datagram_endpoint(m.factory(), o);
        try {
            e.transport->sendto("x", net::SocketAddress::ipv4("127.0.0.1", 10));
            ADD_FAILURE() << "no error";
        } catch (const std::invalid_argument& err) {
            EXPECT_NE(std::string(err.what()).find("connected to 127.0.0.1:9"), std::string::npos);
        }
        e.transport->close();
        co_await wait_until([&] { return m.rec->lost; });
    });
}

// ICMP port unreachable on a connected UDP socket arrives as error_received,
// and the endpoint stays open.
TEST(DatagramEndpoint, ErrorReceivedKeepsTheEndpointOpen) {
    coronet::run([&]() -> Task<void> {
        // A port nobody listens on: bind one, note it, close it.
        net::Socket probe = net::socket(AF_INET, SOCK_DGRAM);
        co_await probe.bind(net::SocketAddress::ipv4("127.0.0.1", 0));
        const auto dead = probe.getsockname();
        probe.close();
        DgramFactory m;
        aio::DatagramEndpointOptions o{};
        o.remote_addr = dead;
        auto e = co_await aio::create_datagram_endpoint(m.factory(), o);
        for (int i = 0; i < 200 && m.rec->errors.empty(); ++i) {
            e.transport->sendto("anyone?");
            co_await sleep(1ms);
        }
        CO_ASSERT(!m.rec->errors.empty());
        EXPECT_NE(m.rec->errors[0].find("Connection refused"), std::string::npos)
            << m.rec->errors[0];
        EXPECT_FALSE(e.transport->is_closing());
        e.transport->abort();
        co_await wait_until([&] { return m.rec->lost; });
        EXPECT_EQ(m.rec->events.back(), "lost:ok");
    });
}

TEST(DatagramEndpoint, ExistingSocketBroadcastAndReusePort) {
    coronet::run([&]() -> Task<void> {
        DgramFactory a, b;
        aio::DatagramEndpointOptions o{};
        o.local_addr = net::SocketAddress::ipv4("127.0.0.1", 0);
        o.allow_broadcast = true;
        o.reuse_port = true;
        auto ea = co_await aio::create_datagram_endpoint(a.factory(), o);
        net::Socket* sa = *ea.transport->extra_info<net::Socket*>("socket");
        EXPECT_EQ(sa->getsockopt(SOL_SOCKET, SO_BROADCAST), 1);
        EXPECT_EQ(sa->getsockopt(SOL_SOCKET, SO_REUSEPORT), 1);
        EXPECT_FALSE(ea.transport->get_extra_info("peername").has_value());
        net::Socket raw = net::socket(AF_INET, SOCK_DGRAM);
        co_await raw.bind(net::SocketAddress::ipv4("127.0.0.1", 0));
        auto eb = co_await aio::create_datagram_endpoint(b.factory(), std::move(raw));
        eb.transport->sendto("hi", sa->getsockname());
        co_await wait_until([&] { return !a.rec->datagrams.empty(); });
        EXPECT_EQ(a.rec->datagrams[0].first, "hi");
        ea.transport->close();
        eb.transport->close();
        co_await wait_until([&] { return a.rec->lost && b.rec->lost; });
    });
}

TEST(DatagramEndpoint, BadInputIsAClearError) {
    coronet::run([&]() -> Task<void> {
        std::vector<std::string> reported;
        Loop::current().set_exception_handler(
            [&](Loop&, const ExceptionContext& ctx) { reported.push_back(ctx.message); });
        DgramFactory m;
        EXPECT_THROW(
            co_await aio::create_datagram_endpoint(m.factory(), aio::DatagramEndpointOptions{}),
            std::invalid_argument);
        aio::DatagramEndpointOptions mixed{};
        mixed.local_addr = net::SocketAddress::ipv4("127.0.0.1", 0);
        mixed.remote_addr = net::SocketAddress::ipv6("::1", 9);
        EXPECT_THROW(co_await aio::create_datagram_endpoint(m.factory(), mixed),
                     std::invalid_argument);
        EXPECT_THROW(
            co_await aio::create_datagram_endpoint(m.factory(), net::socket(AF_INET, SOCK_STREAM)),
            std::invalid_argument);
        aio::DatagramEndpointOptions o{};
        o.local_addr = net::SocketAddress::ipv4("127.0.0.1", 0);
        auto e = co_await aio::create_datagram_endpoint(m.factory(), o);
        EXPECT_THROW(e.transport->sendto("no address"), std::invalid_argument);
        EXPECT_THROW(e.transport->set_protocol(std::make_unique<aio::Protocol>()),
                     std::invalid_argument);
        e.transport->close();
        e.transport->sendto("late", net::SocketAddress::ipv4("127.0.0.1", 9));
        EXPECT_EQ(reported.size(), 1u);
        co_await wait_until([&] { return m.rec->lost; });
        Loop::current().set_exception_handler(nullptr);
    });
}

}  // namespace
