// Write flow control: the water-mark rules, and a slow reader making the
// writer's protocol pause above the high mark and resume at the low one,
// with the buffer bounded while a large amount is written.
#include <gtest/gtest.h>

#include <coronet/asyncio/connection.hpp>
#include <coronet/asyncio/write_buffer_limits.hpp>
#include <coronet/net/socket.hpp>

#include "asyncio/asyncio_test_support.hpp"
#include "asyncio/slow_reader.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

TEST(WriteBufferLimits, AsyncioRules) {
    auto d = aio::WriteBufferLimits::from(std::nullopt, std::nullopt);
    EXPECT_EQ(d.high, 64u * 1024);
    EXPECT_EQ(d.low, 16u * 1024);
    auto h = aio::WriteBufferLimits::from(1000, std::nullopt);
    EXPECT_EQ(h.high, 1000u);
    EXPECT_EQ(h.low, 250u);
    auto l = aio::WriteBufferLimits::from(std::nullopt, 100);
    EXPECT_EQ(l.high, 400u);
    EXPECT_EQ(l.low, 100u);
    auto z = aio::WriteBufferLimits::from(0, std::nullopt);  // high=0 forces low=0
    EXPECT_EQ(z.high, 0u);
    EXPECT_EQ(z.low, 0u);
    EXPECT_TRUE(z.should_pause(1));
    EXPECT_FALSE(z.should_pause(0));
    EXPECT_TRUE(z.should_resume(0));
    EXPECT_FALSE(z.should_resume(1));
    auto e = aio::WriteBufferLimits::from(10, 10);
    EXPECT_FALSE(e.should_pause(10));  // equal to high: no pause
    EXPECT_TRUE(e.should_pause(11));
    EXPECT_TRUE(e.should_resume(10));  // equal to low: resume
}

TEST(WriteBufferLimits, BadLimitsAreClearErrors) {
    for (auto [high, low] :
         std::vector<std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>>>{
             {10, 20}, {-1, std::nullopt}, {std::nullopt, -4}, {10, -1}, {0, 1}}) {
        try {
            aio::WriteBufferLimits::from(high, low);
            ADD_FAILURE() << "no error";
        } catch (const std::invalid_argument& err) {
            EXPECT_NE(std::string(err.what()).find("must be >= low"), std::string::npos)
                << err.what();
        }
    }
}

TEST(FlowControl, TransportLimitsFollowTheRules) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        auto& t = *ca.transport;
        EXPECT_EQ(t.get_write_buffer_limits(), (std::pair<std::size_t, std::size_t>{16384, 65536}));
        t.set_write_buffer_limits(4000);
        EXPECT_EQ(t.get_write_buffer_limits(), (std::pair<std::size_t, std::size_t>{1000, 4000}));
        t.set_write_buffer_limits(0);
        EXPECT_EQ(t.get_write_buffer_limits(), (std::pair<std::size_t, std::size_t>{0, 0}));
        EXPECT_THROW(t.set_write_buffer_limits(10, 11), std::invalid_argument);
        EXPECT_THROW(t.set_write_buffer_limits(-1), std::invalid_argument);
        EXPECT_EQ(t.get_write_buffer_limits(), (std::pair<std::size_t, std::size_t>{0, 0}));
        t.close();
        cb.transport->close();
        co_await wait_until([&] { return fa.made[0]->lost && fb.made[0]->lost; });
    });
}

// Lowering the limits below what is buffered pauses at once.
TEST(FlowControl, SettingLimitsBelowTheBufferPauses) {
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        RecorderFactory fa, fb;
        aio::Connection ca = co_await aio::create_connection(fa.factory(), std::move(a));
        aio::Connection cb = co_await aio::create_connection(fb.factory(), std::move(b));
        cb.transport->pause_reading();
        std::string chunk(64 * 1024, 'y');
        for (int i = 0; i < 1000 && ca.transport->get_write_buffer_size() == 0; ++i)
            ca.transport->write(chunk);  // the socket fills up, then the buffer grows
        const std::size_t size = ca.transport->get_write_buffer_size();
        CO_ASSERT(size > 0);
        const auto& events = fa.made[0]->events;
        const bool paused_already = size > 65536;
        EXPECT_EQ(events.back() == "pause", paused_already);
        ca.transport->set_write_buffer_limits(static_cast<std::int64_t>(size) - 1);
        EXPECT_EQ(events.back(), "pause");
        cb.transport->resume_reading();
        co_await wait_until([&] { return events.back() == "resume"; }, "resume_writing");
        ca.transport->close();
        co_await wait_until([&] { return fa.made[0]->lost; });
        cb.transport->close();
        co_await wait_until([&] { return fb.made[0]->lost; });
    });
}

// The writer writes only while not paused; the reader drains slowly in
// bursts. pause_writing comes only above high, resume_writing only at or
// below low, and the buffer never holds more than high + one chunk.
TEST(FlowControl, SlowReaderPausesAndResumesTheWriter) {
    const std::size_t total =
        std::max<std::size_t>(1 << 20, static_cast<std::size_t>(64.0 * (1 << 20) * test_scale()));
    const std::int64_t high = 128 * 1024, low = 32 * 1024;
    coronet::run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        net::set_send_buffer_size(a, 32 * 1024);
        net::set_receive_buffer_size(b, 32 * 1024);
        PacedWriterSetup paced(total, high, low);
        RecorderFactory fr;
        std::size_t received = 0;
        fr.configure = [&](Recorder& r) {
            r.on_data = [&](Recorder&, BytesView d) { received += d.size(); };
        };
        aio::Connection cw = co_await aio::create_connection(paced.factory, std::move(a));
        aio::Connection cr = co_await aio::create_connection(fr.factory(), std::move(b));
        cw.transport->set_write_buffer_limits(high, low);
        paced.writer.pump();
        co_await read_in_bursts(*fr.made[0]);
        expect_paced(paced.writer, received, total);
    });
}

}  // namespace
