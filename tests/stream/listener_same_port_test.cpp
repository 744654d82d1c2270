// create_tcp_listener() with no host and port 0 binds IPv6 and IPv4 on one
// port that the kernel picks for the first family. Here, in a private network
// namespace, the kernel may pick only two ports, and the first (the one bind()
// prefers) is held on IPv4 by someone else: the listener must end up on the
// other port instead of failing with "Address already in use".
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "stream/stream_test_support.hpp"
#include "support/private_network.hpp"

using namespace coronet;

namespace {

// Odd: bind(0) tries odd ports first (leaving even ones to connect()).
constexpr int kTakenPort = 40001;
constexpr int kFreePort = 40000;

void limit_ephemeral_ports(int first, int last) {
    std::ofstream range("/proc/sys/net/ipv4/ip_local_port_range");
    range << first << ' ' << last << '\n';
    range.flush();
    ASSERT_TRUE(range.good()) << "cannot write ip_local_port_range";
}

// A plain IPv4 wildcard listener, as another program would hold it.
int hold_ipv4_port(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd, 1) != 0) {
        ADD_FAILURE() << "cannot hold 0.0.0.0:" << port;
    }
    return fd;
}

}  // namespace

TEST(TcpListenerSamePort, APortTakenOnTheOtherFamilyMeansAnotherPortNotAnError) {
    test_support::PrivateNetwork network;
    limit_ephemeral_ports(kFreePort, kTakenPort);
    const int holder = hold_ipv4_port(kTakenPort);
    run([]() -> Task<void> {
        // Several times: each must pass by the taken port, not by luck. (No
        // client connects: its own ephemeral port would need a third one.)
        for (int round = 0; round < 3; ++round) {
            auto listener = co_await create_tcp_listener();
            CO_ASSERT(listener.listeners().size() == 2u);
            EXPECT_EQ(listener.extra<attr::local_port>(), kFreePort);
            for (auto& l : listener.listeners())
                EXPECT_EQ(l->extra<attr::local_port>(), kFreePort);
            co_await listener.aclose();
        }
    });
    ::close(holder);
}

TEST(TcpListenerSamePort, NoFreePortOnEveryFamilyIsAClearError) {
    test_support::PrivateNetwork network;
    limit_ephemeral_ports(kFreePort, kTakenPort);
    const int first = hold_ipv4_port(kTakenPort);
    const int second = hold_ipv4_port(kFreePort);
    run([]() -> Task<void> {
        try {
            auto listener = co_await create_tcp_listener();
            ADD_FAILURE() << "bound although every port is taken on IPv4";
            co_await listener.aclose();
        } catch (const OSError& error) {
            EXPECT_EQ(error.error_number(), EADDRINUSE);
            EXPECT_NE(std::string(error.what()).find("Address already in use"), std::string::npos)
                << error.what();
        }
    });
    ::close(first);
    ::close(second);
}
