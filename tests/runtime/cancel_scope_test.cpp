#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <string>
#include <vector>

#include "mock_run.hpp"

using namespace coronet;
using namespace std::chrono_literals;
using coronet_test::run_mock;

TEST(CancelScope, MoveOnAfterGivesUpAtTheDeadline) {
    run_mock([]() -> Task<void> {
        const TimePoint start = current_time();
        auto r = co_await move_on_after(2s, []() -> Task<int> {
            co_await sleep(10s);
            co_return 1;
        }());
        EXPECT_FALSE(r.has_value());
        EXPECT_EQ(current_time() - start, 2s);
    });
}

TEST(CancelScope, MoveOnAfterReturnsTheResultInTime) {
    run_mock([]() -> Task<void> {
        auto r = co_await move_on_after(2s, []() -> Task<int> {
            co_await sleep(1s);
            co_return 7;
        }());
        EXPECT_EQ(r.value_or(-1), 7);
        bool completed = co_await move_on_after(5s, sleep(1s));
        EXPECT_TRUE(completed);
    });
}

TEST(CancelScope, FailAfterRaisesTimeoutError) {
    run_mock([]() -> Task<void> {
        EXPECT_THROW(co_await fail_after(1s, sleep(2s)), TimeoutError);
        int v = co_await fail_after(1s, []() -> Task<int> { co_return 3; }());
        EXPECT_EQ(v, 3);
    });
}

TEST(CancelScope, NegativeDelaysAreClearErrors) {
    run_mock([]() -> Task<void> {
        try {
            co_await sleep(-1s);
            ADD_FAILURE();
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("sleep: the delay must not be negative"),
                      std::string::npos)
                << e.what();
        }
        EXPECT_THROW(co_await move_on_after(-1ms, sleep(1s)), std::invalid_argument);
        EXPECT_THROW(co_await fail_after(-1ns, sleep(1s)), std::invalid_argument);
    });
}

TEST(CancelScope, DeadlineInThePastCancelsAtTheFirstAwait) {
    run_mock([]() -> Task<void> {
        auto r = co_await move_on_at(current_time() - 1s, []() -> Task<int> {
            co_await checkpoint();
            co_return 1;
        }());
        EXPECT_FALSE(r);
    });
}

TEST(CancelScope, CancelFromAnotherTask) {
    run_mock([]() -> Task<void> {
        CancelScope scope;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await sleep(1s);
                scope.cancel();
            });
            const bool finished = co_await scope.run(sleep(1h));
            EXPECT_FALSE(finished);
        });
        EXPECT_TRUE(scope.cancel_called());
        EXPECT_TRUE(scope.cancelled_caught());
    });
}

TEST(CancelScope, CancelBeforeEnteringCancelsImmediately) {
    run_mock([]() -> Task<void> {
        CancelScope scope;
        scope.cancel();
        int awaits_started = 0;
        const bool finished = co_await scope.run([&]() -> Task<void> {
            ++awaits_started;
            co_await sleep(1s);
            ++awaits_started;
        }());
        EXPECT_FALSE(finished);
        EXPECT_EQ(awaits_started, 1);
    });
}

TEST(CancelScope, LevelTriggeredEveryAwaitRaises) {
    run_mock([]() -> Task<void> {
        CancelScope scope;
        int cancellations = 0;
        co_await scope.run([&]() -> Task<void> {
            scope.cancel();
            for (int i = 0; i < 3; ++i) {
                try {
                    co_await checkpoint();
                } catch (const Cancelled&) {
                    ++cancellations;
                }
            }
        }());
        EXPECT_EQ(cancellations, 3);
        EXPECT_FALSE(scope.cancelled_caught());  // nothing escaped the body
    });
}

TEST(CancelScope, NestedInnerDeadlineFiresFirst) {
    run_mock([]() -> Task<void> {
        CancelScope outer(current_time() + 10s);
        CancelScope inner(current_time() + 1s);
        co_await outer.run([&]() -> Task<void> {
            co_await inner.run(sleep(1h));
            co_await sleep(1h);
        }());
        EXPECT_TRUE(inner.cancelled_caught());
        EXPECT_TRUE(outer.cancelled_caught());
    });
}

TEST(CancelScope, OuterCancellationPassesThroughInnerScope) {
    run_mock([]() -> Task<void> {
        CancelScope outer(current_time() + 1s);
        CancelScope inner(current_time() + 10s);
        bool after_inner = false;
        co_await outer.run([&]() -> Task<void> {
            co_await inner.run(sleep(1h));
            after_inner = true;
        }());
        EXPECT_FALSE(inner.cancelled_caught());
        EXPECT_TRUE(outer.cancelled_caught());
        EXPECT_FALSE(after_inner);
    });
}

TEST(CancelScope, ShieldProtectsFromOuterCancellation) {
    run_mock([]() -> Task<void> {
        CancelScope outer(current_time() + 1s);
        bool cleanup_finished = false;
        co_await outer.run([&]() -> Task<void> {
            co_await shielded([&]() -> Task<void> {
                co_await sleep(5s);  // outlives the outer deadline
                cleanup_finished = true;
            }());
            co_await sleep(1h);  // the outer cancellation lands here
        }());
        EXPECT_TRUE(cleanup_finished);
        EXPECT_TRUE(outer.cancelled_caught());
    });
}

TEST(CancelScope, DroppingTheShieldExposesCancellation) {
    run_mock([]() -> Task<void> {
        CancelScope outer;
        CancelScope inner(kNoDeadline, true);
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await sleep(1s);
                outer.cancel();
                co_await sleep(1s);
                inner.set_shield(false);
            });
            co_await outer.run(inner.run(sleep(1h)));
        });
        EXPECT_TRUE(outer.cancelled_caught());
        EXPECT_FALSE(inner.cancelled_caught());
    });
}

TEST(CancelScope, SetDeadlineWhileActive) {
    run_mock([]() -> Task<void> {
        CancelScope scope(current_time() + 1h);
        const TimePoint start = current_time();
        co_await scope.run([&]() -> Task<void> {
            scope.set_deadline(current_time() + 3s);
            co_await sleep(1h);
        }());
        EXPECT_TRUE(scope.cancelled_caught());
        EXPECT_EQ(current_time() - start, 3s);
    });
}

// The loop's count of cancelled scopes is what lets an await skip the walk up
// the scopes: it must cover every way a scope becomes cancelled, and drop
// each scope once it is left, or a later await would miss a cancellation
// (count too low) or keep walking for nothing (too high).
TEST(CancelScope, TheLoopCountsCancelledScopesUntilTheyAreLeft) {
    run_mock([]() -> Task<void> {
        Loop& loop = Loop::current();
        EXPECT_FALSE(loop.has_cancelled_scopes());

        CancelScope before;
        before.cancel();  // not entered yet: counted when it is
        EXPECT_FALSE(loop.has_cancelled_scopes());
        co_await before.run([&]() -> Task<void> {
            EXPECT_TRUE(loop.has_cancelled_scopes());
            co_await checkpoint();
        }());
        EXPECT_TRUE(before.cancelled_caught());
        EXPECT_FALSE(loop.has_cancelled_scopes());

        CancelScope past(current_time() - 1s);
        co_await past.run([&]() -> Task<void> {
            EXPECT_TRUE(loop.has_cancelled_scopes());
            co_await checkpoint();
        }());
        EXPECT_FALSE(loop.has_cancelled_scopes());

        // Nested, both cancelled: the inner scope catches its Cancelled and
        // its count ends with it; the outer one's still reaches the next await.
        CancelScope outer;
        CancelScope inner;
        bool outer_seen_after_inner = false;
        co_await outer.run([&]() -> Task<void> {
            co_await inner.run([&]() -> Task<void> {
                outer.cancel();
                inner.cancel();
                co_await sleep(1h);
            }());
            EXPECT_TRUE(loop.has_cancelled_scopes());
            try {
                co_await checkpoint();
            } catch (const Cancelled&) {
                outer_seen_after_inner = true;
                throw;
            }
        }());
        EXPECT_TRUE(outer_seen_after_inner);
        EXPECT_TRUE(inner.cancelled_caught());
        EXPECT_TRUE(outer.cancelled_caught());
        EXPECT_FALSE(loop.has_cancelled_scopes());

        CancelScope timed(current_time() + 1s);
        co_await timed.run(sleep(1h));  // cancelled by its timer
        CancelScope moved(current_time() + 1h);
        co_await moved.run([&]() -> Task<void> {
            moved.set_deadline(current_time() - 1s);
            co_await checkpoint();
        }());
        EXPECT_TRUE(timed.cancelled_caught());
        EXPECT_TRUE(moved.cancelled_caught());
        EXPECT_FALSE(loop.has_cancelled_scopes());

        // A scope cancelled after it was left is not counted.
        timed.cancel();
        EXPECT_FALSE(loop.has_cancelled_scopes());
        co_await checkpoint();  // nothing is pending any more
    });
}

// run() can reach leave() twice (its handler for an exception thrown by its
// own co_return, when a result's move throws); the second call must change
// nothing, or another cancelled scope would be counted out with it.
TEST(CancelScope, LeavingTwiceChangesNothing) {
    run_mock([]() -> Task<void> {
        Loop& loop = Loop::current();
        CancelScope outer;
        co_await outer.run([&]() -> Task<void> {
            outer.cancel();
            CancelScope inner;
            inner.enter(detail::current_task("test"));
            inner.cancel();
            EXPECT_TRUE(inner.leave(true));
            EXPECT_FALSE(inner.leave(true));
            EXPECT_TRUE(loop.has_cancelled_scopes());  // outer still counts
            co_await checkpoint();                     // so outer's Cancelled lands
            ADD_FAILURE() << "the outer scope's cancellation was missed";
        }());
        EXPECT_TRUE(outer.cancelled_caught());
        EXPECT_FALSE(loop.has_cancelled_scopes());
    });
}

TEST(CancelScope, EnteringTwiceIsAClearError) {
    run_mock([]() -> Task<void> {
        CancelScope scope;
        co_await scope.run(checkpoint());
        EXPECT_THROW(co_await scope.run(checkpoint()), std::logic_error);
    });
}

TEST(CancelScope, CancelledIsNotAStdException) {
    run_mock([]() -> Task<void> {
        CancelScope scope;
        bool swallowed = false;
        co_await scope.run([&]() -> Task<void> {
            scope.cancel();
            try {
                co_await checkpoint();
            } catch (const std::exception&) {
                swallowed = true;
            }
        }());
        EXPECT_FALSE(swallowed);
        EXPECT_TRUE(scope.cancelled_caught());
    });
}

TEST(Sleep, DeadlinesFireInOrder) {
    std::vector<int> order;
    run_mock([&]() -> Task<void> {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            const int delays[] = {5, 1, 4, 2, 3, 2};
            for (int i = 0; i < 6; ++i) {
                tg.spawn([&order, i, d = delays[i]]() -> Task<void> {
                    co_await sleep(std::chrono::seconds(d));
                    order.push_back(i);
                });
            }
            co_return;
        });
    });
    // Equal deadlines keep their spawn order.
    EXPECT_EQ(order, (std::vector<int>{1, 3, 5, 4, 2, 0}));
}

TEST(Sleep, HundredThousandSleepingTasks) {
    constexpr int kTasks = 100'000;
    int finished = 0;
    run_mock([&]() -> Task<void> {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < kTasks; ++i) {
                tg.spawn([&finished, i]() -> Task<void> {
                    co_await sleep(std::chrono::milliseconds(i % 1000));
                    ++finished;
                });
            }
            co_return;
        });
    });
    EXPECT_EQ(finished, kTasks);
}

TEST(Sleep, RealClockSleepsAtLeastTheDelay) {
    run([]() -> Task<void> {
        const TimePoint start = current_time();
        co_await sleep(5ms);
        EXPECT_GE(current_time() - start, 5ms);
    });
}

TEST(Checkpoint, LetsOtherTasksRun) {
    std::string trace;
    run([&]() -> Task<void> {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (char name : {'a', 'b'}) {
                tg.spawn([&trace, name]() -> Task<void> {
                    for (int i = 0; i < 3; ++i) {
                        trace += name;
                        co_await checkpoint();
                    }
                });
            }
            co_return;
        });
    });
    EXPECT_EQ(trace, "ababab");
}
