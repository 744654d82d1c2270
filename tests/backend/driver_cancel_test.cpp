// cancel, forget_fd and wake: completions arrive exactly once, after the
// kernel is done with the operation's memory.
#include <cstring>
#include <thread>

#include "backend/driver_fixture.hpp"

namespace coronet::test {
namespace {

class DriverCancel : public DriverTest {};

TEST_P(DriverCancel, CancelPendingRecv) {
    auto [a, b] = stream_pair();
    char buffer[8];
    TestOp recv(OpCode::recv, a.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    start(recv);
    ASSERT_FALSE(recv.sync);
    d().poll(std::chrono::nanoseconds(0));  // in the kernel, for io_uring
    d().cancel(recv.op);
    d().cancel(recv.op);  // twice is harmless
    EXPECT_EQ(recv.calls, 0) << "never from inside cancel()";
    wait(recv);
    settle();
    EXPECT_EQ(recv.calls, 1);
    EXPECT_EQ(recv.result(), -ECANCELED);
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverCancel, CancelRecvBeforeItWasSubmitted) {
    auto [a, b] = stream_pair();
    char buffer[8];
    TestOp recv(OpCode::recv, a.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    start(recv);
    d().cancel(recv.op);
    wait(recv);
    settle();
    EXPECT_EQ(recv.calls, 1);
    EXPECT_EQ(recv.result(), -ECANCELED);
}

TEST_P(DriverCancel, CancelPendingRecvProvided) {
    auto [a, b] = stream_pair();
    TestOp recv(OpCode::recv_provided, a.get());
    recv.op.length = 64;
    start(recv);
    d().poll(std::chrono::nanoseconds(0));
    d().cancel(recv.op);
    wait(recv);
    settle();
    EXPECT_EQ(recv.calls, 1);
    EXPECT_EQ(recv.result(), -ECANCELED);
    EXPECT_FALSE(recv.op.provided.valid());
}

TEST_P(DriverCancel, CancelPendingAccept) {
    Fd listener = tcp_listener();
    TestOp accept(OpCode::accept, listener.get());
    start(accept);
    d().poll(std::chrono::nanoseconds(0));
    d().cancel(accept.op);
    wait(accept);
    settle();
    EXPECT_EQ(accept.calls, 1);
    EXPECT_EQ(accept.result(), -ECANCELED);

    // The listener still works afterwards.
    TestOp again(OpCode::accept, listener.get());
    start(again);
    Fd client = tcp_client(listener.get());
    wait(again);
    Fd accepted(again.result());
    EXPECT_GE(accepted.get(), 0);
    d().forget_fd(listener.get());
}

// A loopback connect stays pending when the listener's queue is full (the
// SYN is dropped and retried in seconds): cancel it there.
TEST_P(DriverCancel, CancelPendingConnect) {
    Fd listener = tcp_listener(0);
    sockaddr_in to = local_address(listener.get());
    std::vector<Fd> fillers;
    std::vector<std::unique_ptr<TestOp>> connects;
    for (int i = 0; i < 8; ++i) {
        fillers.push_back(inet_socket(SOCK_STREAM));
        connects.push_back(std::make_unique<TestOp>(OpCode::connect, fillers.back().get()));
        connects.back()->op.connect_address = reinterpret_cast<const sockaddr*>(&to);
        connects.back()->op.connect_length = sizeof to;
        start(*connects.back());
    }
    settle();
    int pending = 0;
    for (auto& c : connects) {
        if (c->done()) continue;
        ++pending;
        d().cancel(c->op);
    }
    EXPECT_GT(pending, 0) << "the queue was never full";
    for (auto& c : connects)
        wait(*c);
    settle();
    for (auto& c : connects) {
        EXPECT_EQ(c->calls + c->sync, 1);
        EXPECT_TRUE(c->result() == 0 || c->result() == -ECANCELED) << c->result();
    }
}

TEST_P(DriverCancel, CancelPendingPoll) {
    auto [a, b] = stream_pair();
    TestOp poll(OpCode::poll, a.get());
    poll.op.poll_events = POLLIN;
    start(poll);
    d().poll(std::chrono::nanoseconds(0));
    d().cancel(poll.op);
    wait(poll);
    EXPECT_EQ(poll.result(), -ECANCELED);
}

TEST_P(DriverCancel, ForgetFdCancelsItsPendingOperations) {
    auto [a, b] = stream_pair();
    char buffer[8];
    TestOp recv(OpCode::recv, a.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    TestOp poll(OpCode::poll, a.get());
    poll.op.poll_events = POLLIN;
    TestOp provided(OpCode::recv_provided, a.get());
    provided.op.length = 8;
    start(recv);
    start(poll);
    d().poll(std::chrono::nanoseconds(0));
    start(provided);  // this one is still only queued
    d().forget_fd(a.get());
    a.reset();  // what forget_fd is for: closing right after
    wait({&recv, &poll, &provided});
    settle();
    for (TestOp* t : {&recv, &poll, &provided}) {
        EXPECT_EQ(t->calls, 1);
        EXPECT_EQ(t->result(), -ECANCELED);
    }
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverCancel, ForgetFdCancelsPendingAccepts) {
    Fd listener = tcp_listener();
    TestOp one(OpCode::accept, listener.get()), two(OpCode::accept, listener.get());
    start(one);
    start(two);
    d().poll(std::chrono::nanoseconds(0));
    d().forget_fd(listener.get());
    listener.reset();
    wait({&one, &two});
    settle();
    EXPECT_EQ(one.result(), -ECANCELED);
    EXPECT_EQ(two.result(), -ECANCELED);
    EXPECT_EQ(one.calls + two.calls, 2);
}

TEST_P(DriverCancel, ReusedFdNumberStartsClean) {
    for (int round = 0; round < 20; ++round) {
        auto [a, b] = stream_pair();
        char buffer[8];
        TestOp recv(OpCode::recv, a.get());
        recv.op.buffer = buffer;
        recv.op.length = sizeof buffer;
        start(recv);
        d().poll(std::chrono::nanoseconds(0));
        d().forget_fd(a.get());
        a.reset();
        b.reset();
        // The next pair likely reuses the numbers and must work normally.
        auto [c, e] = stream_pair();
        char buffer2[8] = {};
        TestOp recv2(OpCode::recv, c.get());
        recv2.op.buffer = buffer2;
        recv2.op.length = sizeof buffer2;
        start(recv2);
        ASSERT_EQ(::write(e.get(), "ok", 2), 2);
        wait({&recv, &recv2});
        ASSERT_EQ(recv.result(), -ECANCELED);
        ASSERT_EQ(recv2.result(), 2);
        ASSERT_EQ(std::string_view(buffer2, 2), "ok");
    }
}

TEST_P(DriverCancel, WakeFromAnotherThreadEndsABlockedPoll) {
    for (int i = 0; i < 50; ++i) {
        std::thread waker([this] { driver_->wake(); });
        // Returns whether the wake lands before or during the wait.
        EXPECT_EQ(d().poll(std::nullopt), 0u);
        waker.join();
    }
    // Coalesced wakes: one wait is enough to consume them.
    d().wake();
    d().wake();
    EXPECT_EQ(d().poll(std::nullopt), 0u);
}

// The race the io_uring design is about: data arrives and the waiter cancels
// in the same iteration. Exactly one completion, and either the whole data or
// -ECANCELED, never a partial or garbage buffer.
TEST_P(DriverCancel, CancelRacingWithData) {
    auto [a, b] = stream_pair();
    constexpr int kIterations = 3000;
    const char message[16] = "0123456789abcde";
    int cancelled = 0, received = 0;
    for (int i = 0; i < kIterations; ++i) {
        char buffer[64];
        std::memset(buffer, '#', sizeof buffer);
        TestOp recv(OpCode::recv, a.get());
        recv.op.buffer = buffer;
        recv.op.length = sizeof buffer;
        if (i % 3 == 2) {
            ASSERT_EQ(::write(b.get(), message, sizeof message), 16);
        }
        start(recv);
        if (i % 3 == 1) d().poll(std::chrono::nanoseconds(0));  // armed in the kernel
        if (i % 3 != 2) {
            ASSERT_EQ(::write(b.get(), message, sizeof message), 16);
        }
        if (!recv.sync) d().cancel(recv.op);
        wait(recv);
        d().poll(std::chrono::nanoseconds(0));
        ASSERT_EQ(recv.calls + recv.sync, 1) << "iteration " << i;
        if (recv.result() == -ECANCELED) {
            ++cancelled;
            char drain[64];
            ASSERT_EQ(::read(a.get(), drain, sizeof drain), 16) << "iteration " << i;
        } else {
            ++received;
            ASSERT_EQ(recv.result(), 16) << "iteration " << i;
            ASSERT_EQ(std::memcmp(buffer, message, 16), 0) << "iteration " << i;
            ASSERT_EQ(buffer[16], '#') << "iteration " << i;
        }
    }
    EXPECT_EQ(cancelled + received, kIterations);
    EXPECT_EQ(d().pending(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverCancel, ::testing::ValuesIn(kBackends), param_name);

}  // namespace
}  // namespace coronet::test
