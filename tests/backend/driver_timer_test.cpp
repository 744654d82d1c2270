// timeout operations: ordering, cancel, remove_timer, volume.
#include "backend/driver_fixture.hpp"
#include "coronet/testing/mock_clock.hpp"

namespace coronet::test {
namespace {

class DriverTimer : public DriverTest {
  protected:
    void use_mock_clock() {
        DriverOptions options;
        options.clock = &clock_;
        use_driver(options);
    }
    testing::MockClock clock_{testing::MockClock::Options{.autojump = false}};
};

TEST_P(DriverTimer, DeadlineInThePastFinishesInline) {
    TestOp t(OpCode::timeout, -1);
    t.op.deadline = d().clock().now() - std::chrono::seconds(1);
    start(t);
    EXPECT_TRUE(t.sync);
    EXPECT_EQ(t.result(), 0);
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverTimer, RealClockWaitEndsAtTheDeadline) {
    TestOp t(OpCode::timeout, -1);
    t.op.deadline = d().clock().now() + std::chrono::milliseconds(2);
    start(t);
    ASSERT_FALSE(t.sync);
    EXPECT_EQ(d().next_deadline(), t.op.deadline);
    // poll(nullopt) may only return for the timer: nothing else is pending.
    for (int i = 0; i < 100 && !t.done(); ++i)
        d().poll(std::nullopt);
    EXPECT_EQ(t.calls, 1);
    EXPECT_EQ(t.result(), 0);
    EXPECT_FALSE(d().next_deadline());
}

TEST_P(DriverTimer, FireInDeadlineOrderAndFifoAmongEquals) {
    use_mock_clock();
    const TimePoint base = clock_.now();
    std::vector<TestOp*> order;
    std::vector<std::unique_ptr<TestOp>> ops;
    // Offsets in ms; equal ones must fire in start order.
    const int offsets[] = {30, 10, 20, 10, 30, 10, 20};
    for (int offset : offsets) {
        ops.push_back(std::make_unique<TestOp>(OpCode::timeout, -1));
        ops.back()->order = &order;
        ops.back()->op.deadline = base + std::chrono::milliseconds(offset);
        start(*ops.back());
        ASSERT_FALSE(ops.back()->sync);
    }
    EXPECT_EQ(d().next_deadline(), base + std::chrono::milliseconds(10));
    d().poll(std::chrono::nanoseconds(0));
    EXPECT_TRUE(order.empty()) << "a mock clock's deadlines do not pass by themselves";
    clock_.jump(std::chrono::milliseconds(15));
    d().poll(std::chrono::nanoseconds(0));
    ASSERT_EQ(order.size(), 3u);
    clock_.jump(std::chrono::milliseconds(100));
    d().poll(std::chrono::nanoseconds(0));
    ASSERT_EQ(order.size(), 7u);
    const std::vector<TestOp*> expected = {ops[1].get(), ops[3].get(), ops[5].get(), ops[2].get(),
                                           ops[6].get(), ops[0].get(), ops[4].get()};
    EXPECT_EQ(order, expected);
}

TEST_P(DriverTimer, CancelCompletesAtTheNextPoll) {
    TestOp t(OpCode::timeout, -1);
    t.op.deadline = d().clock().now() + std::chrono::hours(1);
    start(t);
    d().cancel(t.op);
    EXPECT_EQ(t.calls, 0) << "never from inside cancel()";
    d().poll(std::chrono::nanoseconds(0));
    EXPECT_EQ(t.calls, 1);
    EXPECT_EQ(t.result(), -ECANCELED);
    d().cancel(t.op);  // finished: no effect
    settle();
    EXPECT_EQ(t.calls, 1);
}

TEST_P(DriverTimer, RemoveTimerGivesTheOperationBack) {
    TestOp t(OpCode::timeout, -1);
    t.op.deadline = d().clock().now() + std::chrono::hours(1);
    start(t);
    EXPECT_EQ(d().pending(), 1u);
    EXPECT_TRUE(d().remove_timer(t.op));
    EXPECT_EQ(d().pending(), 0u);
    EXPECT_FALSE(d().remove_timer(t.op));
    settle();
    EXPECT_EQ(t.calls, 0);
}

TEST_P(DriverTimer, HundredThousandTimersAddedAndCancelled) {
    use_mock_clock();
    constexpr int kCount = 100'000;
    std::vector<std::unique_ptr<TestOp>> ops;
    ops.reserve(kCount);
    const TimePoint base = clock_.now();
    for (int i = 0; i < kCount; ++i) {
        ops.push_back(std::make_unique<TestOp>(OpCode::timeout, -1));
        // Spread and colliding deadlines, so the heap reorders.
        ops.back()->op.deadline = base + std::chrono::microseconds((i * 7919) % 5000 + 1);
        start(*ops.back());
    }
    EXPECT_EQ(d().pending(), static_cast<std::size_t>(kCount));
    // Half through cancel (a completion each), half removed (none).
    for (int i = 0; i < kCount; ++i) {
        if (i % 2) {
            d().cancel(ops[i]->op);
        } else {
            EXPECT_TRUE(d().remove_timer(ops[i]->op));
        }
    }
    EXPECT_EQ(d().poll(std::chrono::nanoseconds(0)), static_cast<std::size_t>(kCount / 2));
    EXPECT_EQ(d().pending(), 0u);
    EXPECT_FALSE(d().next_deadline());
    for (int i = 0; i < kCount; ++i) {
        ASSERT_EQ(ops[i]->calls, i % 2) << i;
        if (i % 2) {
            ASSERT_EQ(ops[i]->result(), -ECANCELED);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverTimer, ::testing::ValuesIn(kBackends), param_name);

}  // namespace
}  // namespace coronet::test
