// The async resolver: getaddrinfo / getnameinfo / getprotobyname, the numeric
// fast path that needs no worker thread, GaiError, substitution of the
// resolver, and cancellation of a lookup that blocks.
//
// No test contacts the network: names are "localhost" (from /etc/hosts) and
// "nonexistent.invalid" (RFC 6761: never resolves; with no network it fails
// at once), or go to a substituted resolver.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>

#include <condition_variable>
#include <coronet/net/resolver.hpp>
#include <coronet/runtime/to_thread.hpp>
#include <memory>
#include <mutex>

#include "net/net_test_support.hpp"

using namespace coronet;
using namespace coronet::net;
using namespace std::chrono_literals;

namespace {

// ASSERT_* returns void, which a coroutine body cannot: these check like
// EXPECT_* and return whether to go on (the caller co_returns if not).
template <class A, class B>
bool check_eq(const A& a, const B& b) {
    EXPECT_EQ(a, b);
    return a == b;
}
inline bool check_true(bool value) {
    EXPECT_TRUE(value);
    return value;
}

bool is_loopback(const SocketAddress& address) {
    if (address.family() == AF_INET) return address.host().rfind("127.", 0) == 0;
    if (address.family() == AF_INET6) return address.host() == "::1";
    return false;
}

// Answers every name with one fixed address and counts the calls.
struct CountingResolver : Resolver {
    int calls = 0;
    AddressQuery last;
    Task<std::vector<AddressInfo>> getaddrinfo(AddressQuery query) override {
        ++calls;
        last = query;
        co_return std::vector<AddressInfo>{
            {AF_INET, SOCK_STREAM, IPPROTO_TCP, "", SocketAddress::ipv4("127.0.0.42", 80)}};
    }
};

// Takes every token of the loop's default thread limiter for the guard's
// lifetime, so any to_thread call would wait: what completes meanwhile did
// not hop to a thread.
struct NoThreadsGuard {
    CapacityLimiter& limiter = to_thread::current_default_thread_limiter();
    std::size_t total = limiter.total_tokens();
    int borrower = 0;
    NoThreadsGuard() {
        limiter.set_total_tokens(1);
        limiter.acquire_on_behalf_of_nowait(&borrower);
    }
    ~NoThreadsGuard() {
        limiter.release_on_behalf_of(&borrower);
        limiter.set_total_tokens(total);
    }
};

}  // namespace

TEST(Resolver, NumericHostsAreAnsweredWithoutAThreadHop) {
    run([]() -> Task<void> {
        NoThreadsGuard no_threads;
        auto v4 = co_await net::getaddrinfo("127.0.0.1", 8080, AF_INET, SOCK_STREAM);
        if (!check_eq(v4.size(), 1u)) co_return;
        EXPECT_EQ(v4[0].family, AF_INET);
        EXPECT_EQ(v4[0].type, SOCK_STREAM);
        EXPECT_EQ(v4[0].proto, IPPROTO_TCP);
        EXPECT_EQ(v4[0].address, SocketAddress::ipv4("127.0.0.1", 8080));

        auto v6 = co_await net::getaddrinfo("::1", "443", 0, SOCK_STREAM);
        if (!check_eq(v6.size(), 1u)) co_return;
        EXPECT_EQ(v6[0].address, SocketAddress::ipv6("::1", 443));

        // Passive lookup with no host: the wildcard addresses.
        auto passive = co_await net::getaddrinfo("", 9000, 0, SOCK_STREAM, 0, AI_PASSIVE);
        if (!check_true(!(passive.empty()))) co_return;
        for (const auto& entry : passive) {
            EXPECT_TRUE(entry.address == SocketAddress::ipv4("0.0.0.0", 9000) ||
                        entry.address == SocketAddress::ipv6("::", 9000))
                << entry.address.to_string();
        }

        NameInfo n = co_await net::getnameinfo(SocketAddress::ipv4("127.0.0.1", 80),
                                               NI_NUMERICHOST | NI_NUMERICSERV);
        EXPECT_EQ(n, (NameInfo{"127.0.0.1", "80"}));

        // The control: a name does need a thread, so it waits for a token.
        auto named = co_await move_on_after(50ms, net::getaddrinfo("localhost", 80));
        EXPECT_FALSE(named.has_value());
    });
}

TEST(Resolver, NumericHostsNeverReachASubstitutedResolver) {
    auto counting = std::make_shared<CountingResolver>();
    auto guard = set_resolver_for_testing(counting);
    run([&]() -> Task<void> {
        co_await net::getaddrinfo("127.0.0.1", 80);
        co_await net::getaddrinfo("::1", 80, AF_INET6, SOCK_STREAM);
        co_await net::getaddrinfo("", 80, 0, SOCK_STREAM, 0, AI_PASSIVE);
        EXPECT_EQ(counting->calls, 0);
        auto named =
            co_await net::getaddrinfo("example.test", 8080, AF_INET, SOCK_STREAM, 0, AI_CANONNAME);
        EXPECT_EQ(counting->calls, 1);
        EXPECT_EQ(counting->last.host, "example.test");
        EXPECT_EQ(counting->last.service, "8080");
        EXPECT_EQ(counting->last.family, AF_INET);
        EXPECT_EQ(counting->last.type, SOCK_STREAM);
        EXPECT_EQ(counting->last.flags, AI_CANONNAME);
        if (!check_eq(named.size(), 1u)) co_return;
        EXPECT_EQ(named[0].address.host(), "127.0.0.42");
    });
}

TEST(Resolver, SubstitutionIsScopedAndPerCallSitesWin) {
    auto global = std::make_shared<CountingResolver>();
    CountingResolver per_call;
    EXPECT_EQ(current_resolver(), system_resolver());
    {
        auto guard = set_resolver_for_testing(global);
        EXPECT_EQ(current_resolver(), global);
        run([&]() -> Task<void> {
            co_await net::getaddrinfo(per_call, "a.test", 1);
            co_await net::getaddrinfo(per_call, "b.test", "http");
            co_await net::getaddrinfo("c.test", 1);
        });
        EXPECT_EQ(per_call.calls, 2);
        EXPECT_EQ(global->calls, 1);
        {
            auto inner = set_resolver_for_testing(nullptr);
            EXPECT_EQ(current_resolver(), system_resolver());
        }
        EXPECT_EQ(current_resolver(), global);
    }
    EXPECT_EQ(current_resolver(), system_resolver());
}

TEST(Resolver, TheFastPathIsACheckpoint) {
    run([]() -> Task<void> {
        CancelScope scope;
        scope.cancel();
        auto result = co_await scope.run(net::getaddrinfo("127.0.0.1", 80));
        EXPECT_FALSE(result.has_value());
        EXPECT_TRUE(scope.cancelled_caught());
    });
}

TEST(Resolver, LocalhostResolvesToLoopback) {
    run([]() -> Task<void> {
        auto entries = co_await net::getaddrinfo("localhost", 80, 0, SOCK_STREAM);
        if (!check_true(!(entries.empty()))) co_return;
        for (const auto& entry : entries) {
            EXPECT_TRUE(is_loopback(entry.address)) << entry.address.to_string();
            EXPECT_EQ(entry.address.port(), 80);
            EXPECT_EQ(entry.type, SOCK_STREAM);
            EXPECT_EQ(entry.family, entry.address.family());
        }
        // AI_CANONNAME: the name is on the first entry.
        auto canonical =
            co_await net::getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM, 0, AI_CANONNAME);
        if (!check_true(!(canonical.empty()))) co_return;
        EXPECT_FALSE(canonical[0].canonname.empty());
    });
}

TEST(Resolver, ServiceNamesAreLookedUp) {
    run([]() -> Task<void> {
        auto entries = co_await net::getaddrinfo("127.0.0.1", "http", AF_INET, SOCK_STREAM);
        if (!check_eq(entries.size(), 1u)) co_return;
        EXPECT_EQ(entries[0].address.port(), 80);
        EXPECT_THROW(
            co_await net::getaddrinfo("127.0.0.1", "no-such-service-xyz", AF_INET, SOCK_STREAM),
            GaiError);
    });
}

TEST(Resolver, AnInvalidNameRaisesGaiErrorWithCodeAndText) {
    run([]() -> Task<void> {
        bool raised = false;
        try {
            co_await net::getaddrinfo("nonexistent.invalid", 80);
        } catch (const GaiError& e) {
            raised = true;
            EXPECT_NE(e.code(), 0);
            EXPECT_TRUE(e.code() == EAI_NONAME || e.code() == EAI_AGAIN || e.code() == EAI_FAIL ||
                        e.code() == EAI_NODATA)
                << e.code();
            EXPECT_EQ(e.host(), "nonexistent.invalid");
            EXPECT_EQ(e.operation(), "getaddrinfo");
            std::string expected = "getaddrinfo nonexistent.invalid: ";
            expected += ::gai_strerror(e.code());
            EXPECT_EQ(std::string(e.what()), expected);
        }
        EXPECT_TRUE(raised);
    });
}

TEST(Resolver, NumericOnlyFailuresAreRaisedInline) {
    run([]() -> Task<void> {
        NoThreadsGuard no_threads;
        // Asked for numeric only: the answer is final without a resolver.
        EXPECT_THROW(
            co_await net::getaddrinfo("localhost", 80, 0, 0, 0, AI_NUMERICHOST | AI_NUMERICSERV),
            GaiError);
        // An IPv6 literal for an IPv4-only lookup: not about names at all.
        EXPECT_THROW(co_await net::getaddrinfo("::1", 80, AF_INET), GaiError);
    });
}

TEST(Resolver, BadInputIsInvalidArgument) {
    run([]() -> Task<void> {
        EXPECT_THROW(co_await net::getaddrinfo("localhost", 65536), std::invalid_argument);
        EXPECT_THROW(co_await net::getaddrinfo("localhost", -1), std::invalid_argument);
        EXPECT_THROW(co_await net::getaddrinfo(std::string("local\0host", 10), 80),
                     std::invalid_argument);
        EXPECT_THROW(co_await net::getaddrinfo("localhost", std::string("ht\0tp", 5)),
                     std::invalid_argument);
        EXPECT_THROW(co_await net::getnameinfo(SocketAddress::unix_abstract("x"), 0),
                     std::invalid_argument);
        // Port 0 and 65535 are fine.
        EXPECT_EQ((co_await net::getaddrinfo("127.0.0.1", 65535, AF_INET, SOCK_STREAM)).size(), 1u);
        EXPECT_EQ((co_await net::getaddrinfo("127.0.0.1", 0, AF_INET, SOCK_STREAM)).size(), 1u);
    });
}

TEST(Resolver, GetnameinfoNumericAndByName) {
    run([]() -> Task<void> {
        NameInfo numeric = co_await net::getnameinfo(SocketAddress::ipv4("127.0.0.1", 80),
                                                     NI_NUMERICHOST | NI_NUMERICSERV);
        EXPECT_EQ(numeric.host, "127.0.0.1");
        EXPECT_EQ(numeric.service, "80");
        NameInfo v6 = co_await net::getnameinfo(SocketAddress::ipv6("::1", 443),
                                                NI_NUMERICHOST | NI_NUMERICSERV);
        EXPECT_EQ(v6, (NameInfo{"::1", "443"}));
        // Trio's replacement for getservbyport: the service name by lookup
        // (on the worker pool; /etc/services).
        NameInfo service =
            co_await net::getnameinfo(SocketAddress::ipv4("127.0.0.1", 80), NI_NUMERICHOST);
        EXPECT_EQ(service, (NameInfo{"127.0.0.1", "http"}));
    });
}

TEST(Resolver, Getprotobyname) {
    run([]() -> Task<void> {
        EXPECT_EQ(co_await net::getprotobyname("tcp"), IPPROTO_TCP);
        EXPECT_EQ(co_await net::getprotobyname("udp"), IPPROTO_UDP);
        try {
            co_await net::getprotobyname("no-such-protocol");
            ADD_FAILURE() << "no error";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), EPROTONOSUPPORT);
            EXPECT_EQ(e.address(), "no-such-protocol");
        }
    });
}

namespace {

// A resolver whose lookup blocks a worker thread until released, the way a
// lookup against an unreachable DNS server does.
struct BlockingResolver : Resolver {
    struct Gate {
        std::mutex mutex;
        std::condition_variable cv;
        bool open = false;
        bool started = false;
        bool finished = false;
    };
    std::shared_ptr<Gate> gate = std::make_shared<Gate>();

    Task<std::vector<AddressInfo>> getaddrinfo(AddressQuery) override {
        // The thread owns a reference to the gate, never to the task. A named
        // lambda: g++ 12 destroys a capturing lambda temporary built inside a
        // co_await expression twice.
        auto wait_for_gate = [gate = gate] {
            std::unique_lock lock(gate->mutex);
            gate->started = true;
            gate->cv.notify_all();
            gate->cv.wait(lock, [&] { return gate->open; });
            gate->finished = true;
            gate->cv.notify_all();
            return std::vector<AddressInfo>{
                {AF_INET, SOCK_STREAM, IPPROTO_TCP, "", SocketAddress::ipv4("127.0.0.1", 1)}};
        };
        co_return co_await to_thread::run_sync(std::move(wait_for_gate), {.cancellable = true});
    }
    void wait_started() {
        std::unique_lock lock(gate->mutex);
        gate->cv.wait(lock, [&] { return gate->started; });
    }
    // Releases the thread and waits for it to finish its (discarded) answer.
    void release_and_join() {
        std::unique_lock lock(gate->mutex);
        gate->open = true;
        gate->cv.notify_all();
        gate->cv.wait(lock, [&] { return gate->finished; });
    }
    bool finished() {
        std::lock_guard lock(gate->mutex);
        return gate->finished;
    }
};

}  // namespace

TEST(Resolver, CancellingABlockedLookupReturnsAtOnce) {
    auto blocking = std::make_shared<BlockingResolver>();
    auto guard = set_resolver_for_testing(blocking);
    run([&]() -> Task<void> {
        CancelScope scope;
        bool thread_finished_when_returned = true;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await scope.run(net::getaddrinfo("slow.test", 80));
                thread_finished_when_returned = blocking->finished();
            });
            // Let the lookup reach its thread, then cancel it.
            co_await to_thread::run_sync([&] { blocking->wait_started(); });
            scope.cancel();
        });
        EXPECT_TRUE(scope.cancelled_caught());
        // The task got control back while the lookup was still blocked.
        EXPECT_FALSE(thread_finished_when_returned);
    });
    blocking->release_and_join();
}
