#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <coronet/testing/mock_clock.hpp>

using namespace coronet;
using namespace std::chrono_literals;

namespace {
Task<int> answer() {
    co_return 42;
}
}  // namespace

TEST(Smoke, RunReturnsValue) {
    EXPECT_EQ(run([]() -> Task<int> { co_return co_await answer(); }), 42);
}

TEST(Smoke, SleepAndGroup) {
    coronet::testing::MockClock clock;
    LoopOptions options;
    options.driver.clock = &clock;
    int done = 0;
    run_with(options, [&]() -> Task<void> {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                tg.spawn([&, i]() -> Task<void> {
                    co_await sleep(std::chrono::seconds(i + 1));
                    ++done;
                });
            }
            co_return;
        });
        auto r = co_await move_on_after(1s, sleep(1h));
        EXPECT_FALSE(r);
    });
    EXPECT_EQ(done, 3);
}
