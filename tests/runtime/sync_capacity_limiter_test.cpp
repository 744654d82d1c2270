#include <coronet/runtime/capacity_limiter.hpp>
#include <vector>

#include "sync_test_util.hpp"

using namespace coronet;
using coronet_test::error_of;
using coronet_test::run_mock;
using coronet_test::settle;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

TEST(CapacityLimiter, BorrowAndRelease) {
    run_mock([]() -> Task<void> {
        CapacityLimiter limiter(2);
        int job = 0;
        co_await limiter.acquire();
        limiter.acquire_on_behalf_of_nowait(&job);
        EXPECT_EQ(limiter.borrowed_tokens(), 2u);
        EXPECT_EQ(limiter.available_tokens(), 0u);
        const auto stats = limiter.statistics();
        EXPECT_EQ(stats.borrowed_tokens, 2u);
        EXPECT_EQ(stats.total_tokens, 2u);
        EXPECT_EQ(stats.tasks_waiting, 0u);
        EXPECT_EQ(stats.borrowers.size(), 2u);
        EXPECT_THAT(stats.borrowers, ::testing::Contains(static_cast<const void*>(&job)));
        EXPECT_THAT(error_of([&] { limiter.acquire_nowait(); }),
                    HasSubstr("already holds one of this CapacityLimiter's tokens"));
        int other = 0;
        EXPECT_THAT(error_of([&] { limiter.acquire_on_behalf_of_nowait(&other); }),
                    HasSubstr("no token is available"));
        limiter.release_on_behalf_of(&job);
        limiter.release();
        EXPECT_EQ(limiter.available_tokens(), 2u);
        EXPECT_THAT(error_of([&] { limiter.release(); }),
                    HasSubstr("does not hold any of this CapacityLimiter's tokens"));
        co_await limiter.acquire_on_behalf_of(&other);
        limiter.release_on_behalf_of(&other);
    });
}

TEST(CapacityLimiter, BadArgumentsAreClearErrors) {
    EXPECT_THAT(error_of([] { CapacityLimiter l(0); }), HasSubstr("at least 1"));
    CapacityLimiter limiter(1);
    EXPECT_THAT(error_of([&] { limiter.set_total_tokens(0); }), HasSubstr("at least 1"));
    EXPECT_THAT(error_of([&] { limiter.acquire_on_behalf_of_nowait(nullptr); }),
                HasSubstr("the borrower is null"));
}

TEST(CapacityLimiter, BorrowingTwiceAsyncIsAClearError) {
    run_mock([]() -> Task<void> {
        CapacityLimiter limiter(3);
        co_await limiter.acquire();
        try {
            co_await limiter.acquire();
            ADD_FAILURE();
        } catch (const std::logic_error& e) {
            EXPECT_THAT(e.what(), HasSubstr("already holds"));
        }
        limiter.release();
    });
}

TEST(CapacityLimiter, WaitersAreServedFifo) {
    run_mock([]() -> Task<void> {
        CapacityLimiter limiter(1);
        std::vector<int> order;
        int holder = 0;
        limiter.acquire_on_behalf_of_nowait(&holder);
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                tg.spawn([&, i]() -> Task<void> {
                    co_await limiter.acquire();
                    order.push_back(i);
                    co_await settle();
                    limiter.release();
                });
                co_await settle();
            }
            EXPECT_EQ(limiter.statistics().tasks_waiting, 3u);
            limiter.release_on_behalf_of(&holder);
            co_return;
        });
        EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
        EXPECT_EQ(limiter.borrowed_tokens(), 0u);
    });
}

TEST(CapacityLimiter, GrowingTotalTokensWakesWaiters) {
    run_mock([]() -> Task<void> {
        CapacityLimiter limiter(1);
        int a = 0, b = 0, c = 0;
        limiter.acquire_on_behalf_of_nowait(&a);
        int woken = 0;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await limiter.acquire_on_behalf_of(&b);
                ++woken;
            });
            tg.spawn([&]() -> Task<void> {
                co_await limiter.acquire_on_behalf_of(&c);
                ++woken;
            });
            co_await settle();
            EXPECT_EQ(woken, 0);
            limiter.set_total_tokens(3);
            EXPECT_EQ(limiter.borrowed_tokens(), 3u);  // handed over at once
            co_return;
        });
        EXPECT_EQ(woken, 2);
        EXPECT_THAT(limiter.statistics().borrowers,
                    UnorderedElementsAre(static_cast<const void*>(&a), static_cast<const void*>(&b),
                                         static_cast<const void*>(&c)));
        // Shrinking below what is borrowed: no new borrowing until enough return.
        limiter.set_total_tokens(1);
        EXPECT_EQ(limiter.available_tokens(), 0u);
        limiter.release_on_behalf_of(&a);
        limiter.release_on_behalf_of(&b);
        EXPECT_EQ(limiter.available_tokens(), 0u);
        limiter.release_on_behalf_of(&c);
        EXPECT_EQ(limiter.available_tokens(), 1u);
    });
}

TEST(CapacityLimiter, CancelledWaiterPassesTheTokenOn) {
    run_mock([]() -> Task<void> {
        CapacityLimiter limiter(1);
        int holder = 0;
        limiter.acquire_on_behalf_of_nowait(&holder);
        CancelScope first;
        std::vector<int> got;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                if (co_await first.run(limiter.acquire())) got.push_back(0);
            });
            co_await settle();
            tg.spawn([&]() -> Task<void> {
                co_await limiter.acquire();
                got.push_back(1);
                limiter.release();
            });
            co_await settle();
            first.cancel();
            limiter.release_on_behalf_of(&holder);
            co_return;
        });
        EXPECT_EQ(got, (std::vector<int>{1}));
        EXPECT_EQ(limiter.borrowed_tokens(), 0u);
    });
}

TEST(CapacityLimiter, SameBorrowerQueuedTwiceFailsTheSecondWithoutStalling) {
    run_mock([]() -> Task<void> {
        CapacityLimiter limiter(1);
        int holder = 0, job = 0;
        bool second_failed = false, third_got = false;
        limiter.acquire_on_behalf_of_nowait(&holder);
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> { co_await limiter.acquire_on_behalf_of(&job); });
            tg.spawn([&]() -> Task<void> {
                try {
                    co_await limiter.acquire_on_behalf_of(&job);
                } catch (const std::logic_error&) {
                    second_failed = true;
                }
            });
            tg.spawn([&]() -> Task<void> {
                co_await limiter.acquire();
                third_got = true;
                limiter.release();
            });
            co_await settle();
            limiter.set_total_tokens(3);
            limiter.release_on_behalf_of(&holder);
            co_return;
        });
        EXPECT_TRUE(second_failed);
        EXPECT_TRUE(third_got);
        EXPECT_EQ(limiter.borrowed_tokens(), 1u);  // job's
    });
}
