// Completions run user code inside the driver's dispatch (an asyncio
// protocol's callback). That code may act on the other waiters of the same fd
// that the driver is still working through: cancel them, start new ones, or
// forget the fd. Each waiter still completes exactly once, with its real
// result or -ECANCELED.
#include <functional>
#include <memory>
#include <string_view>

#include "backend/driver_fixture.hpp"

namespace coronet::test {
namespace {

// A test operation whose completion then runs `then`.
struct HookedOp : TestOp {
    std::function<void()> then;

    HookedOp(OpCode code, int fd) : TestOp(code, fd) { op.on_complete = &hooked; }

    static void hooked(Operation& op) noexcept {
        TestOp::on_complete(op);
        auto* self = static_cast<HookedOp*>(static_cast<TestOp*>(op.context));
        if (self->then) self->then();
    }
};

// A poll that ended because input came (not cancelled, not failed).
bool became_readable(const TestOp& t) {
    return t.result() > 0 && (t.result() & POLLIN);
}

// Either outcome of a cancel racing the kernel, for an input poll.
bool readable_or_cancelled(const TestOp& t) {
    return t.result() == -ECANCELED || became_readable(t);
}

class DriverReentry : public DriverTest {
  protected:
    // Three polls for input on `fd`, all waiting (none finished inline).
    void start_three_polls(int fd) {
        for (auto& poll : polls_) {
            poll = std::make_unique<HookedOp>(OpCode::poll, fd);
            poll->op.poll_events = POLLIN;
            start(*poll);
            ASSERT_FALSE(poll->sync);
        }
        d().poll(std::chrono::nanoseconds(0));  // in the kernel, for io_uring
    }
    HookedOp& poll(int i) { return *polls_[static_cast<std::size_t>(i)]; }
    // Writes `data` into the peer end, so the polls' fd becomes readable, and
    // drives the driver until all three have completed.
    void make_readable_and_wait(int peer, std::string_view data = "x") {
        ASSERT_EQ(::write(peer, data.data(), data.size()), static_cast<ssize_t>(data.size()));
        wait({&poll(0), &poll(1), &poll(2)});
        settle();
    }

    std::unique_ptr<HookedOp> polls_[3];
};

TEST_P(DriverReentry, CompletionCancelsTheWaitersBehindIt) {
    auto [a, b] = stream_pair();
    start_three_polls(a.get());
    poll(0).then = [&] {
        d().cancel(poll(2).op);
        d().cancel(poll(1).op);
    };
    make_readable_and_wait(b.get());
    EXPECT_EQ(poll(0).calls, 1);
    EXPECT_TRUE(became_readable(poll(0))) << poll(0).result();
    // The kernel may have finished either before the cancel reached it: a
    // real result is allowed, a second completion is not.
    for (int i : {1, 2}) {
        EXPECT_EQ(poll(i).calls, 1) << "poll " << i;
        EXPECT_TRUE(readable_or_cancelled(poll(i))) << "poll " << i << ": " << poll(i).result();
    }
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverReentry, CompletionCancelsOnlyTheLastWaiter) {
    auto [a, b] = stream_pair();
    start_three_polls(a.get());
    poll(0).then = [&] { d().cancel(poll(2).op); };
    make_readable_and_wait(b.get());
    for (int i : {0, 1, 2})
        EXPECT_EQ(poll(i).calls, 1) << "poll " << i;
    EXPECT_TRUE(became_readable(poll(1))) << "the middle waiter is still retried";
    EXPECT_TRUE(readable_or_cancelled(poll(2))) << poll(2).result();
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverReentry, CompletionStartsAnotherWaiterOnTheSameFd) {
    auto [a, b] = stream_pair();
    start_three_polls(a.get());
    char buffer[8] = {};
    TestOp recv(OpCode::recv, a.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    poll(1).then = [&] { start(recv); };
    make_readable_and_wait(b.get(), "ab");
    wait(recv);
    for (int i : {0, 1, 2}) {
        EXPECT_EQ(poll(i).calls, 1) << "poll " << i;
        EXPECT_TRUE(became_readable(poll(i))) << "poll " << i << ": " << poll(i).result();
    }
    EXPECT_EQ(recv.calls + recv.sync, 1);
    ASSERT_EQ(recv.result(), 2);
    EXPECT_EQ(std::string(buffer, 2), "ab");
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverReentry, CompletionForgetsTheFdItsNeighboursWaitOn) {
    auto [a, b] = stream_pair();
    start_three_polls(a.get());
    poll(0).then = [&, fd = a.get()] { d().forget_fd(fd); };
    make_readable_and_wait(b.get());
    EXPECT_TRUE(became_readable(poll(0))) << poll(0).result();
    for (int i : {1, 2}) {
        EXPECT_EQ(poll(i).calls, 1) << "poll " << i;
        EXPECT_TRUE(readable_or_cancelled(poll(i))) << "poll " << i << ": " << poll(i).result();
    }
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverReentry, CompletionStartsAWaiterThatStaysThenCancelsTheLast) {
    // The new waiter queues behind the ones still to be retried and is not
    // ready; cancelling the last of those must end the retrying at the one
    // before it, not run on into the new waiter.
    auto [a, b] = stream_pair();
    start_three_polls(a.get());
    TestOp urgent(OpCode::poll, a.get());  // out-of-band data: never comes
    urgent.op.poll_events = POLLPRI;
    poll(0).then = [&] {
        start(urgent);
        d().cancel(poll(2).op);
    };
    make_readable_and_wait(b.get());
    for (int i : {0, 1, 2})
        EXPECT_EQ(poll(i).calls, 1) << "poll " << i;
    EXPECT_TRUE(became_readable(poll(1))) << poll(1).result();
    EXPECT_TRUE(readable_or_cancelled(poll(2))) << poll(2).result();
    EXPECT_FALSE(urgent.done());
    d().cancel(urgent.op);
    wait(urgent);
    EXPECT_EQ(urgent.result(), -ECANCELED);
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverReentry, EventOfAForgottenFdIsNotAppliedToTheFileReusingItsNumber) {
    // A reader's completion forgets its fd, closes it, and a new socket gets
    // the same number at once. The event that woke the reader (readable and
    // writable) was about the old file: a writer waiting on the new one, whose
    // send buffer is full, must keep waiting.
    auto [a, b] = stream_pair();
    const int number = a.get();
    HookedOp reader(OpCode::poll, number);
    reader.op.poll_events = POLLIN;
    start(reader);
    ASSERT_FALSE(reader.sync);
    d().poll(std::chrono::nanoseconds(0));
    std::pair<Fd, Fd> reused;
    TestOp writer(OpCode::poll, -1);
    writer.op.poll_events = POLLOUT;
    bool writer_waits = false;
    reader.then = [&] {
        d().forget_fd(number);
        a.reset();
        reused = stream_pair();  // the lowest free numbers: `number` first
        if (reused.first.get() != number) return;
        fill_send_buffer(reused.first.get());
        writer.op.fd = number;
        start(writer);
        writer_waits = !writer.sync;
    };
    ASSERT_EQ(::write(b.get(), "x", 1), 1);
    wait(reader);
    settle();
    EXPECT_TRUE(became_readable(reader)) << reader.result();
    ASSERT_EQ(reused.first.get(), number) << "the new socket did not reuse the number";
    ASSERT_TRUE(writer_waits) << "the writer found room at once";
    EXPECT_FALSE(writer.done()) << "woken by the old file's event: " << writer.result();
    d().cancel(writer.op);
    wait(writer);
    EXPECT_EQ(writer.result(), -ECANCELED);
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverReentry, LaterEventOfAFdForgottenInTheSameBatchIsDropped) {
    // Two fds become readable together. Whichever reader's completion runs
    // first forgets the other fd, closes it and reuses its number for a new
    // socket with a reader of its own. The other fd's event, still to be
    // dispatched, was about the closed file: the new reader must keep waiting.
    auto pair0 = stream_pair();
    auto pair1 = stream_pair();
    std::pair<Fd, Fd>* pairs[2] = {&pair0, &pair1};
    HookedOp reader0(OpCode::poll, pair0.first.get()), reader1(OpCode::poll, pair1.first.get());
    HookedOp* readers[2] = {&reader0, &reader1};
    std::pair<Fd, Fd> reused;
    TestOp newcomer(OpCode::poll, -1);
    newcomer.op.poll_events = POLLIN;
    int first = -1, number = -1;
    bool newcomer_waits = false;
    for (int i : {0, 1}) {
        readers[i]->op.poll_events = POLLIN;
        readers[i]->then = [&, i] {
            if (first >= 0) return;
            first = i;
            std::pair<Fd, Fd>& other = *pairs[1 - i];
            number = other.first.get();
            d().forget_fd(number);
            other.first.reset();
            reused = stream_pair();
            if (reused.first.get() != number) return;
            newcomer.op.fd = number;
            start(newcomer);
            newcomer_waits = !newcomer.sync;
        };
        start(*readers[i]);
        ASSERT_FALSE(readers[i]->sync);
    }
    d().poll(std::chrono::nanoseconds(0));
    ASSERT_EQ(::write(pair0.second.get(), "x", 1), 1);
    ASSERT_EQ(::write(pair1.second.get(), "y", 1), 1);
    wait({&reader0, &reader1});
    settle();
    ASSERT_GE(first, 0);
    EXPECT_TRUE(became_readable(*readers[first])) << readers[first]->result();
    EXPECT_TRUE(readable_or_cancelled(*readers[1 - first])) << readers[1 - first]->result();
    ASSERT_EQ(reused.first.get(), number) << "the new socket did not reuse the number";
    ASSERT_TRUE(newcomer_waits) << "the new socket had input at once";
    EXPECT_FALSE(newcomer.done()) << "woken by the old file's event: " << newcomer.result();
    d().cancel(newcomer.op);
    wait(newcomer);
    EXPECT_EQ(newcomer.result(), -ECANCELED);
    EXPECT_EQ(d().pending(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverReentry, ::testing::ValuesIn(kBackends), param_name);

}  // namespace
}  // namespace coronet::test
