// PipeSendStream / PipeReceiveStream on plain pipes: the contract's error
// cases, and the byte-stream conformance suite over two stapled pipes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <coronet/coronet.hpp>
#include <coronet/testing/stream_conformance_gtest.hpp>

#include "stream/stream_test_support.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {

std::pair<std::unique_ptr<PipeSendStream>, std::unique_ptr<PipeReceiveStream>> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    return {std::make_unique<PipeSendStream>(net::FileDescriptor(fds[1])),
            std::make_unique<PipeReceiveStream>(net::FileDescriptor(fds[0]))};
}

}  // namespace

TEST(PipeStream, InvalidFdIsAnError) {
    EXPECT_THROW(PipeReceiveStream{net::FileDescriptor()}, OSError);
    EXPECT_THROW(PipeSendStream{net::FileDescriptor(-3)}, OSError);
}

TEST(PipeStream, EndOfStreamClosedBrokenAndBusy) {
    run([]() -> Task<void> {
        auto [writer, reader] = make_pipe();
        EXPECT_GE(reader->fileno(), 0);
        co_await writer->send("abc");
        EXPECT_EQ((co_await reader->receive(2)).str(), "ab");
        EXPECT_EQ((co_await reader->receive()).str(), "c");
        EXPECT_THROW(co_await reader->receive(0), std::invalid_argument);
        // Busy: a second receiver while one waits.
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> { EXPECT_EQ((co_await reader->receive()).str(), "x"); });
            co_await sleep(1ms);
            EXPECT_THROW(co_await reader->receive(), BusyResourceError);
            co_await writer->send("x");
        });
        co_await writer->send_eof();
        EXPECT_TRUE(writer->is_closed());
        EXPECT_THROW(co_await writer->send("y"), ClosedResourceError);
        EXPECT_THROW(co_await reader->receive(), EndOfStream);
        EXPECT_THROW(co_await reader->receive(), EndOfStream);
        co_await reader->aclose();
        co_await reader->aclose();
        EXPECT_THROW(co_await reader->receive(), ClosedResourceError);

        // EPIPE is BrokenResourceError, and no SIGPIPE kills us.
        auto [writer2, reader2] = make_pipe();
        co_await reader2->aclose();
        try {
            co_await writer2->send("z");
            ADD_FAILURE() << "no exception";
        } catch (const BrokenResourceError& e) {
            EXPECT_EQ(e.error_number(), EPIPE);
        }
        co_await writer2->aclose();
    });
}

TEST(PipeStream, BusySenderAndCancelledSend) {
    run([]() -> Task<void> {
        auto [writer, reader] = make_pipe();
        Bytes big(std::size_t{1} << 20);  // more than the pipe holds
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                EXPECT_FALSE(co_await move_on_after(20ms, writer->send(big)));
            });
            co_await sleep(1ms);
            EXPECT_THROW(co_await writer->send("y"), BusyResourceError);
        });
        // Not busy any more; the pipe holds a prefix of `big`.
        Bytes got = co_await reader->receive();
        EXPECT_GT(got.size(), 0u);
        co_await writer->aclose();
        co_await reader->aclose();
    });
}

TEST(PipeStream, MoveKeepsTheFd) {
    run([]() -> Task<void> {
        auto [writer, reader] = make_pipe();
        PipeReceiveStream moved = std::move(*reader);
        EXPECT_TRUE(reader->is_closed());
        PipeSendStream moved_writer = std::move(*writer);
        co_await moved_writer.send("m");
        EXPECT_EQ((co_await moved.receive()).str(), "m");
        PipeReceiveStream other = std::move(moved);
        moved = std::move(other);
        EXPECT_EQ(other.fileno(), -1);
        co_await moved_writer.aclose();
        EXPECT_THROW(co_await moved.receive(), EndOfStream);
    });
}

namespace {

coronet::testing::StreamFixture pipe_fixture() {
    coronet::testing::StreamFixture f;
    f.factory = []() -> Task<coronet::testing::StreamPair> {
        auto [a_to_b_writer, a_to_b_reader] = make_pipe();
        auto [b_to_a_writer, b_to_a_reader] = make_pipe();
        co_return coronet::testing::StreamPair{
            std::make_unique<StapledByteStream>(std::move(a_to_b_writer), std::move(b_to_a_reader)),
            std::make_unique<StapledByteStream>(std::move(b_to_a_writer),
                                                std::move(a_to_b_reader))};
    };
    return f;
}

}  // namespace

INSTANTIATE_BYTE_STREAM_CONFORMANCE(Pipes, pipe_fixture);
