// Socket over datagrams (UDP on 127.0.0.1 and ::1, AF_UNIX SOCK_DGRAM):
// sendto/recvfrom in every form, sendmsg with an address, connected sends,
// and datagrams larger than the driver's provided buffers.
#include <gtest/gtest.h>

#include <array>
#include <coronet/net/socket.hpp>

#include "net/net_test_support.hpp"

using namespace coronet;
using namespace coronet::net;
using net_test::datagram_socket;
using net_test::Family;

namespace {
class DatagramSocket : public ::testing::TestWithParam<Family> {
  protected:
    int family() const { return GetParam().family; }
};
}  // namespace

TEST_P(DatagramSocket, SendtoAndRecvfrom) {
    run([&]() -> Task<void> {
        Socket a = co_await datagram_socket(family());
        Socket b = co_await datagram_socket(family());
        EXPECT_EQ(a.type(), SOCK_DGRAM);
        EXPECT_EQ(co_await a.sendto("ping", b.getsockname()), 4u);
        auto [data, from] = co_await b.recvfrom(100);
        EXPECT_EQ(data.str(), "ping");
        EXPECT_EQ(from, a.getsockname());

        EXPECT_EQ(co_await b.sendto("pong", from), 4u);
        std::array<std::byte, 16> buffer{};
        auto into = co_await a.recvfrom_into(buffer);
        EXPECT_EQ(into.nbytes, 4u);
        EXPECT_EQ(into.address, b.getsockname());
        EXPECT_EQ(BytesView(buffer.data(), 4).str(), "pong");
    });
}

TEST_P(DatagramSocket, SendmsgWithAddressAndRecvmsgReportsIt) {
    run([&]() -> Task<void> {
        Socket a = co_await datagram_socket(family());
        Socket b = co_await datagram_socket(family());
        const std::array<BytesView, 2> parts{BytesView("hel"), BytesView("lo")};
        EXPECT_EQ(co_await a.sendmsg(parts, {}, 0, b.getsockname()), 5u);
        auto m = co_await b.recvmsg(3);
        EXPECT_EQ(m.data.str(), "hel");
        EXPECT_NE(m.msg_flags & MSG_TRUNC, 0);  // the rest of the datagram is gone
        EXPECT_EQ(m.address, a.getsockname());
    });
}

TEST_P(DatagramSocket, ConnectedSendAndRecv) {
    run([&]() -> Task<void> {
        Socket a = co_await datagram_socket(family());
        Socket b = co_await datagram_socket(family());
        co_await a.connect(b.getsockname());
        EXPECT_EQ(a.getpeername(), b.getsockname());
        co_await a.send("one");
        EXPECT_EQ((co_await b.recv(10)).str(), "one");
        // AF_UNSPEC dissolves the association (UDP only; AF_UNIX keeps it).
        if (family() != AF_UNIX) {
            co_await a.connect(SocketAddress());
            EXPECT_THROW(a.getpeername(), OSError);
        }
    });
}

// A datagram is never cut to the driver's provided-buffer size (64 KiB by
// default): a receive asking for more than a buffer holds gets a buffer of
// its own, and one asking for no more is served from the pool, whole.
TEST_P(DatagramSocket, LargeDatagramsArriveWholeWhateverTheReceiveSize) {
    const std::size_t size = 60000;  // near the largest UDP datagram over IPv4
    run([&]() -> Task<void> {
        Socket a = co_await datagram_socket(family());
        Socket b = co_await datagram_socket(family());
        Bytes big;
        big.resize(size);
        for (std::size_t i = 0; i < size; ++i)
            big[i] = static_cast<std::byte>(i % 253);
        for (const std::size_t max_bytes : {std::size_t{256 * 1024}, std::size_t{65536}}) {
            co_await a.sendto(big, b.getsockname());
            Bytes got = co_await b.recv(max_bytes);
            EXPECT_EQ(got.size(), size) << "recv(" << max_bytes << ")";
            EXPECT_TRUE(got == big) << "recv(" << max_bytes << ")";
        }
    });
}

INSTANTIATE_TEST_SUITE_P(Families, DatagramSocket, ::testing::ValuesIn(net_test::kFamilies),
                         net_test::family_name);
