#include <coronet/runtime/detail/parking_lot.hpp>
#include <vector>

#include "sync_test_util.hpp"

using namespace coronet;
using coronet::detail::ParkingLot;
using coronet_test::run_mock;
using coronet_test::settle;

TEST(ParkingLot, UnparkWakesInFifoOrder) {
    run_mock([]() -> Task<void> {
        ParkingLot lot;
        std::vector<int> woken;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 4; ++i) {
                tg.spawn([&, i]() -> Task<void> {
                    co_await lot.park();
                    woken.push_back(i);
                });
                co_await settle();  // park in spawn order
            }
            EXPECT_EQ(lot.size(), 4u);
            EXPECT_EQ(lot.statistics().tasks_waiting, 4u);
            EXPECT_EQ(lot.unpark(), 1u);
            co_await settle();
            EXPECT_EQ(woken, (std::vector<int>{0}));
            EXPECT_EQ(lot.unpark(2), 2u);
            co_await settle();
            EXPECT_EQ(woken, (std::vector<int>{0, 1, 2}));
            EXPECT_EQ(lot.unpark_all(), 1u);
            EXPECT_EQ(lot.unpark(5), 0u);
            EXPECT_TRUE(lot.empty());
        });
        EXPECT_EQ(woken, (std::vector<int>{0, 1, 2, 3}));
    });
}

TEST(ParkingLot, ParkInACancelledScopeRaisesAtOnce) {
    run_mock([]() -> Task<void> {
        ParkingLot lot;
        CancelScope scope;
        scope.cancel();
        EXPECT_FALSE(co_await scope.run(lot.park()));
        EXPECT_TRUE(lot.empty());
    });
}

TEST(ParkingLot, CancelledWaiterLeavesTheQueue) {
    run_mock([]() -> Task<void> {
        ParkingLot lot;
        std::vector<int> woken;
        CancelScope first;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                if (co_await first.run(lot.park())) woken.push_back(0);
            });
            co_await settle();
            tg.spawn([&]() -> Task<void> {
                co_await lot.park();
                woken.push_back(1);
            });
            co_await settle();
            first.cancel();
            EXPECT_EQ(lot.size(), 1u);  // left synchronously
            EXPECT_EQ(lot.unpark(), 1u);
        });
        EXPECT_EQ(woken, (std::vector<int>{1}));
        EXPECT_TRUE(first.cancelled_caught());
    });
}

TEST(ParkingLot, UnparkedWaiterSucceedsEvenIfCancelledBeforeItRuns) {
    run_mock([]() -> Task<void> {
        ParkingLot lot;
        CancelScope scope;
        bool parked_returned = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await scope.run([&]() -> Task<void> {
                    co_await lot.park();
                    parked_returned = true;
                    co_await checkpoint();  // the cancellation lands here
                    ADD_FAILURE() << "not cancelled";
                }());
            });
            co_await settle();
            lot.unpark();
            scope.cancel();
        });
        EXPECT_TRUE(parked_returned);
        EXPECT_TRUE(scope.cancelled_caught());
    });
}

TEST(ParkingLot, ReparkMovesWaitersWithoutWakingThem) {
    run_mock([]() -> Task<void> {
        ParkingLot a, b;
        std::vector<int> woken;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                tg.spawn([&, i]() -> Task<void> {
                    co_await (i == 0 ? b : a).park();
                    woken.push_back(i);
                });
                co_await settle();
            }
            EXPECT_EQ(a.repark(b), 1u);
            co_await settle();
            EXPECT_TRUE(woken.empty());
            EXPECT_EQ(a.size(), 1u);
            EXPECT_EQ(b.size(), 2u);
            EXPECT_EQ(a.repark_all(b), 1u);
            EXPECT_EQ(b.unpark_all(), 3u);
        });
        EXPECT_EQ(woken, (std::vector<int>{0, 1, 2}));
    });
}

TEST(ParkingLot, ParkOutsideATaskIsAClearError) {
    ParkingLot lot;
    auto awaiter = lot.park();
    EXPECT_THAT(coronet_test::error_of([&] { (void)awaiter.await_ready(); }),
                ::testing::HasSubstr("ParkingLot::park must be awaited inside a coronet task"));
}
