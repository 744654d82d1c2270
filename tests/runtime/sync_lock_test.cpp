#include <coronet/runtime/lock.hpp>
#include <vector>

#include "sync_test_util.hpp"

using namespace coronet;
using coronet_test::error_of;
using coronet_test::run_mock;
using coronet_test::settle;
using ::testing::HasSubstr;

TEST(Lock, AcquireReleaseAndStatistics) {
    run_mock([]() -> Task<void> {
        Lock lock;
        EXPECT_FALSE(lock.locked());
        EXPECT_EQ(lock.statistics().owner, nullptr);
        co_await lock.acquire();
        EXPECT_TRUE(lock.locked());
        EXPECT_TRUE(lock.owned_by_current_task());
        const auto stats = lock.statistics();
        EXPECT_TRUE(stats.locked);
        EXPECT_NE(stats.owner, nullptr);
        EXPECT_EQ(stats.tasks_waiting, 0u);
        lock.release();
        EXPECT_FALSE(lock.locked());
        lock.acquire_nowait();
        EXPECT_TRUE(lock.owned_by_current_task());
        lock.release();
    });
}

TEST(Lock, GuardReleasesOnScopeExit) {
    run_mock([]() -> Task<void> {
        Lock lock;
        {
            auto guard = co_await lock.lock();
            EXPECT_TRUE(guard.owns_lock());
            EXPECT_TRUE(lock.locked());
            Lock::Guard moved = std::move(guard);
            EXPECT_FALSE(guard.owns_lock());
            EXPECT_TRUE(lock.locked());
        }
        EXPECT_FALSE(lock.locked());
        auto guard = co_await lock.lock();
        guard.unlock();
        guard.unlock();  // idempotent
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, MisuseIsAClearError) {
    run_mock([]() -> Task<void> {
        Lock lock;
        EXPECT_THAT(error_of([&] { lock.release(); }), HasSubstr("the lock is not held"));
        co_await lock.acquire();
        EXPECT_THAT(error_of([&] { lock.acquire_nowait(); }), HasSubstr("not re-entrant"));
        try {
            co_await lock.acquire();
            ADD_FAILURE();
        } catch (const std::logic_error& e) {
            EXPECT_THAT(e.what(), HasSubstr("Lock::acquire: this task already holds the Lock"));
        }
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                EXPECT_THAT(error_of([&] { lock.release(); }),
                            HasSubstr("only the task that holds the lock may release it"));
                EXPECT_THROW(lock.acquire_nowait(), WouldBlock);
                co_return;
            });
            co_return;
        });
        lock.release();
    });
}

TEST(Lock, HandoffIsFifoAndFair) {
    run_mock([]() -> Task<void> {
        Lock lock;
        std::vector<int> order;
        co_await lock.acquire();
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                tg.spawn([&, i]() -> Task<void> {
                    for (int round = 0; round < 2; ++round) {
                        auto guard = co_await lock.lock();
                        order.push_back(i);
                    }
                });
                co_await settle();
            }
            EXPECT_EQ(lock.statistics().tasks_waiting, 3u);
            lock.release();
            // Each release hands the lock to the oldest waiter, so a task that
            // re-acquires at once goes to the back of the queue.
            co_return;
        });
        EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1, 2}));
    });
}

TEST(Lock, CancelledWaiterLeavesTheQueue) {
    run_mock([]() -> Task<void> {
        Lock lock;
        std::vector<int> order;
        CancelScope scope;
        co_await lock.acquire();
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                if (co_await scope.run(lock.acquire())) order.push_back(0);
            });
            co_await settle();
            tg.spawn([&]() -> Task<void> {
                auto guard = co_await lock.lock();
                order.push_back(1);
            });
            co_await settle();
            scope.cancel();
            EXPECT_EQ(lock.statistics().tasks_waiting, 1u);
            lock.release();
            co_return;
        });
        EXPECT_EQ(order, (std::vector<int>{1}));
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, HandoffToATaskBeingCancelledDoesNotStrandTheLock) {
    run_mock([]() -> Task<void> {
        Lock lock;
        CancelScope scope;
        bool first_got_it = false, second_got_it = false;
        co_await lock.acquire();
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await scope.run([&]() -> Task<void> {
                    auto guard = co_await lock.lock();  // handed over, then cancelled
                    first_got_it = lock.owned_by_current_task();
                    co_await checkpoint();  // raises; the guard releases
                }());
            });
            co_await settle();
            tg.spawn([&]() -> Task<void> {
                auto guard = co_await lock.lock();
                second_got_it = true;
            });
            co_await settle();
            lock.release();  // to the first waiter...
            scope.cancel();  // ...which is cancelled before it runs
            co_return;
        });
        EXPECT_TRUE(first_got_it);
        EXPECT_TRUE(second_got_it);
        EXPECT_TRUE(scope.cancelled_caught());
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, AcquireIsACheckpoint) {
    run_mock([]() -> Task<void> {
        Lock lock;
        CancelScope scope;
        scope.cancel();
        EXPECT_FALSE(co_await scope.run(lock.acquire()));
        EXPECT_FALSE(lock.locked());
        auto timed_out = co_await move_on_after(std::chrono::seconds(1), [&]() -> Task<void> {
            co_await lock.acquire();
            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                tg.spawn([&]() -> Task<void> { co_await lock.acquire(); });
                co_return;
            });
        }());
        EXPECT_FALSE(timed_out);
        EXPECT_EQ(lock.statistics().tasks_waiting, 0u);
    });
}
