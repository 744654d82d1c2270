// The tool's own building blocks, compiled into the test: URL parsing and
// the latency histogram.
#include <gtest/gtest.h>

#include "cli_error.hpp"
#include "histogram.hpp"
#include "url.hpp"

namespace coronet::cli {
namespace {

TEST(CliUrl, ParsesEveryScheme) {
    Url tcp = parse_url("tcp://example.com:80");
    EXPECT_EQ(tcp.scheme, Scheme::tcp);
    EXPECT_EQ(tcp.host, "example.com");
    EXPECT_EQ(tcp.port, 80);
    EXPECT_TRUE(tcp.is_stream());
    Url v6 = parse_url("udp://[::1]:5353");
    EXPECT_EQ(v6.scheme, Scheme::udp);
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.port, 5353);
    EXPECT_FALSE(v6.is_stream());
    EXPECT_EQ(describe(v6), "[::1]:5353");
    Url any = parse_url("tls://:8443");
    EXPECT_EQ(any.scheme, Scheme::tls);
    EXPECT_EQ(any.host, "");
    EXPECT_EQ(parse_url("unix:/run/a.sock").path, "/run/a.sock");
    EXPECT_EQ(parse_url("unix:///run/a.sock").path, "/run/a.sock");
    EXPECT_EQ(parse_url("unix:@abstract").path, "@abstract");
    EXPECT_EQ(parse_url("unix-dgram:rel.sock").scheme, Scheme::unix_dgram);
    EXPECT_EQ(parse_url("tcp://h:65535").port, 65535);
    EXPECT_EQ(parse_url("tcp://h:0").port, 0);
}

TEST(CliUrl, RejectsWithAMessageNamingTheProblem) {
    const std::pair<const char*, const char*> cases[] = {
        {"ftp://h:1", "unknown scheme 'ftp'"},
        {"h:1", "unknown scheme 'h'"},
        {"", "no scheme"},
        {"tcp://h", "missing port"},
        {"tcp://h:65536", "out of range"},
        {"tcp://h:-1", "not a number"},
        {"tcp://h:1x", "not a number"},
        {"tcp://[::1]", "missing port"},
        {"tcp://[::1:80", "unclosed"},
        {"tcp://fe80::1:80", "needs brackets"},
        {"unix:", "missing path"},
        {"unix-dgram:@", "missing path"},
        {"tcp://h/x:80", "a path"},
    };
    for (const auto& [text, message] : cases) {
        SCOPED_TRACE(text);
        try {
            parse_url(text);
            ADD_FAILURE() << "accepted";
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(require_connectable(parse_url("tcp://:80")), UsageError);
    EXPECT_THROW(require_connectable(parse_url("tcp://h:0")), UsageError);
    EXPECT_NO_THROW(require_connectable(parse_url("unix:x")));
}

TEST(CliHistogram, BucketsCoverEveryValueWithinThreePercent) {
    for (std::uint64_t value :
         std::initializer_list<std::uint64_t>{0, 1, 31, 32, 33, 63, 64, 1000, 123456789,
                                              (std::uint64_t{1} << 40) + 12345, UINT64_MAX}) {
        SCOPED_TRACE(value);
        const std::size_t index = LatencyHistogram::index_of(value);
        EXPECT_LE(LatencyHistogram::lowest_of(index), value);
        EXPECT_GE(LatencyHistogram::highest_of(index), value);
        const double width = static_cast<double>(LatencyHistogram::highest_of(index) -
                                                 LatencyHistogram::lowest_of(index));
        EXPECT_LE(width, static_cast<double>(value) / 32.0 + 1);
    }
    // Buckets are contiguous and increasing.
    for (std::size_t i = 0; i + 1 < 500; ++i)
        EXPECT_EQ(LatencyHistogram::highest_of(i) + 1, LatencyHistogram::lowest_of(i + 1)) << i;
}

TEST(CliHistogram, Percentiles) {
    LatencyHistogram h;
    EXPECT_EQ(h.percentile(50), 0u);
    EXPECT_EQ(h.count(), 0u);
    for (std::uint64_t v = 1; v <= 10000; ++v)
        h.record(v * 1000);  // 1 us .. 10 ms
    EXPECT_EQ(h.count(), 10000u);
    EXPECT_EQ(h.min(), 1000u);
    EXPECT_EQ(h.max(), 10'000'000u);
    EXPECT_NEAR(h.mean(), 5'000'500.0, 1.0);
    auto near = [](std::uint64_t got, double want) {
        EXPECT_GE(static_cast<double>(got), want) << got;
        EXPECT_LE(static_cast<double>(got), want * 1.035) << got;
    };
    near(h.percentile(50), 5'000'000);
    near(h.percentile(90), 9'000'000);
    near(h.percentile(99), 9'900'000);
    EXPECT_EQ(h.percentile(100), h.max());
    EXPECT_EQ(h.percentile(0), h.percentile(0.0001));
    EXPECT_LE(h.percentile(99.9), h.max());

    LatencyHistogram other;
    other.record(50'000'000);
    h.merge(other);
    EXPECT_EQ(h.count(), 10001u);
    EXPECT_EQ(h.max(), 50'000'000u);
    std::uint64_t total = 0;
    for (const auto& bucket : h.buckets())
        total += bucket.count;
    EXPECT_EQ(total, 10001u);
    h.reset();
    EXPECT_EQ(h.count(), 0u);
    EXPECT_TRUE(h.buckets().empty());
}

}  // namespace
}  // namespace coronet::cli
