// Completions run user code inside the driver's dispatch (an asyncio
// protocol's callback). That code may act on the other waiters of the same fd
// that the driver is still working through: cancel them, start new ones, or
// forget the fd. Each waiter still completes exactly once, with its real
// result or -ECANCELED.
#include <functional>
#include <memory>

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

    std::unique_ptr<HookedOp> polls_[3];
};

TEST_P(DriverReentry, CompletionCancelsTheWaitersBehindIt) {
    auto [a, b] = stream_pair();
    start_three_polls(a.get());
    poll(0).then = [&] {
        d().cancel(poll(2).op);
        d().cancel(poll(1).op);
    };
    ASSERT_EQ(::write(b.get(), "x", 1), 1);
    wait({&poll(0), &poll(1), &poll(2)});
    settle();
    EXPECT_EQ(poll(0).calls, 1);
    EXPECT_TRUE(poll(0).result() & POLLIN) << poll(0).result();
    // The kernel may have finished either before the cancel reached it: a
    // real result is allowed, a second completion is not.
    for (int i : {1, 2}) {
        EXPECT_EQ(poll(i).calls, 1) << "poll " << i;
        EXPECT_TRUE(poll(i).result() == -ECANCELED || (poll(i).result() & POLLIN))
            << "poll " << i << ": " << poll(i).result();
    }
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverReentry, CompletionCancelsOnlyTheLastWaiter) {
    auto [a, b] = stream_pair();
    start_three_polls(a.get());
    poll(0).then = [&] { d().cancel(poll(2).op); };
    ASSERT_EQ(::write(b.get(), "x", 1), 1);
    wait({&poll(0), &poll(1), &poll(2)});
    settle();
    for (int i : {0, 1, 2})
        EXPECT_EQ(poll(i).calls, 1) << "poll " << i;
    EXPECT_TRUE(poll(1).result() & POLLIN) << "the middle waiter is still retried";
    EXPECT_TRUE(poll(2).result() == -ECANCELED || (poll(2).result() & POLLIN)) << poll(2).result();
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
    ASSERT_EQ(::write(b.get(), "ab", 2), 2);
    wait({&poll(0), &poll(1), &poll(2), &recv});
    settle();
    for (int i : {0, 1, 2}) {
        EXPECT_EQ(poll(i).calls, 1) << "poll " << i;
        EXPECT_TRUE(poll(i).result() & POLLIN) << "poll " << i << ": " << poll(i).result();
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
    ASSERT_EQ(::write(b.get(), "x", 1), 1);
    wait({&poll(0), &poll(1), &poll(2)});
    settle();
    EXPECT_TRUE(poll(0).result() & POLLIN) << poll(0).result();
    for (int i : {1, 2}) {
        EXPECT_EQ(poll(i).calls, 1) << "poll " << i;
        EXPECT_TRUE(poll(i).result() == -ECANCELED || (poll(i).result() & POLLIN))
            << "poll " << i << ": " << poll(i).result();
    }
    EXPECT_EQ(d().pending(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverReentry, ::testing::ValuesIn(kBackends), param_name);

}  // namespace
}  // namespace coronet::test
