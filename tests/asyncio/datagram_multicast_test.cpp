// The reference's multicast recipe: a UDP socket with SO_REUSEADDR, bound to
// the group's port, joined to the group with IP_ADD_MEMBERSHIP and handed to
// create_datagram_endpoint as `sock`. It runs in a private network namespace
// whose loopback gets the MULTICAST flag and the route for 224.0.0.0/4 (the
// machine's lo usually has neither), so nothing leaves the test.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <coronet/asyncio/datagram_endpoint.hpp>
#include <coronet/net/socket.hpp>

#include "asyncio/asyncio_test_support.hpp"
#include "asyncio/datagram_test_support.hpp"
#include "support/private_network.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;
using test_support::PrivateNetwork;

namespace {

constexpr const char* kGroup = "239.255.255.250";
constexpr int kPort = 1900;

// The reference's make_sock(), option for option.
Task<net::Socket> make_sock() {
    net::Socket sock = net::socket(AF_INET, SOCK_DGRAM);
    // (SO_REUSEADDR before bind, so that both members can have the port.)
    sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    co_await sock.bind(net::SocketAddress::ipv4("0.0.0.0", kPort));
    ip_mreq mreq{};
    ::inet_pton(AF_INET, kGroup, &mreq.imr_multiaddr);
    mreq.imr_interface.s_addr = htonl(INADDR_ANY);
    sock.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, BytesView(&mreq, sizeof mreq));
    sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    co_return sock;
}

TEST(DatagramMulticast, TheReferenceRecipeSocketReceivesTheGroupsDatagrams) {
    PrivateNetwork network;
    PrivateNetwork::enable_loopback_multicast();
    coronet::run([&]() -> Task<void> {
        DgramFactory first, second, sender;
        net::Socket sock_a = co_await make_sock();
        net::Socket sock_b = co_await make_sock();
        auto a = co_await aio::create_datagram_endpoint(first.factory(), std::move(sock_a));
        auto b = co_await aio::create_datagram_endpoint(second.factory(), std::move(sock_b));
        aio::DatagramEndpointOptions o{};
        o.local_addr = net::SocketAddress::ipv4("127.0.0.1", 0);
        auto s = co_await aio::create_datagram_endpoint(sender.factory(), o);
        const auto group = net::SocketAddress::ipv4(kGroup, kPort);
        s.transport->sendto("to the group", group);
        // Both members get the one datagram: it went to the group, not to
        // one socket.
        co_await wait_until(
            [&] { return !first.rec->datagrams.empty() && !second.rec->datagrams.empty(); },
            "the multicast datagram at both members");
        CO_ASSERT(!first.rec->datagrams.empty() && !second.rec->datagrams.empty());
        EXPECT_EQ(first.rec->datagrams[0].first, "to the group");
        EXPECT_EQ(second.rec->datagrams[0].first, "to the group");
        EXPECT_EQ(first.rec->datagrams[0].second,
                  *s.transport->extra_info<net::SocketAddress>("sockname"));
        EXPECT_TRUE(first.rec->errors.empty());
        a.transport->close();
        b.transport->close();
        s.transport->close();
        co_await wait_until(
            [&] { return first.rec->lost && second.rec->lost && sender.rec->lost; });
    });
}

}  // namespace
