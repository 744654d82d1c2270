#include <coronet/runtime/semaphore.hpp>
#include <vector>

#include "sync_test_util.hpp"

using namespace coronet;
using coronet_test::error_of;
using coronet_test::run_mock;
using coronet_test::settle;
using ::testing::HasSubstr;

TEST(Semaphore, CountsTokens) {
    run_mock([]() -> Task<void> {
        Semaphore sem(2, 3);
        EXPECT_EQ(sem.value(), 2u);
        EXPECT_EQ(sem.max_value(), 3u);
        co_await sem.acquire();
        sem.acquire_nowait();
        EXPECT_EQ(sem.value(), 0u);
        EXPECT_THAT(error_of([&] { sem.acquire_nowait(); }), HasSubstr("no token is available"));
        sem.release();
        sem.release();
        sem.release();
        EXPECT_EQ(sem.value(), 3u);
        EXPECT_THAT(error_of([&] { sem.release(); }), HasSubstr("released too many times"));
        Semaphore unbounded(0);
        EXPECT_FALSE(unbounded.max_value());
        unbounded.release();
        EXPECT_EQ(unbounded.value(), 1u);
    });
}

TEST(Semaphore, InitialAboveMaxIsAClearError) {
    EXPECT_THAT(error_of([] { Semaphore sem(5, 2); }),
                HasSubstr("the initial value (5) exceeds max_value (2)"));
}

TEST(Semaphore, ReleaseHandsTheTokenToTheOldestWaiter) {
    run_mock([]() -> Task<void> {
        Semaphore sem(0);
        std::vector<int> order;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                tg.spawn([&, i]() -> Task<void> {
                    co_await sem.acquire();
                    order.push_back(i);
                });
                co_await settle();
            }
            EXPECT_EQ(sem.statistics().tasks_waiting, 3u);
            sem.release();
            EXPECT_EQ(sem.value(), 0u);  // handed over, not counted
            // A task asking now does not jump the queue.
            EXPECT_THROW(sem.acquire_nowait(), WouldBlock);
            sem.release();
            sem.release();
            co_return;
        });
        EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
        EXPECT_EQ(sem.value(), 0u);
    });
}

TEST(Semaphore, CancelledWaiterPassesTheTokenOn) {
    run_mock([]() -> Task<void> {
        Semaphore sem(0);
        CancelScope first;
        std::vector<int> got;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                if (co_await first.run(sem.acquire())) got.push_back(0);
            });
            co_await settle();
            tg.spawn([&]() -> Task<void> {
                co_await sem.acquire();
                got.push_back(1);
            });
            co_await settle();
            first.cancel();
            sem.release();
            co_return;
        });
        EXPECT_EQ(got, (std::vector<int>{1}));
        EXPECT_EQ(sem.value(), 0u);
    });
}

TEST(Semaphore, TokenHandedToAWaiterBeingCancelledIsKept) {
    run_mock([]() -> Task<void> {
        Semaphore sem(0);
        CancelScope scope;
        bool acquired = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await scope.run([&]() -> Task<void> {
                    co_await sem.acquire();
                    acquired = true;
                    sem.release();  // the token was ours: give it back
                }());
            });
            co_await settle();
            sem.release();
            scope.cancel();
            co_return;
        });
        EXPECT_TRUE(acquired);
        EXPECT_EQ(sem.value(), 1u);
    });
}

TEST(Semaphore, AcquireIsACheckpoint) {
    run_mock([]() -> Task<void> {
        Semaphore sem(1);
        CancelScope scope;
        scope.cancel();
        EXPECT_FALSE(co_await scope.run(sem.acquire()));
        EXPECT_EQ(sem.value(), 1u);
    });
}
