#include <coronet/runtime/condition.hpp>
#include <deque>
#include <vector>

#include "sync_test_util.hpp"

using namespace coronet;
using coronet_test::error_of;
using coronet_test::run_mock;
using coronet_test::settle;
using ::testing::HasSubstr;

TEST(Condition, ProducerConsumer) {
    run_mock([]() -> Task<void> {
        Condition cond;
        std::deque<int> queue;
        std::vector<int> consumed;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                auto guard = co_await cond.lock();
                while (consumed.size() < 3) {
                    while (queue.empty())
                        co_await cond.wait();
                    EXPECT_TRUE(cond.underlying_lock().owned_by_current_task());
                    consumed.push_back(queue.front());
                    queue.pop_front();
                }
            });
            for (int i = 0; i < 3; ++i) {
                co_await settle();
                auto guard = co_await cond.lock();
                queue.push_back(i);
                cond.notify();
            }
        });
        EXPECT_EQ(consumed, (std::vector<int>{0, 1, 2}));
    });
}

TEST(Condition, NotifyWakesOldestFirstAndNotifyAllWakesEveryone) {
    run_mock([]() -> Task<void> {
        Lock lock;
        Condition cond(lock);
        std::vector<int> woken;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 4; ++i) {
                tg.spawn([&, i]() -> Task<void> {
                    co_await cond.acquire();
                    co_await cond.wait();
                    woken.push_back(i);
                    cond.release();
                });
                co_await settle();
            }
            EXPECT_EQ(cond.statistics().tasks_waiting, 4u);
            EXPECT_FALSE(cond.locked());
            cond.acquire_nowait();
            cond.notify(2);
            EXPECT_EQ(cond.statistics().tasks_waiting, 2u);
            EXPECT_EQ(cond.statistics().lock_statistics.tasks_waiting, 2u);
            cond.release();
            co_await settle();
            EXPECT_EQ(woken, (std::vector<int>{0, 1}));
            co_await cond.acquire();
            cond.notify_all();
            cond.release();
        });
        EXPECT_EQ(woken, (std::vector<int>{0, 1, 2, 3}));
    });
}

TEST(Condition, WaitAndNotifyRequireTheLock) {
    run_mock([]() -> Task<void> {
        Condition cond;
        EXPECT_THAT(error_of([&] { cond.notify(); }),
                    HasSubstr("Condition::notify: the current task must hold the lock"));
        EXPECT_THAT(error_of([&] { cond.notify_all(); }), HasSubstr("must hold the lock"));
        try {
            co_await cond.wait();
            ADD_FAILURE();
        } catch (const std::logic_error& e) {
            EXPECT_THAT(e.what(),
                        HasSubstr("Condition::wait: the current task must hold the lock"));
        }
    });
}

TEST(Condition, CancelledWaitReacquiresTheLockBeforeRaising) {
    run_mock([]() -> Task<void> {
        Condition cond;
        CancelScope scope;
        bool held_after_cancel = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await cond.acquire();
                try {
                    co_await scope.run(cond.wait());
                } catch (...) {
                }
                held_after_cancel = cond.underlying_lock().owned_by_current_task();
                cond.release();
            });
            co_await settle();
            co_await cond.acquire();  // we hold the lock while the waiter is cancelled
            scope.cancel();
            co_await settle();
            EXPECT_FALSE(held_after_cancel);  // still waiting for the lock
            EXPECT_EQ(cond.statistics().lock_statistics.tasks_waiting, 1u);
            cond.release();
        });
        EXPECT_TRUE(held_after_cancel);
        EXPECT_TRUE(scope.cancelled_caught());
        EXPECT_FALSE(cond.locked());
    });
}

TEST(Condition, CancelWhenTheLockIsFreeTakesItAtOnce) {
    run_mock([]() -> Task<void> {
        Condition cond;
        co_await cond.acquire();
        auto r = co_await move_on_after(std::chrono::seconds(1), cond.wait());
        EXPECT_FALSE(r);
        EXPECT_TRUE(cond.underlying_lock().owned_by_current_task());
        cond.release();
    });
}

TEST(Condition, CancelAfterNotifyKeepsItsPlaceForTheLock) {
    run_mock([]() -> Task<void> {
        Condition cond;
        CancelScope scope;
        std::vector<int> order;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await cond.acquire();
                const bool completed = co_await scope.run(cond.wait());
                order.push_back(completed ? 1 : -1);
                cond.release();
            });
            co_await settle();
            co_await cond.acquire();
            cond.notify();   // now queued for the lock
            scope.cancel();  // a second interruption must not lose its place
            EXPECT_EQ(cond.statistics().lock_statistics.tasks_waiting, 1u);
            order.push_back(0);
            cond.release();
        });
        EXPECT_EQ(order, (std::vector<int>{0, -1}));
        EXPECT_FALSE(cond.locked());
    });
}
