// The Socket object itself: constructors (socket, socketpair, fromfd,
// from_native), fd flags, ownership (move, dup, detach), options, and clear
// errors for bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <coronet/net/socket.hpp>
#include <coronet/net/socket_options.hpp>

#include "net/net_test_support.hpp"

using namespace coronet;
using namespace coronet::net;
using namespace std::chrono_literals;

namespace {

bool nonblocking(int fd) {
    return ::fcntl(fd, F_GETFL) & O_NONBLOCK;
}
bool cloexec(int fd) {
    return ::fcntl(fd, F_GETFD) & FD_CLOEXEC;
}

}  // namespace

TEST(SocketObject, NewSocketsAreNonBlockingAndCloseOnExec) {
    Socket s = net::socket();
    EXPECT_EQ(s.family(), AF_INET);
    EXPECT_EQ(s.type(), SOCK_STREAM);
    EXPECT_TRUE(nonblocking(s.fileno()));
    EXPECT_TRUE(cloexec(s.fileno()));
    EXPECT_FALSE(s.get_inheritable());
    s.set_inheritable(true);
    EXPECT_TRUE(s.get_inheritable());
    s.set_inheritable(false);

    auto [a, b] = net::socketpair(AF_UNIX, SOCK_DGRAM);
    EXPECT_EQ(a.type(), SOCK_DGRAM);
    EXPECT_TRUE(nonblocking(b.fileno()) && cloexec(b.fileno()));
    Socket u = net::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC);
    EXPECT_EQ(u.type(), SOCK_DGRAM);  // creation flags are not part of the type
}

TEST(SocketObject, MoveTransfersOwnership) {
    Socket a = net::socket();
    const int fd = a.fileno();
    Socket b = std::move(a);
    EXPECT_EQ(a.fileno(), -1);
    EXPECT_EQ(b.fileno(), fd);
    Socket c = net::socket();
    c = std::move(b);  // closes c's own fd
    EXPECT_EQ(c.fileno(), fd);
    Socket empty;
    EXPECT_TRUE(empty.is_closed());
}

TEST(SocketObject, DupAndDetach) {
    Socket a = net::socket(AF_INET6, SOCK_DGRAM);
    Socket copy = a.dup();
    EXPECT_NE(copy.fileno(), a.fileno());
    EXPECT_EQ(copy.family(), AF_INET6);
    EXPECT_EQ(copy.type(), SOCK_DGRAM);
    EXPECT_TRUE(cloexec(copy.fileno()));
    const int raw = a.detach();
    EXPECT_TRUE(a.is_closed());
    EXPECT_GE(::fcntl(raw, F_GETFD), 0);  // still open: ours now
    ::close(raw);
}

TEST(SocketObject, FromfdDupsAndAsksTheKernel) {
    const int raw = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(raw, 0);
    {
        Socket s = net::fromfd(raw);
        EXPECT_NE(s.fileno(), raw);
        EXPECT_EQ(s.family(), AF_INET6);
        EXPECT_EQ(s.type(), SOCK_DGRAM);
        EXPECT_EQ(s.proto(), IPPROTO_UDP);
        EXPECT_TRUE(nonblocking(s.fileno()) && cloexec(s.fileno()));
    }
    EXPECT_EQ(::close(raw), 0);  // fromfd left the original alone
}

TEST(SocketObject, FromNativeAdoptsAndSetsFlags) {
    const int raw = ::socket(AF_INET, SOCK_STREAM, 0);  // blocking, inheritable
    ASSERT_GE(raw, 0);
    Socket s = net::from_native(raw);
    EXPECT_EQ(s.fileno(), raw);
    EXPECT_EQ(s.family(), AF_INET);
    EXPECT_EQ(s.proto(), IPPROTO_TCP);
    EXPECT_TRUE(nonblocking(raw));
    EXPECT_TRUE(cloexec(raw));
}

TEST(SocketObject, AnFdThatIsNotASocketIsAClearError) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    for (auto make :
         {+[](int fd) { return net::from_native(fd); }, +[](int fd) { return net::fromfd(fd); }}) {
        try {
            make(pipe_fds[0]);
            ADD_FAILURE() << "accepted a pipe";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("fd " + std::to_string(pipe_fds[0]) +
                                                 " is not a socket"),
                      std::string::npos)
                << e.what();
        }
    }
    EXPECT_GE(::fcntl(pipe_fds[0], F_GETFD), 0);  // still the caller's
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    EXPECT_THROW(net::from_native(pipe_fds[0]), std::invalid_argument);  // closed now
}

TEST(SocketObject, UnresolvedHostNameGivenToConnectIsAClearError) {
    run([&]() -> Task<void> {
        Socket s = net::socket();
        for (auto make : {+[] { return SocketAddress::parse("localhost:80"); },
                          +[] { return SocketAddress::ipv4("localhost", 80); }}) {
            try {
                co_await s.connect(make());
                ADD_FAILURE() << "connected to a host name";
            } catch (const std::invalid_argument& e) {
                EXPECT_NE(std::string(e.what()).find("'localhost' is not a numeric IP address"),
                          std::string::npos)
                    << e.what();
                EXPECT_NE(std::string(e.what()).find("resolve the name first"), std::string::npos);
            }
        }
        EXPECT_FALSE(s.is_closed());
    });
}

TEST(SocketObject, BoolIntAndRawOptions) {
    Socket s = net::socket();
    s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, true);
    EXPECT_EQ(s.getsockopt(SOL_SOCKET, SO_KEEPALIVE), 1);
    s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 0);
    EXPECT_EQ(s.getsockopt(SOL_SOCKET, SO_KEEPALIVE), 0);
    EXPECT_EQ(s.getsockopt(SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    Bytes raw = s.getsockopt(SOL_SOCKET, SO_TYPE, sizeof(int));
    EXPECT_EQ(raw.size(), sizeof(int));
    try {
        s.setsockopt(SOL_SOCKET, 99999, 1);
        ADD_FAILURE() << "bogus option accepted";
    } catch (const OSError& e) {
        EXPECT_EQ(e.operation(), "setsockopt");
    }
}

TEST(SocketOptions, TypedHelpers) {
    Socket tcp = net::socket(AF_INET6, SOCK_STREAM);
    set_reuse_address(tcp, true);
    EXPECT_TRUE(reuse_address(tcp));
    set_reuse_port(tcp, true);
    EXPECT_TRUE(reuse_port(tcp));
    set_keepalive(tcp, true);
    EXPECT_TRUE(keepalive(tcp));
    set_tcp_nodelay(tcp, true);
    EXPECT_TRUE(tcp_nodelay(tcp));
    set_send_buffer_size(tcp, 32768);
    EXPECT_GE(send_buffer_size(tcp), 32768);
    set_receive_buffer_size(tcp, 32768);
    EXPECT_GE(receive_buffer_size(tcp), 32768);
    EXPECT_FALSE(linger_timeout(tcp).has_value());
    set_linger(tcp, 0s);
    EXPECT_EQ(linger_timeout(tcp), std::optional(0s));
    set_linger(tcp, std::nullopt);
    EXPECT_FALSE(linger_timeout(tcp).has_value());
    bind_to_device(tcp, "lo");
    EXPECT_EQ(bound_device(tcp), "lo");
    bind_to_device(tcp, "");
    EXPECT_EQ(bound_device(tcp), "");
    EXPECT_THROW(bind_to_device(tcp, "an-interface-name-too-long"), std::invalid_argument);

    Socket udp = net::socket(AF_INET, SOCK_DGRAM);
    set_broadcast(udp, true);
    EXPECT_TRUE(broadcast(udp));
}

TEST(SocketOptions, MulticastOnLoopback) {
    // Multicast over lo: join the group on lo, send to it, receive our own
    // datagram (IP_MULTICAST_LOOP is on by default).
    const unsigned lo = ::if_nametoindex("lo");
    ASSERT_NE(lo, 0u);
    run([&]() -> Task<void> {
        Socket receiver = net::socket(AF_INET, SOCK_DGRAM);
        set_reuse_address(receiver, true);
        co_await receiver.bind(SocketAddress::ipv4("0.0.0.0", 0));
        const int port = receiver.getsockname().port();
        const auto group = SocketAddress::ipv4("239.255.42.1", port);
        join_multicast_group(receiver, group, lo);

        Socket sender = net::socket(AF_INET, SOCK_DGRAM);
        ip_mreqn out{};
        out.imr_ifindex = static_cast<int>(lo);
        sender.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, BytesView(&out, sizeof out));
        co_await sender.sendto("multicast", group);
        auto [data, from] = co_await receiver.recvfrom(64);
        EXPECT_EQ(data.str(), "multicast");
        leave_multicast_group(receiver, group, lo);

        Socket v6 = net::socket(AF_INET6, SOCK_DGRAM);
        co_await v6.bind(SocketAddress::ipv6("::", 0));
        join_multicast_group(v6, SocketAddress::ipv6("ff02::4242", 0), lo);
        leave_multicast_group(v6, SocketAddress::ipv6("ff02::4242", 0), lo);
        EXPECT_THROW(join_multicast_group(v6, SocketAddress::unix_abstract("x")),
                     std::invalid_argument);
    });
}
