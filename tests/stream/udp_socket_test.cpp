// UDPSocket and ConnectedUDPSocket: options, addresses, attributes and errors
// (the shared datagram contract is in datagram_conformance_test.cpp).
#include <gtest/gtest.h>

#include <cerrno>
#include <coronet/coronet.hpp>
#include <coronet/net/resolver.hpp>
#include <coronet/stream/udp_socket.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace coronet;

namespace {

// Knows one name, "dgram.test", as 127.0.0.1.
class StubResolver : public net::Resolver {
  public:
    Task<std::vector<net::AddressInfo>> getaddrinfo(net::AddressQuery query) override {
        if (query.host != "dgram.test") throw net::GaiError(EAI_NONAME, "getaddrinfo", query.host);
        net::AddressInfo answer;
        answer.family = AF_INET;
        answer.type = SOCK_DGRAM;
        answer.address = net::SocketAddress::ipv4(
            "127.0.0.1", query.service.empty() ? 0 : std::stoi(query.service));
        co_return std::vector<net::AddressInfo>{answer};
    }
};

}  // namespace

TEST(UDPSocket, ReceiveReportsSenderAndAttributes) {
    run([]() -> Task<void> {
        UDPSocket a = co_await create_udp_socket({.family = AF_INET, .local_host = "127.0.0.1"});
        UDPSocket b = co_await create_udp_socket({.local_host = "127.0.0.1"});
        EXPECT_EQ(a.family(), AF_INET);
        EXPECT_EQ(b.family(), AF_INET);  // taken from local_host
        EXPECT_EQ(a.local_host(), "127.0.0.1");
        EXPECT_GT(a.local_port(), 0);
        EXPECT_EQ(a.raw_socket().type(), SOCK_DGRAM);
        co_await a.sendto("ping", "127.0.0.1", b.local_port());
        auto [data, host, port] = co_await b.receive();
        EXPECT_EQ(data.str(), "ping");
        EXPECT_EQ(host, "127.0.0.1");
        EXPECT_EQ(port, a.local_port());
        // AnyIO's send(item): the packet answers its sender.
        // (Named first: g++ 12 miscompiles aggregate temporaries holding a
        // std::string inside a co_await expression.)
        const UDPPacket answer{Bytes("pong"), host, port};
        co_await b.send(answer);
        EXPECT_EQ((co_await a.receive()).data.str(), "pong");
    });
}

TEST(UDPSocket, LocalhostAndWildcard) {
    run([]() -> Task<void> {
        UDPSocket any = co_await create_udp_socket({.family = AF_INET});
        EXPECT_EQ(any.local_host(), "0.0.0.0");
        UDPSocket v6 = co_await create_udp_socket({.family = AF_INET6, .local_host = "localhost"});
        EXPECT_EQ(v6.local_host(), "::1");
        co_await any.sendto("to localhost", "localhost", any.local_port());
        EXPECT_EQ((co_await any.receive()).data.str(), "to localhost");
    });
}

TEST(UDPSocket, DualStackSocketReachesIPv4Host) {
    run([]() -> Task<void> {
        UDPSocket v4 = co_await create_udp_socket({.local_host = "127.0.0.1"});
        UDPSocket v6 = co_await create_udp_socket({.family = AF_INET6, .local_host = "::"});
        co_await v6.sendto("mapped", "127.0.0.1", v4.local_port());
        auto packet = co_await v4.receive();
        EXPECT_EQ(packet.data.str(), "mapped");
        co_await v4.sendto("back", "127.0.0.1", v6.local_port());
        auto reply = co_await v6.receive();
        EXPECT_EQ(reply.host, "::ffff:127.0.0.1");
    });
}

TEST(UDPSocket, BadOptionsAreClearErrors) {
    run([]() -> Task<void> {
        EXPECT_THROW(co_await create_udp_socket({}), std::invalid_argument);
        EXPECT_THROW(co_await create_udp_socket({.family = AF_UNIX}), std::invalid_argument);
        EXPECT_THROW(co_await create_udp_socket({.family = AF_INET, .local_port = 70000}),
                     std::invalid_argument);
        UDPSocket udp = co_await create_udp_socket({.family = AF_INET});
        EXPECT_THROW(co_await udp.sendto("x", "127.0.0.1", -1), std::invalid_argument);
        EXPECT_THROW(UDPSocket::from_socket(net::socket(AF_INET, SOCK_STREAM)),
                     std::invalid_argument);
    });
}

TEST(UDPSocket, PortInUseAndReusePort) {
    run([]() -> Task<void> {
        UDPSocket first = co_await create_udp_socket(
            {.family = AF_INET, .local_host = "127.0.0.1", .reuse_port = true});
        const int port = first.local_port();
        UDPSocket second = co_await create_udp_socket(
            {.family = AF_INET, .local_host = "127.0.0.1", .local_port = port, .reuse_port = true});
        EXPECT_EQ(second.local_port(), port);
        try {
            co_await create_udp_socket(
                {.family = AF_INET, .local_host = "127.0.0.1", .local_port = port});
            ADD_FAILURE() << "bound a used port without SO_REUSEPORT";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), EADDRINUSE);
            EXPECT_EQ(e.address(), "127.0.0.1:" + std::to_string(port));
        }
    });
}

TEST(UDPSocket, OversizeSendNamesTheDestination) {
    run([]() -> Task<void> {
        UDPSocket udp = co_await create_udp_socket({.local_host = "127.0.0.1"});
        Bytes big(65508);  // one byte over IPv4's largest payload
        try {
            co_await udp.sendto(big, "127.0.0.1", udp.local_port());
            ADD_FAILURE() << "an oversize datagram was sent";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), EMSGSIZE);
            EXPECT_EQ(e.operation(), "sendto");
            EXPECT_EQ(e.address(), "127.0.0.1:" + std::to_string(udp.local_port()));
        }
    });
}

TEST(ConnectedUDPSocket, AttributesAndExchange) {
    run([]() -> Task<void> {
        UDPSocket server = co_await create_udp_socket({.local_host = "::1"});
        ConnectedUDPSocket client = co_await create_connected_udp_socket(
            {.remote_host = "::1", .remote_port = server.local_port()});
        EXPECT_EQ(client.family(), AF_INET6);
        EXPECT_EQ(client.remote_host(), "::1");
        EXPECT_EQ(client.remote_port(), server.local_port());
        EXPECT_EQ(client.local_host(), "::1");
        co_await client.send("Hi there!\n");
        auto packet = co_await server.receive();
        EXPECT_EQ(packet.data.str(), "Hi there!\n");
        EXPECT_EQ(packet.port, client.local_port());
        const UDPPacket answer{concat("Hello, ", packet.data), packet.host, packet.port};
        co_await server.send(answer);
        EXPECT_EQ((co_await client.receive()).str(), "Hello, Hi there!\n");
        co_await client.aclose();
        EXPECT_EQ(client.remote_port(), server.local_port());  // still known after close
    });
}

TEST(ConnectedUDPSocket, ExplicitLocalAddress) {
    run([]() -> Task<void> {
        UDPSocket server = co_await create_udp_socket({.local_host = "127.0.0.1"});
        UDPSocket probe = co_await create_udp_socket({.local_host = "127.0.0.1"});
        const int port = probe.local_port();
        co_await probe.aclose();  // a port that was free a moment ago
        ConnectedUDPSocket client =
            co_await create_connected_udp_socket({.remote_host = "127.0.0.1",
                                                  .remote_port = server.local_port(),
                                                  .local_host = "127.0.0.1",
                                                  .local_port = port});
        EXPECT_EQ(client.local_port(), port);
    });
}

TEST(ConnectedUDPSocket, RefusedPeerIsOSError) {
    run([]() -> Task<void> {
        UDPSocket gone = co_await create_udp_socket({.local_host = "127.0.0.1"});
        const int port = gone.local_port();
        co_await gone.aclose();
        ConnectedUDPSocket client =
            co_await create_connected_udp_socket({.remote_host = "127.0.0.1", .remote_port = port});
        co_await client.send("anyone?");
        // The ICMP port-unreachable comes back as ECONNREFUSED on the next
        // call (on loopback it is queued before send returns).
        int error = 0;
        try {
            co_await client.receive();
        } catch (const OSError& e) {
            error = e.error_number();
            EXPECT_EQ(e.address(), "127.0.0.1:" + std::to_string(port));
        }
        EXPECT_EQ(error, ECONNREFUSED);
        error = 0;
        try {
            co_await client.send("again");
            co_await client.send("and again");
            co_await client.receive();
        } catch (const OSError& e) {
            error = e.error_number();
            if (e.operation() == "send") {
                EXPECT_EQ(e.address(), "127.0.0.1:" + std::to_string(port));
            }
        }
        EXPECT_EQ(error, ECONNREFUSED);
    });
}

TEST(ConnectedUDPSocket, MissingRemoteHost) {
    run([]() -> Task<void> {
        EXPECT_THROW(co_await create_connected_udp_socket({.remote_port = 9}),
                     std::invalid_argument);
        EXPECT_THROW(ConnectedUDPSocket::from_socket(net::socket(AF_INET, SOCK_DGRAM)), OSError);
    });
}

TEST(UDPSocket, TypedAttributes) {
    run([]() -> Task<void> {
        UDPSocket server = co_await create_udp_socket({.local_host = "127.0.0.1"});
        ConnectedUDPSocket client = co_await create_connected_udp_socket(
            {.remote_host = "127.0.0.1", .remote_port = server.local_port()});
        EXPECT_EQ(server.extra<attr::local_port>(), server.local_port());
        EXPECT_EQ(server.extra<attr::family>(), AF_INET);
        EXPECT_EQ(server.extra<attr::raw_socket>(), &server.raw_socket());
        EXPECT_FALSE(server.try_extra<attr::remote_address>());  // not connected
        EXPECT_EQ(client.extra<attr::remote_port>(), server.local_port());
        EXPECT_EQ(client.extra<attr::remote_address>(), client.remote_address());
        EXPECT_EQ(client.extra<attr::local_address>(), client.local_address());
        co_await client.aclose();
        EXPECT_THROW(client.extra<attr::local_port>(), TypedAttributeLookupError);
    });
}

TEST(UDPSocket, HostNamesGoThroughTheResolver) {
    auto guard = net::set_resolver_for_testing(std::make_shared<StubResolver>());
    run([]() -> Task<void> {
        UDPSocket a = co_await create_udp_socket({.local_host = "dgram.test"});
        EXPECT_EQ(a.local_host(), "127.0.0.1");
        co_await a.sendto("by name", "dgram.test", a.local_port());
        EXPECT_EQ((co_await a.receive()).data.str(), "by name");
        ConnectedUDPSocket c = co_await create_connected_udp_socket(
            {.remote_host = "dgram.test", .remote_port = a.local_port()});
        EXPECT_EQ(c.remote_host(), "127.0.0.1");
        EXPECT_THROW(co_await create_udp_socket({.local_host = "nowhere.test"}), net::GaiError);
        EXPECT_THROW(co_await a.sendto("x", "nowhere.test", 9), net::GaiError);
    });
}
