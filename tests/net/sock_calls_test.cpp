// asyncio's loop.sock_* calls over the Socket object.
#include <gtest/gtest.h>

#include <coronet/net/sock_calls.hpp>
#include <coronet/net/socket.hpp>

#include "net/net_test_support.hpp"

using namespace coronet;
using namespace coronet::net;

namespace {
class SockCalls : public ::testing::TestWithParam<net_test::Family> {
  protected:
    int family() const { return GetParam().family; }
};
}  // namespace

TEST_P(SockCalls, StreamCalls) {
    const std::string big(1 << 20, 'z');
    run([&]() -> Task<void> {
        Socket listener = co_await net_test::listening_socket(family());
        Socket client = net::socket(family(), SOCK_STREAM);
        co_await sock_connect(client, listener.getsockname());
        auto [server, peer] = co_await sock_accept(listener);
        EXPECT_EQ(server.getpeername(), peer);
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await sock_sendall(client, big);  // far more than one send takes
                client.shutdown(SHUT_WR);
            });
            std::size_t total = 0;
            std::array<std::byte, 4096> buffer;
            for (;;) {
                const std::size_t n = total % 2 ? co_await sock_recv_into(server, buffer)
                                                : (co_await sock_recv(server, 8192)).size();
                if (n == 0) break;
                total += n;
            }
            EXPECT_EQ(total, big.size());
        });
    });
}

TEST_P(SockCalls, DatagramCalls) {
    run([&]() -> Task<void> {
        Socket a = co_await net_test::datagram_socket(family());
        Socket b = co_await net_test::datagram_socket(family());
        EXPECT_EQ(co_await sock_sendto(a, "dgram", b.getsockname()), 5u);
        auto [data, from] = co_await sock_recvfrom(b, 64);
        EXPECT_EQ(data.str(), "dgram");
        EXPECT_EQ(from, a.getsockname());
    });
}

INSTANTIATE_TEST_SUITE_P(Families, SockCalls, ::testing::ValuesIn(net_test::kFamilies),
                         net_test::family_name);
