// SocketAddress: factories, parsing, printing, equality, and clear errors for
// bad input (host names, ports, long paths, malformed text).
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <coronet/net/socket_address.hpp>
#include <string>

using coronet::net::SocketAddress;

namespace {

// The message of the std::invalid_argument `f` throws ("" if none).
template <class F>
std::string invalid_argument_message(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(SocketAddress, Ipv4) {
    auto a = SocketAddress::ipv4("127.0.0.1", 8080);
    EXPECT_EQ(a.family(), AF_INET);
    EXPECT_EQ(a.host(), "127.0.0.1");
    EXPECT_EQ(a.port(), 8080);
    EXPECT_EQ(a.length(), sizeof(sockaddr_in));
    EXPECT_EQ(a.to_string(), "127.0.0.1:8080");
    EXPECT_EQ(SocketAddress::ipv4("", 0).host(), "0.0.0.0");
}

TEST(SocketAddress, Ipv6WithScopeAndFlowinfo) {
    auto a = SocketAddress::ipv6("::1", 443, 7, 0);
    EXPECT_EQ(a.family(), AF_INET6);
    EXPECT_EQ(a.host(), "::1");
    EXPECT_EQ(a.port(), 443);
    EXPECT_EQ(a.flowinfo(), 7u);
    EXPECT_EQ(a.to_string(), "[::1]:443");

    const unsigned lo = ::if_nametoindex("lo");
    ASSERT_NE(lo, 0u);
    auto b = SocketAddress::ipv6("fe80::1%lo", 80);
    EXPECT_EQ(b.scope_id(), lo);
    EXPECT_EQ(b.host(), "fe80::1");
    EXPECT_EQ(b.to_string(), "[fe80::1%lo]:80");
    EXPECT_EQ(SocketAddress::ipv6("fe80::1%" + std::to_string(lo), 80), b);
}

TEST(SocketAddress, UnixPathAbstractAndUnnamed) {
    auto p = SocketAddress::unix_path("/run/app.sock");
    EXPECT_EQ(p.family(), AF_UNIX);
    EXPECT_EQ(p.path(), "/run/app.sock");
    EXPECT_FALSE(p.is_abstract());
    EXPECT_EQ(p.to_string(), "/run/app.sock");

    auto a = SocketAddress::unix_abstract("app");
    EXPECT_TRUE(a.is_abstract());
    EXPECT_EQ(a.path(), "app");
    EXPECT_EQ(a.to_string(), "@app");
    EXPECT_EQ(a.length(), offsetof(sockaddr_un, sun_path) + 4);  // NUL + "app"

    auto u = SocketAddress::unix_path("");
    EXPECT_TRUE(u.is_unnamed());
    EXPECT_EQ(u.to_string(), "<unnamed>");
    EXPECT_NE(u, a);
}

TEST(SocketAddress, ParseEveryForm) {
    EXPECT_EQ(SocketAddress::parse("127.0.0.1:80"), SocketAddress::ipv4("127.0.0.1", 80));
    EXPECT_EQ(SocketAddress::parse("[::1]:80"), SocketAddress::ipv6("::1", 80));
    EXPECT_EQ(SocketAddress::parse("[fe80::1%lo]:80"), SocketAddress::ipv6("fe80::1%lo", 80));
    EXPECT_EQ(SocketAddress::parse("/tmp/x.sock"), SocketAddress::unix_path("/tmp/x.sock"));
    EXPECT_EQ(SocketAddress::parse("./x.sock").path(), "./x.sock");
    EXPECT_EQ(SocketAddress::parse("@name"), SocketAddress::unix_abstract("name"));
    for (const char* text : {"127.0.0.1:80", "[::1]:80", "[fe80::1%lo]:80", "/p", "@n"}) {
        EXPECT_EQ(SocketAddress::parse(text).to_string(), text);
    }
}

TEST(SocketAddress, FromNativeRoundTripsAndPassesOtherFamiliesThrough) {
    auto a = SocketAddress::ipv6("::1", 9);
    EXPECT_EQ(SocketAddress::from_native(a.native(), a.length()), a);

    sockaddr_storage raw{};
    raw.ss_family = AF_NETLINK;
    reinterpret_cast<unsigned char*>(&raw)[4] = 42;
    auto n = SocketAddress::from_native(reinterpret_cast<sockaddr*>(&raw), 12);
    EXPECT_EQ(n.family(), AF_NETLINK);
    EXPECT_EQ(n.length(), 12u);
    EXPECT_EQ(reinterpret_cast<const unsigned char*>(n.native())[4], 42);
    EXPECT_EQ(n.to_string(), "<family 16: 12 bytes>");
    EXPECT_THROW(n.port(), std::logic_error);
    EXPECT_EQ(SocketAddress().family(), AF_UNSPEC);
}

TEST(SocketAddress, EqualityIgnoresPadding) {
    auto a = SocketAddress::ipv4("10.0.0.1", 1);
    sockaddr_in dirty = *reinterpret_cast<const sockaddr_in*>(a.native());
    dirty.sin_zero[3] = 9;
    EXPECT_EQ(SocketAddress::from_native(reinterpret_cast<sockaddr*>(&dirty), sizeof dirty), a);
    EXPECT_NE(a, SocketAddress::ipv4("10.0.0.1", 2));
    EXPECT_NE(a, SocketAddress::ipv4("10.0.0.2", 1));
}

TEST(SocketAddress, HostNameIsAClearErrorSayingToResolve) {
    for (auto message : {invalid_argument_message([] { SocketAddress::ipv4("localhost", 80); }),
                         invalid_argument_message([] { SocketAddress::parse("localhost:80"); }),
                         invalid_argument_message([] { SocketAddress::ipv6("example.com", 1); })}) {
        EXPECT_NE(message.find("not a numeric IP address"), std::string::npos) << message;
        EXPECT_NE(message.find("resolve"), std::string::npos) << message;
    }
    EXPECT_NE(
        invalid_argument_message([] { SocketAddress::ipv4("localhost", 80); }).find("'localhost'"),
        std::string::npos);
    EXPECT_NE(invalid_argument_message([] { SocketAddress::ipv4("::1", 80); }).find("IPv6"),
              std::string::npos);
}

TEST(SocketAddress, PortOutsideRangeIsAClearError) {
    EXPECT_EQ(invalid_argument_message([] { SocketAddress::ipv4("127.0.0.1", 65536); }),
              "port 65536 is outside 0..65535");
    EXPECT_EQ(invalid_argument_message([] { SocketAddress::ipv6("::1", -1); }),
              "port -1 is outside 0..65535");
    EXPECT_NE(invalid_argument_message([] {
                  SocketAddress::parse("127.0.0.1:99999");
              }).find("port 99999 is outside 0..65535"),
              std::string::npos);
    EXPECT_NO_THROW(SocketAddress::ipv4("127.0.0.1", 65535));
}

TEST(SocketAddress, UnixPathTooLongNamesLengthAndLimit) {
    const std::string path = "/tmp/" + std::string(195, 'x');  // 200 bytes
    const std::string message = invalid_argument_message([&] { SocketAddress::unix_path(path); });
    EXPECT_NE(message.find("200 bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("limit is 107"), std::string::npos) << message;
    EXPECT_NO_THROW(SocketAddress::unix_path(std::string(107, 'y')));
    EXPECT_THROW(SocketAddress::unix_path(std::string(108, 'y')), std::invalid_argument);
    EXPECT_THROW(SocketAddress::unix_abstract(std::string(108, 'y')), std::invalid_argument);
    EXPECT_THROW(SocketAddress::parse("/" + std::string(120, 'p')), std::invalid_argument);
}

TEST(SocketAddress, MalformedTextIsAClearError) {
    EXPECT_EQ(invalid_argument_message([] { SocketAddress::parse(""); }), "empty socket address");
    EXPECT_NE(invalid_argument_message([] { SocketAddress::parse("127.0.0.1"); }).find("host:port"),
              std::string::npos);
    EXPECT_NE(invalid_argument_message([] { SocketAddress::parse("::1:80"); }).find("brackets"),
              std::string::npos);
    EXPECT_NE(invalid_argument_message([] { SocketAddress::parse("[::1:80"); }).find("']'"),
              std::string::npos);
    EXPECT_NE(invalid_argument_message([] {
                  SocketAddress::parse("127.0.0.1:http");
              }).find("bad port 'http'"),
              std::string::npos);
    EXPECT_NE(invalid_argument_message([] {
                  SocketAddress::parse("[fe80::1%nosuchif0]:80");
              }).find("unknown network interface 'nosuchif0'"),
              std::string::npos);
    EXPECT_NE(invalid_argument_message([] { SocketAddress::parse(":80"); }).find("missing host"),
              std::string::npos);
}
