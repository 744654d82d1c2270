// The in-memory byte-stream pair: the conformance suite, flow control.
#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <coronet/testing/memory_byte_stream.hpp>
#include <coronet/testing/stream_conformance_gtest.hpp>

using namespace coronet;
using coronet::testing::StreamFixture;
using coronet::testing::StreamPair;
using namespace std::chrono_literals;

namespace {

StreamFixture memory_fixture() {
    StreamFixture f;
    f.factory = []() -> Task<StreamPair> {
        auto a_b_pair = coronet::testing::create_memory_byte_stream_pair();
        auto& a = a_b_pair.first;
        auto& b = a_b_pair.second;
        co_return StreamPair{std::move(a), std::move(b)};
    };
    return f;
}

}  // namespace

INSTANTIATE_BYTE_STREAM_CONFORMANCE(Memory, memory_fixture);

TEST(MemoryByteStream, SendWaitsForRoomOnceTheBufferIsFull) {
    run([]() -> Task<void> {
        auto a_b_pair = coronet::testing::create_memory_byte_stream_pair(4);
        auto& a = a_b_pair.first;
        auto& b = a_b_pair.second;
        bool sent = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await a->send("123456");
                sent = true;
            });
            for (int i = 0; i < 3; ++i)
                co_await sleep(1ms);
            EXPECT_FALSE(sent);
            EXPECT_EQ(b->buffered(), 4u);
            EXPECT_EQ((co_await b->receive()).str(), "1234");
            EXPECT_EQ((co_await b->receive()).str(), "56");
        });
        EXPECT_TRUE(sent);
    });
}

TEST(MemoryByteStream, ZeroBufferIsRejected) {
    EXPECT_THROW(coronet::testing::create_memory_byte_stream_pair(0), std::invalid_argument);
}
