#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <stdexcept>
#include <string>

#include "mock_run.hpp"

using namespace coronet;
using namespace std::chrono_literals;
using coronet_test::run_mock;

namespace {
Task<void> fail_after_delay(Duration delay, std::string message) {
    co_await sleep(delay);
    throw std::runtime_error(message);
}
}  // namespace

TEST(TaskGroup, JoinsEveryChild) {
    int done = 0;
    run_mock([&]() -> Task<void> {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 10; ++i) {
                tg.spawn([&done, i]() -> Task<void> {
                    co_await sleep(std::chrono::seconds(i));
                    ++done;
                });
            }
            co_return;
        });
        EXPECT_EQ(done, 10);
    });
}

TEST(TaskGroup, ChildFailureCancelsSiblingsAndRaisesGroup) {
    bool sibling_cancelled = false;
    bool body_cancelled = false;
    run_mock([&]() -> Task<void> {
        try {
            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                tg.spawn(fail_after_delay(1s, "child failed"));
                tg.spawn([&]() -> Task<void> {
                    try {
                        co_await sleep(1h);
                    } catch (const Cancelled&) {
                        sibling_cancelled = true;
                        throw;
                    }
                });
                try {
                    co_await sleep(1h);
                } catch (const Cancelled&) {
                    body_cancelled = true;
                    throw;
                }
            });
            ADD_FAILURE() << "the group did not raise";
        } catch (const ExceptionGroup& group) {
            EXPECT_EQ(group.size(), 1u);  // strict: a group even for one failure
            try {
                group.rethrow(0);
            } catch (const std::runtime_error& e) {
                EXPECT_STREQ(e.what(), "child failed");
            }
        }
    });
    EXPECT_TRUE(sibling_cancelled);
    EXPECT_TRUE(body_cancelled);
}

TEST(TaskGroup, EveryFailureIsCollected) {
    run_mock([]() -> Task<void> {
        try {
            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                tg.spawn(fail_after_delay(1s, "first"));
                tg.spawn(fail_after_delay(1s, "second"));
                co_return;
            });
            ADD_FAILURE();
        } catch (const ExceptionGroup& group) {
            EXPECT_EQ(group.size(), 2u);
            EXPECT_NE(describe_exception(std::current_exception()).find("first"),
                      std::string::npos);
        }
    });
}

TEST(TaskGroup, BodyFailureIsInTheGroupToo) {
    run_mock([]() -> Task<void> {
        try {
            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                tg.spawn([]() -> Task<void> { co_await sleep(1h); });
                co_await sleep(1s);
                throw std::logic_error("body failed");
            });
            ADD_FAILURE();
        } catch (const ExceptionGroup& group) {
            EXPECT_EQ(group.size(), 1u);
            EXPECT_THROW(group.rethrow(0), std::logic_error);
        }
    });
}

TEST(TaskGroup, CancellingTheGroupScopeEndsQuietly) {
    run_mock([]() -> Task<void> {
        int cancelled = 0;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                tg.spawn([&]() -> Task<void> {
                    try {
                        co_await sleep(1h);
                    } catch (const Cancelled&) {
                        ++cancelled;
                        throw;
                    }
                });
            }
            co_await sleep(1s);
            tg.cancel_scope().cancel();
        });
        EXPECT_EQ(cancelled, 3);
    });
}

TEST(TaskGroup, OuterCancellationPropagatesAsCancelled) {
    run_mock([]() -> Task<void> {
        CancelScope outer(current_time() + 1s);
        bool group_raised_group = false;
        co_await outer.run([&]() -> Task<void> {
            try {
                co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                    tg.spawn([]() -> Task<void> { co_await sleep(1h); });
                    co_await sleep(1h);
                });
            } catch (const ExceptionGroup&) {
                group_raised_group = true;
            }
        }());
        EXPECT_TRUE(outer.cancelled_caught());
        EXPECT_FALSE(group_raised_group);
    });
}

TEST(TaskGroup, StartReturnsTheStartedValue) {
    run_mock([]() -> Task<void> {
        co_await with_task_group([](TaskGroup& tg) -> Task<void> {
            bool serving = false;
            int port = co_await tg.start<int>([&](TaskStatus<int>& status) -> Task<void> {
                co_await sleep(1s);
                status.started(8080);
                serving = true;
                co_await sleep(1s);
            });
            EXPECT_EQ(port, 8080);
            co_await checkpoint();
            EXPECT_TRUE(serving);
            co_await tg.start([](TaskStatus<>& status) -> Task<void> {
                status.started();
                co_return;
            });
        });
    });
}

TEST(TaskGroup, StartFailureGoesToTheStarter) {
    run_mock([]() -> Task<void> {
        co_await with_task_group([](TaskGroup& tg) -> Task<void> {
            EXPECT_THROW(co_await tg.start<int>([](TaskStatus<int>&) -> Task<void> {
                co_await sleep(1s);
                throw std::domain_error("could not bind");
            }),
                         std::domain_error);
            try {
                co_await tg.start<int>([](TaskStatus<int>&) -> Task<void> { co_return; });
                ADD_FAILURE();
            } catch (const std::runtime_error& e) {
                EXPECT_NE(std::string(e.what()).find("without calling task_status.started()"),
                          std::string::npos);
            }
        });
    });
}

TEST(TaskGroup, StartedTwiceIsAClearError) {
    run_mock([]() -> Task<void> {
        try {
            co_await with_task_group([](TaskGroup& tg) -> Task<void> {
                co_await tg.start([](TaskStatus<>& status) -> Task<void> {
                    status.started();
                    status.started();
                    co_return;
                });
            });
            ADD_FAILURE();
        } catch (const ExceptionGroup& group) {
            EXPECT_EQ(group.size(), 1u);
            EXPECT_NE(describe_exception(group.exceptions().at(0)).find("called twice"),
                      std::string::npos);
        }
    });
}

TEST(TaskGroup, CancelledStarterCancelsTheUnstartedChild) {
    run_mock([]() -> Task<void> {
        bool child_cancelled = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            auto r = co_await move_on_after(1s, tg.start<int>([&](TaskStatus<int>&) -> Task<void> {
                try {
                    co_await sleep(1h);
                } catch (const Cancelled&) {
                    child_cancelled = true;
                    throw;
                }
            }));
            EXPECT_FALSE(r);
        });
        EXPECT_TRUE(child_cancelled);
    });
}

TEST(TaskGroup, SpawnAfterTheGroupEndedIsAClearError) {
    run_mock([]() -> Task<void> {
        TaskGroup* escaped = nullptr;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            escaped = &tg;
            co_return;
        });
        (void)escaped;  // the group object is gone; a fresh closed group shows the rule
        TaskGroup closed;
        EXPECT_THROW(closed.spawn([]() -> Task<void> { co_return; }), std::logic_error);
    });
}

TEST(TaskGroup, NestedGroups) {
    run_mock([]() -> Task<void> {
        int leaves = 0;
        co_await with_task_group([&](TaskGroup& outer) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                outer.spawn([&]() -> Task<void> {
                    co_await with_task_group([&](TaskGroup& inner) -> Task<void> {
                        for (int j = 0; j < 3; ++j) {
                            inner.spawn([&]() -> Task<void> {
                                co_await sleep(1s);
                                ++leaves;
                            });
                        }
                        co_return;
                    });
                });
            }
            co_return;
        });
        EXPECT_EQ(leaves, 9);
    });
}
