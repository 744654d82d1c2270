// create_datagram_endpoint's host names (resolved through net's resolver),
// `flags` (the AI_* hints) and `proto` (socket()'s protocol), and their bad
// input.
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>

#include <coronet/asyncio/datagram_endpoint.hpp>
#include <coronet/net/resolver.hpp>
#include <coronet/net/socket.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "asyncio/asyncio_test_support.hpp"
#include "asyncio/datagram_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

// Records every query; knows "dgram.test" as the answers in `answers` (the
// port of each replaced by the query's), and nothing else.
class RecordingResolver : public net::Resolver {
  public:
    std::vector<net::AddressQuery> queries;
    std::vector<net::AddressInfo> answers;

    Task<std::vector<net::AddressInfo>> getaddrinfo(net::AddressQuery query) override {
        queries.push_back(query);
        if (query.host != "dgram.test") throw net::GaiError(EAI_NONAME, "getaddrinfo", query.host);
        const int port = query.service.empty() ? 0 : std::stoi(query.service);
        std::vector<net::AddressInfo> out = answers;
        for (auto& a : out) {
            a.address = a.address.family() == AF_INET6
                            ? net::SocketAddress::ipv6(a.address.host(), port)
                            : net::SocketAddress::ipv4(a.address.host(), port);
        }
        co_return out;
    }
};

net::AddressInfo answer(int family, const char* host) {
    net::AddressInfo a;
    a.family = family;
    a.type = SOCK_DGRAM;
    a.proto = IPPROTO_UDP;
    a.address =
        family == AF_INET6 ? net::SocketAddress::ipv6(host, 0) : net::SocketAddress::ipv4(host, 0);
    return a;
}

TEST(DatagramEndpointOptions, DatagramAddressIsNumericOrAHostAndPort) {
    const aio::DatagramAddress numeric = net::SocketAddress::ipv4("127.0.0.1", 53);
    EXPECT_TRUE(numeric.is_numeric());
    EXPECT_EQ(numeric.address(), net::SocketAddress::ipv4("127.0.0.1", 53));
    const aio::DatagramAddress named("localhost", 53);
    EXPECT_FALSE(named.is_numeric());
    EXPECT_EQ(named.host(), "localhost");
    EXPECT_EQ(named.port(), 53);
}

TEST(DatagramEndpointOptions, HostNamesAreResolved) {
    coronet::run([&]() -> Task<void> {
        DgramFactory server, client;
        aio::DatagramEndpointOptions so{};
        so.local_addr = aio::DatagramAddress("localhost", 0);
        so.family = AF_INET;
        auto s = co_await aio::create_datagram_endpoint(server.factory(true), so);
        const auto server_address = *s.transport->extra_info<net::SocketAddress>("sockname");
        EXPECT_EQ(server_address.host(), "127.0.0.1");
        aio::DatagramEndpointOptions co{};
        co.local_addr = {"127.0.0.1", 0};  // a numeric host given as text
        co.remote_addr = {"localhost", server_address.port()};
        auto c = co_await aio::create_datagram_endpoint(client.factory(), co);
        EXPECT_EQ(*c.transport->extra_info<net::SocketAddress>("peername"), server_address);
        c.transport->sendto("by name");
        co_await wait_until([&] { return !client.rec->datagrams.empty(); }, "the echo");
        CO_ASSERT(!client.rec->datagrams.empty());
        EXPECT_EQ(client.rec->datagrams[0].first, "by name");
        EXPECT_EQ(server.rec->datagrams.at(0).second,
                  *c.transport->extra_info<net::SocketAddress>("sockname"));
        s.transport->close();
        c.transport->close();
        co_await wait_until([&] { return server.rec->lost && client.rec->lost; });
    });
}

// Names go through the installed resolver with family, SOCK_DGRAM, proto and
// flags as the hints.
TEST(DatagramEndpointOptions, FlagsAndProtoAreTheResolverHints) {
    auto resolver = std::make_shared<RecordingResolver>();
    resolver->answers = {answer(AF_INET, "127.0.0.1")};
    auto guard = net::set_resolver_for_testing(resolver);
    coronet::run([&]() -> Task<void> {
        DgramFactory m;
        aio::DatagramEndpointOptions o{};
        o.local_addr = {"dgram.test", 0};
        o.family = AF_INET;
        o.proto = IPPROTO_UDP;
        o.flags = AI_PASSIVE | AI_ADDRCONFIG;
        auto e = co_await aio::create_datagram_endpoint(m.factory(), o);
        CO_ASSERT(resolver->queries.size() == 1);
        const net::AddressQuery& q = resolver->queries[0];
        EXPECT_EQ(q.host, "dgram.test");
        EXPECT_EQ(q.service, "0");
        EXPECT_EQ(q.family, AF_INET);
        EXPECT_EQ(q.type, SOCK_DGRAM);
        EXPECT_EQ(q.proto, IPPROTO_UDP);
        EXPECT_EQ(q.flags, AI_PASSIVE | AI_ADDRCONFIG);
        net::Socket* sock = *e.transport->extra_info<net::Socket*>("socket");
        EXPECT_EQ(sock->getsockopt(SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
        EXPECT_EQ(sock->getsockname().host(), "127.0.0.1");
        e.transport->close();
        co_await wait_until([&] { return m.rec->lost; });
    });
}

// The flags really reach getaddrinfo(3): AI_NUMERICHOST refuses a name that
// would otherwise resolve.
TEST(DatagramEndpointOptions, NumericHostFlagRefusesAName) {
    coronet::run([&]() -> Task<void> {
        DgramFactory m;
        aio::DatagramEndpointOptions o{};
        o.local_addr = {"localhost", 0};
        o.flags = AI_NUMERICHOST;
        try {
            co_await aio::create_datagram_endpoint(m.factory(), o);
            ADD_FAILURE() << "a name resolved with AI_NUMERICHOST";
        } catch (const net::GaiError& e) {
            EXPECT_EQ(e.code(), EAI_NONAME);
            EXPECT_EQ(e.host(), "localhost");
        }
        o.flags = 0;
        auto e = co_await aio::create_datagram_endpoint(m.factory(), o);
        EXPECT_EQ(e.transport->extra_info<net::SocketAddress>("sockname")->host(), "127.0.0.1");
        e.transport->close();
        co_await wait_until([&] { return m.rec->lost; });
    });
}

TEST(DatagramEndpointOptions, ProtoIsSocketsProtocol) {
    coronet::run([&]() -> Task<void> {
        DgramFactory m;
        aio::DatagramEndpointOptions o{};
        o.local_addr = net::SocketAddress::ipv4("127.0.0.1", 0);
        o.proto = IPPROTO_UDP;
        auto e = co_await aio::create_datagram_endpoint(m.factory(), o);
        net::Socket* sock = *e.transport->extra_info<net::Socket*>("socket");
        EXPECT_EQ(sock->getsockopt(SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
        e.transport->close();
        co_await wait_until([&] { return m.rec->lost; });
        // With only a family and no address, too.
        DgramFactory n;
        aio::DatagramEndpointOptions f{};
        f.family = AF_INET6;
        f.proto = IPPROTO_UDP;
        auto e6 = co_await aio::create_datagram_endpoint(n.factory(), f);
        sock = *e6.transport->extra_info<net::Socket*>("socket");
        EXPECT_EQ(sock->family(), AF_INET6);
        EXPECT_EQ(sock->getsockopt(SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
        e6.transport->close();
        co_await wait_until([&] { return n.rec->lost; });
    });
}

// The first (family, protocol) pair whose socket cannot be made or bound is
// skipped for the next, as in asyncio.
TEST(DatagramEndpointOptions, AFailedAddressFallsBackToTheNextFamily) {
    auto resolver = std::make_shared<RecordingResolver>();
    // 2001:db8::/32 is documentation-only: no interface has it, bind fails.
    resolver->answers = {answer(AF_INET6, "2001:db8::1"), answer(AF_INET, "127.0.0.1")};
    auto guard = net::set_resolver_for_testing(resolver);
    coronet::run([&]() -> Task<void> {
        DgramFactory m;
        aio::DatagramEndpointOptions o{};
        o.local_addr = {"dgram.test", 0};
        auto e = co_await aio::create_datagram_endpoint(m.factory(), o);
        EXPECT_EQ(e.transport->extra_info<net::SocketAddress>("sockname")->host(), "127.0.0.1");
        e.transport->close();
        co_await wait_until([&] { return m.rec->lost; });
        // When every pair fails, the first failure is raised.
        resolver->answers = {answer(AF_INET6, "2001:db8::1")};
        try {
            co_await aio::create_datagram_endpoint(m.factory(), o);
            ADD_FAILURE() << "bound to an address no interface has";
        } catch (const OSError& err) {
            EXPECT_EQ(err.operation(), "bind") << err.what();
        }
    });
}

TEST(DatagramEndpointOptions, BadInputIsAClearError) {
    auto resolver = std::make_shared<RecordingResolver>();
    resolver->answers = {answer(AF_INET6, "::1")};
    auto guard = net::set_resolver_for_testing(resolver);
    coronet::run([&]() -> Task<void> {
        DgramFactory m;
        // An unresolvable name: the resolver's GaiError, naming the host.
        aio::DatagramEndpointOptions unknown{};
        unknown.remote_addr = {"nonexistent.invalid", 9};
        try {
            co_await aio::create_datagram_endpoint(m.factory(), unknown);
            ADD_FAILURE() << "an unknown name resolved";
        } catch (const net::GaiError& e) {
            EXPECT_EQ(e.code(), EAI_NONAME);
            EXPECT_NE(std::string(e.what()).find("nonexistent.invalid"), std::string::npos)
                << e.what();
        }
        // A protocol SOCK_DGRAM does not have.
        aio::DatagramEndpointOptions tcp{};
        tcp.local_addr = net::SocketAddress::ipv4("127.0.0.1", 0);
        tcp.proto = IPPROTO_TCP;
        try {
            co_await aio::create_datagram_endpoint(m.factory(), tcp);
            ADD_FAILURE() << "a UDP socket with proto=IPPROTO_TCP";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), EPROTONOSUPPORT);
            EXPECT_NE(std::string(e.what()).find("proto=6"), std::string::npos) << e.what();
        }
        tcp.local_addr.reset();
        tcp.family = AF_INET;
        tcp.proto = 12345;
        EXPECT_THROW(co_await aio::create_datagram_endpoint(m.factory(), tcp), OSError);
        // A port outside 0..65535.
        aio::DatagramEndpointOptions port{};
        port.local_addr = {"localhost", 70000};
        EXPECT_THROW(co_await aio::create_datagram_endpoint(m.factory(), port),
                     std::invalid_argument);
        // Names whose answers share no family (dgram.test is IPv6 only here).
        aio::DatagramEndpointOptions apart{};
        apart.local_addr = {"127.0.0.1", 0};
        apart.remote_addr = {"dgram.test", 9};
        try {
            co_await aio::create_datagram_endpoint(m.factory(), apart);
            ADD_FAILURE() << "IPv4 and IPv6 sides paired";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("no address family in common"), std::string::npos)
                << e.what();
        }
        // A family that contradicts the name's answers: getaddrinfo finds none.
        aio::DatagramEndpointOptions family{};
        family.local_addr = {"127.0.0.1", 0};
        family.family = AF_INET6;
        EXPECT_THROW(co_await aio::create_datagram_endpoint(m.factory(), family), net::GaiError);
        EXPECT_FALSE(m.rec) << "a protocol was made for a failed endpoint";
    });
}

}  // namespace
