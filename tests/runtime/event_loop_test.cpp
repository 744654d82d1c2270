#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <coronet/runtime/event_loop.hpp>
#include <coronet/runtime/future.hpp>
#include <coronet/testing/mock_clock.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using namespace coronet;
using namespace std::chrono_literals;

namespace {
LoopOptions mock_options(coronet::testing::MockClock& clock) {
    LoopOptions options;
    options.driver.clock = &clock;
    return options;
}
}  // namespace

TEST(Future, ResultCallbacksAndInvalidState) {
    EventLoop loop;
    Future<int> f = loop.create_future<int>();
    EXPECT_FALSE(f.done());
    EXPECT_THROW(f.result(), InvalidStateError);
    EXPECT_THROW(f.exception(), InvalidStateError);
    std::vector<int> order;
    f.add_done_callback([&](const Future<int>& done) { order.push_back(done.result()); });
    CallbackId removed = f.add_done_callback([&](const Future<int>&) { order.push_back(-1); });
    EXPECT_EQ(f.remove_done_callback(removed), 1u);
    EXPECT_EQ(f.remove_done_callback(removed), 0u);
    f.set_result(5);
    EXPECT_THROW(f.set_result(6), InvalidStateError);
    EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
                 InvalidStateError);
    EXPECT_FALSE(f.cancel());
    EXPECT_TRUE(order.empty());  // callbacks are scheduled, not called inline
    loop.run_until_complete([&]() -> Task<void> {
        EXPECT_EQ(co_await f, 5);
        co_await sleep(0s);
    }());
    EXPECT_EQ(order, std::vector<int>{5});
    EXPECT_EQ(f.exception(), nullptr);
    loop.close();
}

TEST(Future, CancelledAndFailedAndVoid) {
    EventLoop loop;
    auto c = loop.create_future<int>();
    EXPECT_TRUE(c.cancel());
    EXPECT_TRUE(c.cancelled());
    EXPECT_THROW(c.result(), CancelledError);
    EXPECT_THROW(c.set_result(1), InvalidStateError);
    auto e = loop.create_future<void>();
    e.set_exception(std::make_exception_ptr(std::out_of_range("bad")));
    EXPECT_THROW(e.result(), std::out_of_range);
    auto v = loop.create_future();
    loop.call_soon([v]() mutable { v.set_result(); });
    loop.run_until_complete(v);
    EXPECT_TRUE(v.done());
    loop.close();
}

TEST(Future, AwaitingTaskIsCancellable) {
    EventLoop loop;
    auto never = loop.create_future<int>();
    auto r = loop.run_until_complete(
        [&]() -> Task<std::optional<int>> { co_return co_await move_on_after(1ms, never); }());
    EXPECT_FALSE(r);
    EXPECT_FALSE(never.done());  // the waiter's cancellation left the future alone
    loop.close();
}

TEST(EventLoop, CallLaterOrderingOnTheMockClock) {
    coronet::testing::MockClock clock;
    EventLoop loop(mock_options(clock));
    std::vector<std::string> order;
    const double t0 = loop.time();
    loop.call_later(3.0, [&] {
        order.push_back("3s");
        loop.stop();
    });
    loop.call_later(1.0, [&] { order.push_back("1s"); });
    TimerHandle cancelled = loop.call_later(2.0, [&] { order.push_back("2s-cancelled"); });
    loop.call_at(t0 + 2.0, [&] { order.push_back("2s"); });
    loop.call_later(1.0, [&] { order.push_back("1s-b"); });  // FIFO among equal deadlines
    loop.call_soon([&] { order.push_back("soon"); });
    EXPECT_DOUBLE_EQ(cancelled.when(), t0 + 2.0);
    cancelled.cancel();
    EXPECT_TRUE(cancelled.cancelled());
    loop.run_forever();
    EXPECT_EQ(order, (std::vector<std::string>{"soon", "1s", "1s-b", "2s", "3s"}));
    EXPECT_GE(loop.time(), t0 + 3.0);
    Handle h = loop.call_soon([&] { order.push_back("never"); });
    h.cancel();
    loop.call_soon([&] { loop.stop(); });
    loop.run_forever();
    EXPECT_EQ(order.size(), 5u);
    loop.close();
}

TEST(EventLoop, TasksCancelAndCloseRules) {
    coronet::testing::MockClock clock;
    EventLoop loop(mock_options(clock));
    auto slow = loop.create_task([]() -> Task<int> {
        co_await sleep(1h);
        co_return 1;
    }());
    auto quick = loop.create_task([]() -> Task<int> { co_return 2; }());
    EXPECT_EQ(loop.run_until_complete(quick), 2);
    EXPECT_FALSE(slow.done());  // other tasks stay pending between runs
    EXPECT_TRUE(slow.cancel());
    EXPECT_THROW(loop.run_until_complete(slow), CancelledError);
    EXPECT_TRUE(slow.cancelled());
    EXPECT_FALSE(slow.cancel());
    EXPECT_EQ(loop.run_until_complete([]() -> Task<int> { co_return 3; }()), 3);

    loop.run_until_complete([&]() -> Task<void> {
        EXPECT_TRUE(loop.is_running());
        EXPECT_THROW(loop.close(), std::runtime_error);
        co_return;
    }());
    auto pending = loop.create_task([]() -> Task<void> { co_await sleep(1h); }());
    loop.close();  // cancels and drains `pending`
    EXPECT_TRUE(pending.cancelled());
    EXPECT_TRUE(loop.is_closed());
    try {
        loop.call_soon([] {});
        ADD_FAILURE() << "expected std::runtime_error";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "EventLoop::call_soon: the event loop is closed");
    }
    EXPECT_THROW(loop.run_forever(), std::runtime_error);
}

TEST(EventLoop, StopBeforeTheFutureIsDone) {
    EventLoop loop;
    auto never = loop.create_future<int>();
    loop.call_soon([&] { loop.stop(); });
    EXPECT_THROW(loop.run_until_complete(never), std::runtime_error);
    loop.close();
}

TEST(EventLoop, DebugReportsSlowCallbacksAndUnretrievedResults) {
    EventLoop loop;
    std::vector<std::string> reports;
    loop.set_exception_handler(
        [&](Loop&, const ExceptionContext& ctx) { reports.push_back(ctx.message); });
    EXPECT_FALSE(loop.get_debug());
    loop.set_debug(true);
    loop.slow_callback_duration = 0.0;  // every callback counts as slow
    loop.call_soon([] {});
    {
        auto ignored = loop.create_task([]() -> Task<int> { co_return 1; }());
        auto failed = loop.create_task([]() -> Task<void> {
            throw std::runtime_error("nobody looks");
            co_return;
        }());
        loop.run_until_complete([]() -> Task<void> { co_await sleep(0s); }());
    }
    auto has = [&](const std::string& text) {
        for (const auto& r : reports)
            if (r.find(text) != std::string::npos) return true;
        return false;
    };
    EXPECT_TRUE(has("executing a callback took"));
    EXPECT_TRUE(has("task exception was never retrieved"));
    EXPECT_TRUE(has("task was created but its result was never awaited"));
    loop.close();
}
