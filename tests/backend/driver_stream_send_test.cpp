// Operation::byte_stream: a send the driver may queue with the loop's other
// requests. io_uring queues it for the next poll (one io_uring_enter for many
// connections' sends); epoll and io_uring's emulated paths try it at once.
// Either way every byte arrives once, in order, and failures keep their errno.
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/driver_fixture.hpp"

namespace coronet::test {
namespace {

class DriverStreamSend : public DriverTest {
  protected:
    // "ops" emulation runs every operation as a syscall plus POLL_ADD.
    bool queues_sends() const {
        return is_uring() && (!GetParam().emulate || std::strcmp(GetParam().emulate, "ops") != 0);
    }

    static void aim(TestOp& send, void* data, std::size_t length) {
        send.op.buffer = data;
        send.op.length = length;
        send.op.byte_stream = true;
    }
};

std::string read_all(int fd) {
    std::string got;
    char chunk[4096];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) return got;
        got.append(chunk, static_cast<std::size_t>(n));
    }
}

TEST_P(DriverStreamSend, QueuedOnIoUringInlineElsewhere) {
    auto [a, b] = stream_pair();
    char data[] = "hello";
    TestOp send(OpCode::send, a.get());
    aim(send, data, 5);
    EXPECT_EQ(d().features().batched_stream_sends, queues_sends());
    start(send);
    EXPECT_EQ(send.sync, !queues_sends());
    if (queues_sends()) {
        // Nothing reaches the socket before the driver polls.
        EXPECT_EQ(read_all(b.get()), "");
    }
    wait(send);
    ASSERT_EQ(send.result(), 5);
    EXPECT_EQ(read_all(b.get()), "hello");
}

TEST_P(DriverStreamSend, ManyConnectionsSendInOnePoll) {
    constexpr int kPairs = 64;
    std::vector<std::pair<Fd, Fd>> pairs;
    std::vector<std::unique_ptr<TestOp>> sends;
    std::vector<std::string> payloads;
    for (int i = 0; i < kPairs; ++i) {
        pairs.push_back(stream_pair());
        payloads.push_back("message " + std::to_string(i));
    }
    for (int i = 0; i < kPairs; ++i) {
        sends.push_back(std::make_unique<TestOp>(OpCode::send, pairs[i].first.get()));
        aim(*sends.back(), payloads[i].data(), payloads[i].size());
        start(*sends.back());
    }
    for (auto& send : sends)
        wait(*send);
    for (int i = 0; i < kPairs; ++i) {
        EXPECT_EQ(sends[i]->result(), static_cast<int>(payloads[i].size()));
        EXPECT_EQ(sends[i]->calls + (sends[i]->sync ? 1 : 0), 1) << "completed twice";
        EXPECT_EQ(read_all(pairs[i].second.get()), payloads[i]);
    }
}

TEST_P(DriverStreamSend, SuccessiveSendsKeepTheirOrder) {
    auto [a, b] = stream_pair();
    std::string expected;
    for (int i = 0; i < 100; ++i) {
        std::string piece = std::to_string(i) + ",";
        TestOp send(OpCode::send, a.get());
        aim(send, piece.data(), piece.size());
        start(send);
        wait(send);
        ASSERT_EQ(send.result(), static_cast<int>(piece.size()));
        expected += piece;
    }
    EXPECT_EQ(read_all(b.get()), expected);
}

TEST_P(DriverStreamSend, WaitsForRoomThenSendsAPart) {
    auto [a, b] = stream_pair();
    fill_send_buffer(a.get());
    static std::array<char, 4096> data;
    data.fill('x');
    TestOp send(OpCode::send, a.get());
    aim(send, data.data(), data.size());
    start(send);
    ASSERT_FALSE(send.sync);
    settle();
    EXPECT_EQ(send.calls, 0) << "a send on a full socket completed without room";
    drain_until_done(send, b.get());
    EXPECT_EQ(send.calls, 1);
    EXPECT_GT(send.result(), 0);
    EXPECT_LE(send.result(), static_cast<int>(data.size()));
}

TEST_P(DriverStreamSend, ClosedPeerIsEpipeNotSignal) {
    auto [a, b] = stream_pair();
    b.reset();
    char data[] = "x";
    TestOp send(OpCode::send, a.get());
    aim(send, data, 1);
    start(send);
    wait(send);
    EXPECT_EQ(send.result(), -EPIPE);
}

// Cancelled before the poll that would submit it: it completes once, either
// cancelled with nothing sent or with every byte sent, never half of each.
TEST_P(DriverStreamSend, CancelledWhileQueuedCompletesOnce) {
    auto [a, b] = stream_pair();
    char data[] = "payload";
    TestOp send(OpCode::send, a.get());
    aim(send, data, 7);
    start(send);
    if (!send.sync) d().cancel(send.op);
    wait(send);
    settle();
    EXPECT_EQ(send.calls + (send.sync ? 1 : 0), 1);
    const std::string got = read_all(b.get());
    if (send.result() == -ECANCELED) {
        EXPECT_EQ(got, "");
    } else {
        EXPECT_EQ(send.result(), 7);
        EXPECT_EQ(got, "payload");
    }
}

// The hint is for byte streams only: a datagram send keeps the immediate
// try on every backend, where a full queue cannot turn into EMSGSIZE.
TEST_P(DriverStreamSend, DatagramSendWithoutTheHintFinishesInline) {
    auto [a, b] = stream_pair(SOCK_DGRAM);
    char data[] = "datagram";
    TestOp send(OpCode::send, a.get());
    send.op.buffer = data;
    send.op.length = 8;
    start(send);
    EXPECT_TRUE(send.sync);
    EXPECT_EQ(send.result(), 8);
    EXPECT_EQ(read_all(b.get()), "datagram");
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverStreamSend, ::testing::ValuesIn(kBackends), param_name);

}  // namespace
}  // namespace coronet::test
