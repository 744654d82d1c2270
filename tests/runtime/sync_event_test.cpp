#include <coronet/runtime/event.hpp>
#include <vector>

#include "sync_test_util.hpp"

using namespace coronet;
using coronet_test::run_mock;
using coronet_test::settle;

TEST(Event, SetWakesEveryWaiterAndStaysSet) {
    run_mock([]() -> Task<void> {
        Event event;
        EXPECT_FALSE(event.is_set());
        std::vector<int> woken;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                tg.spawn([&, i]() -> Task<void> {
                    co_await event.wait();
                    woken.push_back(i);
                });
            }
            co_await settle();
            EXPECT_EQ(event.statistics().tasks_waiting, 3u);
            event.set();
            event.set();  // idempotent
            EXPECT_TRUE(event.is_set());
            EXPECT_EQ(event.statistics().tasks_waiting, 0u);
        });
        EXPECT_EQ(woken, (std::vector<int>{0, 1, 2}));
        co_await event.wait();  // already set: returns
    });
}

TEST(Event, WaitIsACheckpointEvenWhenSet) {
    run_mock([]() -> Task<void> {
        Event event;
        event.set();
        CancelScope scope;
        scope.cancel();
        EXPECT_FALSE(co_await scope.run(event.wait()));
    });
}

TEST(Event, CancelledWaiterLeaves) {
    run_mock([]() -> Task<void> {
        Event event;
        auto r = co_await move_on_after(std::chrono::seconds(1), event.wait());
        EXPECT_FALSE(r);
        EXPECT_EQ(event.statistics().tasks_waiting, 0u);
        event.set();
    });
}

TEST(Event, SetFromACallback) {
    run_mock([]() -> Task<void> {
        Event event;
        Loop::current().call_soon([&] { event.set(); });
        co_await event.wait();
        EXPECT_TRUE(event.is_set());
    });
}
