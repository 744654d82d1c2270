// open_tcp_socket: connecting by name with happy eyeballs (RFC 8305).
//
// The races run under the MockClock (autojump): while every attempt hangs,
// the loop is idle and time jumps to the next stagger deadline, so elapsed
// mock time says exactly when each attempt started (mock time never moves
// while I/O is still arriving). A hanging attempt is a
// loopback listener with a full accept queue (unanswering_listener.hpp); a
// refusing one is a closed loopback port. The resolver is a stub returning
// those addresses for a made-up name.
#include <gtest/gtest.h>

#include <coronet/net/open_tcp_socket.hpp>
#include <coronet/net/resolver.hpp>
#include <memory>

#include <coronet/testing/mock_clock.hpp>
#include "net/net_test_support.hpp"
#include "net/unanswering_listener.hpp"

using namespace coronet;
using namespace coronet::net;
using namespace std::chrono_literals;
using net_test::open_fd_count;
using net_test::refusing_address;
using net_test::unanswering_listener;

namespace {

// ASSERT_* returns void, which a coroutine body cannot: this checks like
// EXPECT_EQ and returns whether to go on (the caller co_returns if not).
template <class A, class B>
bool check_eq(const A& a, const B& b) {
    EXPECT_EQ(a, b);
    return a == b;
}

// A MockClock loop that waits up to 50 ms of real time for I/O before it
// jumps: loopback handshakes and refusals complete asynchronously, and must
// not be mistaken for idleness (which would jump the clock past them).
template <class F>
void run_mock(F body) {
    coronet::testing::MockClock clock({.autojump = true, .autojump_threshold = 50ms});
    coronet::LoopOptions options;
    options.driver.clock = &clock;
    coronet::run_with(std::move(options), std::move(body));
}

AddressInfo entry(const SocketAddress& address) {
    return AddressInfo{address.family(), SOCK_STREAM, IPPROTO_TCP, "", address};
}

// Answers every lookup with a fixed list, on the loop thread.
struct StubResolver : Resolver {
    std::vector<AddressInfo> answers;
    int calls = 0;
    AddressQuery last;
    explicit StubResolver(std::vector<SocketAddress> addresses) {
        for (const auto& a : addresses)
            answers.push_back(entry(a));
    }
    Task<std::vector<AddressInfo>> getaddrinfo(AddressQuery query) override {
        ++calls;
        last = query;
        co_return answers;
    }
};

// Variadic rather than a braced list: g++ 12 rejects some initializer lists
// inside coroutine lambdas ("array used as initializer").
template <class... A>
std::shared_ptr<StubResolver> stub(const A&... addresses) {
    std::vector<SocketAddress> list;
    (list.push_back(addresses), ...);
    return std::make_shared<StubResolver>(std::move(list));
}

}  // namespace

// --- ordering (RFC 8305 section 4) ---

namespace {
std::vector<std::string> order_of(std::vector<std::string> texts, int count = 1) {
    std::vector<AddressInfo> entries;
    for (const auto& t : texts)
        entries.push_back(entry(SocketAddress::parse(t)));
    std::vector<std::string> out;
    for (const auto& e : happy_eyeballs_order(std::move(entries), count))
        out.push_back(e.address.to_string());
    return out;
}
}  // namespace

TEST(HappyEyeballsOrder, InterleavesFamiliesStartingWithTheFirstAnswer) {
    using V = std::vector<std::string>;
    EXPECT_EQ(order_of({"[::1]:1", "[::2]:1", "[::3]:1", "10.0.0.1:1", "10.0.0.2:1"}),
              (V{"[::1]:1", "10.0.0.1:1", "[::2]:1", "10.0.0.2:1", "[::3]:1"}));
    // The resolver's first family leads, whichever it is.
    EXPECT_EQ(order_of({"10.0.0.1:1", "10.0.0.2:1", "[::1]:1"}),
              (V{"10.0.0.1:1", "[::1]:1", "10.0.0.2:1"}));
    // Already interleaved input, and mixed input, keep each family's order.
    EXPECT_EQ(order_of({"[::1]:1", "10.0.0.1:1", "10.0.0.2:1", "[::2]:1"}),
              (V{"[::1]:1", "10.0.0.1:1", "[::2]:1", "10.0.0.2:1"}));
    // First Address Family Count 2 (asyncio's interleave=2).
    EXPECT_EQ(order_of({"[::1]:1", "[::2]:1", "[::3]:1", "10.0.0.1:1", "10.0.0.2:1"}, 2),
              (V{"[::1]:1", "[::2]:1", "10.0.0.1:1", "[::3]:1", "10.0.0.2:1"}));
    // One family, one address, none.
    EXPECT_EQ(order_of({"10.0.0.1:1", "10.0.0.2:1"}), (V{"10.0.0.1:1", "10.0.0.2:1"}));
    EXPECT_EQ(order_of({"[::1]:1"}), (V{"[::1]:1"}));
    EXPECT_EQ(order_of({}), V{});
    EXPECT_THROW(happy_eyeballs_order({}, 0), std::invalid_argument);
}

// --- racing ---

TEST(HappyEyeballs, SecondAttemptStartsAfterTheStaggerAndWins) {
    run_mock([]() -> Task<void> {
        auto hanging = co_await unanswering_listener(AF_INET);
        Socket good = co_await net_test::listening_socket(AF_INET6);
        auto resolver = stub(hanging.address, good.getsockname());
        const int fds_before = open_fd_count();
        const TimePoint start = current_time();
        Socket s = co_await open_tcp_socket("dual.test", 80, {.resolver = resolver.get()});
        EXPECT_EQ(current_time() - start, Duration(250ms));
        EXPECT_EQ(s.getpeername(), good.getsockname());
        // The loser (the hanging attempt) is closed: only the winner is new.
        EXPECT_EQ(open_fd_count(), fds_before + 1);
        EXPECT_EQ(resolver->calls, 1);
        EXPECT_EQ(resolver->last.host, "dual.test");
        EXPECT_EQ(resolver->last.service, "80");
        EXPECT_EQ(resolver->last.type, SOCK_STREAM);
        auto accepted = co_await good.accept();
        EXPECT_EQ(accepted.address, s.getsockname());
    });
}

TEST(HappyEyeballs, TheStaggerIsConfigurable) {
    run_mock([]() -> Task<void> {
        auto hanging = co_await unanswering_listener(AF_INET6);
        Socket good = co_await net_test::listening_socket(AF_INET);
        auto resolver = stub(hanging.address, good.getsockname());
        const TimePoint start = current_time();
        Socket s = co_await open_tcp_socket(
            "dual.test", 80, {.happy_eyeballs_delay = 40ms, .resolver = resolver.get()});
        EXPECT_EQ(current_time() - start, Duration(40ms));
        EXPECT_EQ(s.getpeername(), good.getsockname());
    });
}

TEST(HappyEyeballs, ARefusedAttemptStartsTheNextAtOnce) {
    run_mock([]() -> Task<void> {
        SocketAddress refused = co_await refusing_address(AF_INET6);
        Socket good = co_await net_test::listening_socket(AF_INET);
        const TimePoint start = current_time();
        auto resolver = stub(refused, good.getsockname());
        Socket s = co_await open_tcp_socket("dual.test", 80, {.resolver = resolver.get()});
        EXPECT_EQ(current_time() - start, Duration::zero());
        EXPECT_EQ(s.getpeername(), good.getsockname());
    });
}

TEST(HappyEyeballs, FamiliesAreInterleavedBeforeRacing) {
    run_mock([]() -> Task<void> {
        // Two hanging IPv6 addresses, then the IPv4 one that answers: the
        // interleaving makes it the second attempt, at 250 ms, not 500 ms.
        auto hang1 = co_await unanswering_listener(AF_INET6);
        auto hang2 = co_await unanswering_listener(AF_INET6);
        Socket good = co_await net_test::listening_socket(AF_INET);
        auto resolver = stub(hang1.address, hang2.address, good.getsockname());
        const TimePoint start = current_time();
        Socket s = co_await open_tcp_socket("dual.test", 80, {.resolver = resolver.get()});
        EXPECT_EQ(current_time() - start, Duration(250ms));
        EXPECT_EQ(s.getpeername(), good.getsockname());
    });
}

TEST(HappyEyeballs, WithoutAStaggerAttemptsRunOneAtATime) {
    run_mock([]() -> Task<void> {
        auto hanging = co_await unanswering_listener(AF_INET);
        SocketAddress refused = co_await refusing_address(AF_INET);
        Socket good = co_await net_test::listening_socket(AF_INET);
        // refused -> next at once; hanging -> the good one is never tried.
        auto resolver = stub(refused, hanging.address, good.getsockname());
        const int fds_before = open_fd_count();
        auto result = co_await move_on_after(
            10s,
            open_tcp_socket("seq.test", 80,
                            {.happy_eyeballs_delay = std::nullopt, .resolver = resolver.get()}));
        EXPECT_FALSE(result.has_value());
        EXPECT_EQ(open_fd_count(), fds_before);
    });
}

TEST(HappyEyeballs, WhenAllFailOneErrorListsEveryAttempt) {
    run_mock([]() -> Task<void> {
        SocketAddress a = co_await refusing_address(AF_INET6);
        SocketAddress b = co_await refusing_address(AF_INET);
        SocketAddress c = co_await refusing_address(AF_INET);
        auto resolver = stub(a, b, c);
        const int fds_before = open_fd_count();
        try {
            co_await open_tcp_socket("down.test", 8080, {.resolver = resolver.get()});
            ADD_FAILURE() << "connected";
        } catch (const ConnectError& e) {
            EXPECT_EQ(e.target(), "down.test:8080");
            if (!check_eq(e.attempts().size(), 3u)) co_return;
            std::vector<SocketAddress> expected;
            expected.push_back(a);
            expected.push_back(b);
            expected.push_back(c);
            const std::string what = e.what();
            EXPECT_EQ(what.rfind("all 3 attempts to connect to down.test:8080 failed: ", 0), 0u)
                << what;
            for (std::size_t i = 0; i < 3; ++i) {
                const ConnectAttempt& attempt = e.attempts()[i];
                EXPECT_EQ(attempt.address, expected[i]);
                EXPECT_EQ(attempt.error_number, ECONNREFUSED);
                EXPECT_NE(attempt.message.find(expected[i].to_string()), std::string::npos);
                EXPECT_NE(attempt.message.find("Connection refused"), std::string::npos);
                EXPECT_NE(what.find(attempt.message), std::string::npos);
                EXPECT_THROW(std::rethrow_exception(attempt.error), OSError);
            }
        }
        EXPECT_EQ(open_fd_count(), fds_before);
    });
}

TEST(HappyEyeballs, CancellingTheWholeConnectClosesEveryAttempt) {
    run_mock([]() -> Task<void> {
        auto hang1 = co_await unanswering_listener(AF_INET);
        auto hang2 = co_await unanswering_listener(AF_INET6);
        auto hang3 = co_await unanswering_listener(AF_INET);
        auto resolver = stub(hang1.address, hang2.address, hang3.address);
        const int fds_before = open_fd_count();
        const TimePoint start = current_time();
        // All three attempts are in flight (started at 0, 250, 500 ms) when
        // the deadline cancels the call.
        auto result = co_await move_on_after(
            1s, open_tcp_socket("hang.test", 80, {.resolver = resolver.get()}));
        EXPECT_FALSE(result.has_value());
        EXPECT_EQ(current_time() - start, Duration(1s));
        EXPECT_EQ(open_fd_count(), fds_before);
    });
}

TEST(HappyEyeballs, CancelledBeforeTheFirstAttemptOpensNothing) {
    run_mock([]() -> Task<void> {
        auto resolver = stub(SocketAddress::ipv4("127.0.0.1", 1));
        const int fds_before = open_fd_count();
        CancelScope scope;
        scope.cancel();
        auto result =
            co_await scope.run(open_tcp_socket("x.test", 80, {.resolver = resolver.get()}));
        EXPECT_FALSE(result.has_value());
        EXPECT_EQ(open_fd_count(), fds_before);
    });
}

// --- names, local addresses, errors ---

TEST(HappyEyeballs, ConnectsToLocalhostThroughTheSystemResolver) {
    run([]() -> Task<void> {
        Socket listener = co_await net_test::listening_socket(AF_INET);
        const int port = listener.getsockname().port();
        Socket s = co_await open_tcp_socket("localhost", port);
        EXPECT_EQ(s.getpeername(), listener.getsockname());
        EXPECT_EQ(s.type(), SOCK_STREAM);
    });
}

TEST(HappyEyeballs, NumericHostsNeedNoResolver) {
    run([]() -> Task<void> {
        auto never = stub();
        auto guard = set_resolver_for_testing(never);
        Socket v4 = co_await net_test::listening_socket(AF_INET);
        Socket v6 = co_await net_test::listening_socket(AF_INET6);
        Socket a = co_await open_tcp_socket("127.0.0.1", v4.getsockname().port());
        Socket b = co_await open_tcp_socket("::1", v6.getsockname().port());
        EXPECT_EQ(a.getpeername(), v4.getsockname());
        EXPECT_EQ(b.getpeername(), v6.getsockname());
        EXPECT_EQ(never->calls, 0);
    });
}

TEST(HappyEyeballs, BindsToTheLocalAddress) {
    run([]() -> Task<void> {
        Socket listener = co_await net_test::listening_socket(AF_INET);
        Socket s = co_await open_tcp_socket("127.0.0.1", listener.getsockname().port(),
                                            {.local_address = SocketAddress::ipv4("127.0.0.1", 0)});
        EXPECT_EQ(s.getsockname().host(), "127.0.0.1");
        EXPECT_NE(s.getsockname().port(), 0);
        // Only the local address's family is looked up.
        auto resolver = stub(SocketAddress::ipv4("127.0.0.1", listener.getsockname().port()));
        Socket t = co_await open_tcp_socket(
            "v4.test", 80,
            {.local_address = SocketAddress::ipv4("127.0.0.1", 0), .resolver = resolver.get()});
        EXPECT_EQ(resolver->last.family, AF_INET);
    });
}

TEST(HappyEyeballs, ABindFailureIsAnAttemptFailure) {
    run_mock([]() -> Task<void> {
        Socket listener = co_await net_test::listening_socket(AF_INET);
        Socket taken = co_await net_test::listening_socket(AF_INET);
        // The local address (port included) is already bound: EADDRINUSE.
        try {
            co_await open_tcp_socket("127.0.0.1", listener.getsockname().port(),
                                     {.local_address = taken.getsockname()});
            ADD_FAILURE() << "connected";
        } catch (const ConnectError& e) {
            if (!check_eq(e.attempts().size(), 1u)) co_return;
            EXPECT_EQ(e.attempts()[0].error_number, EADDRINUSE);
            EXPECT_NE(e.attempts()[0].message.find("bind"), std::string::npos);
            EXPECT_EQ(std::string(e.what()).rfind("the attempt to connect to 127.0.0.1:", 0), 0u)
                << e.what();
        }
    });
}

TEST(HappyEyeballs, LookupErrorsAndBadInput) {
    run_mock([]() -> Task<void> {
        EXPECT_THROW(co_await open_tcp_socket("", 80), std::invalid_argument);
        EXPECT_THROW(co_await open_tcp_socket("localhost", 65536), std::invalid_argument);
        EXPECT_THROW(co_await open_tcp_socket("localhost", 80, {.happy_eyeballs_delay = -1ms}),
                     std::invalid_argument);
        EXPECT_THROW(co_await open_tcp_socket("localhost", 80, {.interleave = 0}),
                     std::invalid_argument);
        EXPECT_THROW(co_await open_tcp_socket("localhost", 80,
                                              {.local_address = SocketAddress::unix_abstract("x")}),
                     std::invalid_argument);
        EXPECT_THROW(
            co_await open_tcp_socket(
                "localhost", 80,
                {.family = AF_INET6, .local_address = SocketAddress::ipv4("127.0.0.1", 0)}),
            std::invalid_argument);
        // An empty answer is a ConnectError with no attempts.
        auto empty = stub();
        try {
            co_await open_tcp_socket("empty.test", 80, {.resolver = empty.get()});
            ADD_FAILURE() << "connected";
        } catch (const ConnectError& e) {
            EXPECT_TRUE(e.attempts().empty());
            EXPECT_EQ(std::string(e.what()), "no address to connect to for empty.test:80");
        }
        // IPv6 literals are bracketed in the target.
        SocketAddress refused = co_await refusing_address(AF_INET6);
        try {
            co_await open_tcp_socket("::1", refused.port());
        } catch (const ConnectError& e) {
            EXPECT_EQ(e.target(), "[::1]:" + std::to_string(refused.port()));
        }
    });
    // A failed lookup propagates its GaiError unchanged.
    run([]() -> Task<void> {
        EXPECT_THROW(co_await open_tcp_socket("nonexistent.invalid", 80), GaiError);
    });
}
