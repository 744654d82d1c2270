// The fault-injecting driver: the stream and datagram conformance suites keep
// passing under benign faults for many seeds; hard faults end in the right
// error with an intact prefix, never a hang; a listener survives EMFILE.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <coronet/coronet.hpp>
#include <coronet/testing/datagram_conformance.hpp>
#include <coronet/testing/fault_injection.hpp>
#include <coronet/testing/stream_conformance.hpp>

#include "stream/stream_test_support.hpp"

using namespace coronet;
using namespace coronet::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kSeeds = 12;

FaultPlan benign(std::uint64_t seed) {
    return FaultPlan{.seed = seed, .short_io = 0.3, .would_block = 0.2, .interrupt = 0.1};
}

Task<StreamPair> tcp_pair() {
    co_return stream_test::as_stream_pair(co_await stream_test::tcp_pair("127.0.0.1"));
}

Task<StreamPair> unix_pair() {
    co_return stream_test::as_stream_pair(co_await stream_test::unix_pair());
}

// Every conformance case but the large transfer (run for two seeds only: it
// is the slow one) on `factory`, under benign faults of `seed`.
void run_stream_cases(StreamPairFactory factory, const StreamTraits& traits, std::uint64_t seed,
                      bool include_large) {
    for (const ConformanceCase& c : byte_stream_conformance_cases()) {
        if (!include_large && std::string(c.name) == "LargeTransferBothWays") continue;
        FaultCounts counts;
        try {
            run_with_faults(
                benign(seed), [&] { return c.run(factory, traits); }, &counts);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "seed " << seed << ", case " << c.name << ": "
                          << describe_exception(std::current_exception());
        } catch (const Cancelled&) {
            ADD_FAILURE() << "seed " << seed << ", case " << c.name << ": unexpected Cancelled";
        }
    }
}

std::string pattern(std::size_t size, std::uint64_t salt) {
    std::string data(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        data[i] = static_cast<char>((i * 131 + salt * 7 + i / 977) & 0xff);
    return data;
}

}  // namespace

TEST(FaultInjection, StreamConformanceOverTcpUnderBenignFaults) {
    StreamTraits traits;
    traits.break_connection = stream_test::reset_connection;
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed)
        run_stream_cases(tcp_pair, traits, seed, seed <= 2);
}

TEST(FaultInjection, StreamConformanceOverUnixUnderBenignFaults) {
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed)
        run_stream_cases(unix_pair, {}, seed, seed <= 2);
}

TEST(FaultInjection, DatagramConformanceUnderBenignFaults) {
    const DatagramPairFactory factories[] = {
        [] { return make_udp_pair(AF_INET); },
        [] { return make_connected_udp_pair(AF_INET); },
        [] { return make_unix_datagram_pair(); },
        [] { return make_connected_unix_datagram_pair(); },
    };
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
        for (const DatagramPairFactory& factory : factories) {
            for (const auto& c : datagram_conformance_cases()) {
                try {
                    run_with_faults(benign(seed), [&] { return c.run(factory); });
                } catch (const std::exception& e) {
                    ADD_FAILURE() << "seed " << seed << ", case " << c.name << ": " << e.what();
                }
            }
        }
    }
}

TEST(FaultInjection, BenignFaultsAreActuallyInjectedAndRepeatable) {
    // A program whose operations do not depend on timing (everything is sent
    // before anything is read) meets the same faults for the same seed.
    auto exchange = [] {
        return []() -> Task<void> {
            auto [left, right] = net::socketpair();
            SocketStream a(std::move(left));
            SocketStream b(std::move(right));
            const std::string data = pattern(64 << 10, 3);
            for (std::size_t at = 0; at < data.size(); at += 4096)
                co_await a.send(std::string_view(data).substr(at, 4096));
            co_await a.send_eof();
            std::string got;
            try {
                for (;;)
                    got += (co_await b.receive()).str();
            } catch (const EndOfStream&) {
            }
            EXPECT_TRUE(got == data);
        };
    };
    FaultCounts first;
    FaultCounts second;
    run_with_faults(benign(42), exchange(), &first);
    run_with_faults(benign(42), exchange(), &second);
    EXPECT_GT(first.short_io, 0u);
    EXPECT_GT(first.would_block, 0u);
    EXPECT_GT(first.interrupt, 0u);
    EXPECT_EQ(first.short_io, second.short_io);
    EXPECT_EQ(first.would_block, second.would_block);
    EXPECT_EQ(first.interrupt, second.interrupt);
}

TEST(FaultInjection, ResetsEndInBrokenResourceErrorWithAnIntactPrefix) {
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
        FaultPlan plan = benign(seed);
        plan.reset = 0.02;
        const std::string data = pattern(std::size_t{2} << 20, seed);
        std::string got;
        bool broken = false;
        FaultCounts counts;
        run_with_faults(
            plan,
            [&]() -> Task<void> {
                auto [a, b] = co_await stream_test::tcp_pair("127.0.0.1");
                // A hang would end here as TimeoutError, failing the test.
                auto transfer = [&]() -> Task<void> {
                    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                        tg.spawn([&]() -> Task<void> {
                            try {
                                co_await a.send(data);
                                co_await a.send_eof();
                                co_return;
                            } catch (const BrokenResourceError&) {
                                broken = true;
                            }
                            co_await a.aclose();  // the reader sees EOF
                        });
                        try {
                            for (;;)
                                got += (co_await b.receive()).str();
                        } catch (const EndOfStream&) {
                        } catch (const BrokenResourceError&) {
                            broken = true;
                        }
                    });
                };
                co_await fail_after(60s, transfer());
            },
            &counts);
        EXPECT_TRUE(got.size() <= data.size() && data.compare(0, got.size(), got) == 0)
            << "seed " << seed << ": received bytes are not a prefix of what was sent";
        if (counts.reset == 0) {
            EXPECT_FALSE(broken) << "seed " << seed;
            EXPECT_EQ(got.size(), data.size()) << "seed " << seed;
        } else {
            EXPECT_TRUE(broken || got.size() == data.size()) << "seed " << seed;
        }
    }
}

TEST(FaultInjection, ListenerKeepsServingThroughFdLimitErrorsAtAccept) {
    constexpr int kClients = 10;
    FaultPlan plan{.seed = 5, .accept_fd_limit = 0.5};
    FaultCounts counts;
    int answered = 0;
    run_with_faults(
        plan,
        [&]() -> Task<void> {
            auto listener = co_await create_tcp_listener({.local_host = "127.0.0.1"});
            const int port = listener.extra<attr::local_port>();
            CancelScope serving;
            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                auto echo = [](SocketStream s) -> Task<void> {
                    Bytes got = co_await s.receive();
                    co_await s.send(got);
                };
                tg.spawn([&]() -> Task<void> { co_await serving.run(listener.serve(echo)); });
                auto clients = [&]() -> Task<void> {
                    for (int i = 0; i < kClients; ++i) {
                        SocketStream c = co_await connect_tcp("127.0.0.1", port);
                        co_await c.send("ping");
                        if ((co_await c.receive()).str() == "ping") ++answered;
                        co_await c.aclose();
                    }
                };
                co_await fail_after(120s, clients());
                serving.cancel();
            });
        },
        &counts);
    EXPECT_GT(counts.accept_fd_limit, 0u);
    EXPECT_EQ(answered, kClients);
}

TEST(FaultInjection, DatagramSendsFailWithENOBUFS) {
    FaultPlan plan{.seed = 9, .no_buffers = 1.0};
    run_with_faults(plan, []() -> Task<void> {
        DatagramPair pair = co_await make_unix_datagram_pair();
        int error = 0;
        try {
            co_await pair.a->send("x");
        } catch (const OSError& e) {
            error = e.error_number();
        }
        EXPECT_EQ(error, ENOBUFS);
    });
}

TEST(FaultInjection, BadPlansAreClearErrors) {
    EXPECT_THROW(FaultInjectingDriver(backend::make_driver(), FaultPlan{.short_io = 1.5}),
                 std::invalid_argument);
    EXPECT_THROW(FaultInjectingDriver(nullptr, FaultPlan{}), std::invalid_argument);
    try {
        FaultInjectingDriver(backend::make_driver(), FaultPlan{.reset = -0.1});
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("FaultPlan.reset"), std::string::npos);
    }
}
