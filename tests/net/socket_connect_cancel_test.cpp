// A cancelled connect leaves its socket closed (Trio's rule), on both
// backends, against a loopback address that never answers.
//
// The never-answering address: a TCP listener with backlog 0 whose accept
// queue is full. Linux then drops further SYNs (the queue-full check comes
// before SYN cookies), so a new connect stays in SYN_SENT, retransmitting,
// for minutes. The queue is filled with connections nobody accepts, each
// checked to have completed before the next one is made.
#include <gtest/gtest.h>
#include <poll.h>

#include <coronet/net/file_descriptor.hpp>
#include <coronet/net/socket.hpp>
#include <vector>

#include "net/net_test_support.hpp"

using namespace coronet;
using namespace coronet::net;
using namespace std::chrono_literals;

namespace {

// A listener that never completes another handshake, and the connections
// that fill it (kept open for as long as the test needs the hang).
struct Unanswering {
    Socket listener;
    std::vector<FileDescriptor> fillers;
    SocketAddress address;
};

// The fillers use plain syscalls and poll(2): each must have completed (or be
// known to hang) before the next is made, which no loop scheduling may reorder.
Task<Unanswering> unanswering_listener(int family) {
    Unanswering u;
    u.listener = net::socket(family, SOCK_STREAM);
    co_await u.listener.bind(net_test::any_address(family));
    u.listener.listen(0);
    u.address = u.listener.getsockname();
    // Bounded: backlog 0 admits one connection; a few more tries absorb any
    // kernel that admits more.
    for (int i = 0; i < 16; ++i) {
        FileDescriptor fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        const int rc = ::connect(fd.get(), u.address.native(), u.address.length());
        if (rc != 0 && errno != EINPROGRESS) throw std::runtime_error("filler connect failed");
        pollfd p{fd.get(), POLLOUT, 0};
        const bool completed = rc == 0 || ::poll(&p, 1, 200) == 1;
        u.fillers.push_back(std::move(fd));
        if (!completed) co_return u;  // this one hangs: so will the next
    }
    throw std::runtime_error("could not fill the accept queue");
}

class ConnectCancel : public ::testing::TestWithParam<net_test::Family> {};

}  // namespace

TEST_P(ConnectCancel, CancelledConnectClosesTheSocket) {
    const int family = GetParam().family;
    run([&]() -> Task<void> {
        Unanswering target = co_await unanswering_listener(family);
        Socket s = net::socket(family, SOCK_STREAM);
        const auto result = co_await move_on_after(20ms, s.connect(target.address));
        EXPECT_FALSE(result);  // cancelled, not connected
        EXPECT_EQ(s.fileno(), -1);
        EXPECT_TRUE(s.is_closed());
        EXPECT_THROW(co_await s.send("x"), ClosedResourceError);
        EXPECT_THROW(s.getsockname(), ClosedResourceError);
    });
}

TEST_P(ConnectCancel, AlreadyCancelledScopeClosesTooWithoutTrying) {
    const int family = GetParam().family;
    run([&]() -> Task<void> {
        Socket s = net::socket(family, SOCK_STREAM);
        CancelScope scope;
        scope.cancel();
        const bool finished = co_await scope.run(s.connect(net_test::any_address(family)));
        EXPECT_FALSE(finished);
        EXPECT_TRUE(s.is_closed());
    });
}

TEST_P(ConnectCancel, CloseDuringConnectRaisesClosedResourceError) {
    const int family = GetParam().family;
    run([&]() -> Task<void> {
        Unanswering target = co_await unanswering_listener(family);
        Socket s = net::socket(family, SOCK_STREAM);
        bool closed_error = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                try {
                    co_await s.connect(target.address);
                } catch (const ClosedResourceError&) {
                    closed_error = true;
                }
            });
            co_await sleep(5ms);
            s.close();
        });
        EXPECT_TRUE(closed_error);
    });
}

INSTANTIATE_TEST_SUITE_P(Ip, ConnectCancel,
                         ::testing::Values(net_test::kFamilies[0], net_test::kFamilies[1]),
                         net_test::family_name);
