// Cancellation of memory object stream operations: nothing lost, nothing
// duplicated, whichever way a cancellation and a handoff race.
#include <coronet/runtime/memory_object_stream.hpp>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "sync_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;
using coronet_test::run_mock;
using coronet_test::settle;

TEST(ChannelCancel, SendCancelledAfterTheHandoffReportsSuccess) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(0);
        CancelScope scope;
        bool send_returned = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await scope.run([&]() -> Task<void> {
                    co_await tx.send(1);
                    send_returned = true;
                    co_await checkpoint();
                }());
            });
            co_await settle();
            EXPECT_EQ(rx.receive_nowait(), 1);  // takes the item; the send has succeeded
            scope.cancel();                     // before the sender runs
        });
        EXPECT_TRUE(send_returned);
        EXPECT_TRUE(scope.cancelled_caught());
    });
}

TEST(ChannelCancel, ReceiveCancelledAfterTheHandoffKeepsTheItem) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<std::unique_ptr<int>>(0);
        CancelScope scope;
        int got = 0;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await scope.run([&]() -> Task<void> {
                    auto item = co_await rx.receive();
                    got = *item;
                    co_await checkpoint();
                }());
            });
            co_await settle();
            tx.send_nowait(std::make_unique<int>(42));  // straight into the waiter
            scope.cancel();
        });
        EXPECT_EQ(got, 42);
        EXPECT_TRUE(scope.cancelled_caught());
    });
}

TEST(ChannelCancel, CancelledWaitersLeaveTheQueueWithoutTheItem) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(0);
        CancelScope first;
        std::vector<int> got;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                auto r = co_await first.run(rx.receive());
                if (r) got.push_back(*r);
            });
            co_await settle();
            tg.spawn([&]() -> Task<void> { got.push_back(co_await rx.receive()); });
            co_await settle();
            first.cancel();
            EXPECT_EQ(rx.statistics().tasks_waiting_receive, 1u);
            tx.send_nowait(9);
        });
        EXPECT_EQ(got, (std::vector<int>{9}));
        // A cancelled blocked sender's item is not sent.
        auto r = co_await move_on_after(1s, tx.send(10));
        EXPECT_FALSE(r);
        EXPECT_EQ(tx.statistics().tasks_waiting_send, 0u);
        EXPECT_THROW((void)rx.receive_nowait(), WouldBlock);
    });
}

// Senders and receivers on a small buffer, with random deadlines and a task
// cancelling random operations mid-flight: every item whose send returned is
// received exactly once, no other item is, and each sender's items arrive in
// order at every receiver.
TEST(ChannelCancel, StressNoItemLostOrDuplicated) {
    constexpr int kSenders = 3, kReceivers = 3, kItemsPerSender = 3400;  // ~10,000 items
    for (const std::size_t buffer : {std::size_t{0}, std::size_t{1}, std::size_t{4}}) {
        run_mock([&]() -> Task<void> {
            std::mt19937 rng(1234 + static_cast<unsigned>(buffer));
            auto [tx, rx] = create_memory_object_stream<std::pair<int, int>>(buffer);
            std::set<std::pair<int, int>> sent, received;
            int duplicates = 0, out_of_order = 0, cancelled_sends = 0, cancelled_receives = 0;
            std::vector<CancelScope*> active(kSenders + kReceivers, nullptr);
            int senders_left = kSenders;

            auto op = [&](int who, auto awaitable) -> Task<bool> {
                // Each operation runs in its own scope that the chaos task may cancel.
                CancelScope scope(current_time() + std::chrono::microseconds(rng() % 3000));
                active[who] = &scope;
                const bool done = co_await scope.run(std::move(awaitable));
                active[who] = nullptr;
                co_return done;
            };

            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                for (int s = 0; s < kSenders; ++s) {
                    tg.spawn([&, s, tx = tx.clone()]() mutable -> Task<void> {
                        for (int i = 0; i < kItemsPerSender; ++i) {
                            const bool ok = co_await op(s, [&]() -> Task<void> {
                                co_await tx.send({s, i});
                            }());
                            if (ok) {
                                sent.insert({s, i});
                            } else {
                                ++cancelled_sends;
                            }
                            if (rng() % 4 == 0)
                                co_await sleep(std::chrono::microseconds(rng() % 500));
                        }
                        --senders_left;
                    });
                }
                tx.close();
                for (int r = 0; r < kReceivers; ++r) {
                    tg.spawn([&, r, rx = rx.clone()]() mutable -> Task<void> {
                        std::vector<int> last(kSenders, -1);
                        for (;;) {
                            std::optional<std::pair<int, int>> item;
                            bool ended = false;
                            const bool ok = co_await op(kSenders + r, [&]() -> Task<void> {
                                item = co_await rx.next();
                                ended = !item;
                            }());
                            if (!ok) {
                                ++cancelled_receives;
                                continue;
                            }
                            if (ended) break;
                            if (!received.insert(*item).second) ++duplicates;
                            if (item->second <= last[item->first]) ++out_of_order;
                            last[item->first] = item->second;
                            if (rng() % 4 == 0)
                                co_await sleep(std::chrono::microseconds(rng() % 500));
                        }
                    });
                }
                rx.close();
                // Chaos: cancel whichever operation is in flight, at random
                // moments. Bursts of checkpoints put it between a handoff and
                // the woken task's resumption (the race that matters); the
                // sleeps let mock time, and so the deadlines, move on.
                tg.spawn([&]() -> Task<void> {
                    while (senders_left > 0) {
                        for (int k = static_cast<int>(rng() % 16); k > 0; --k) {
                            co_await checkpoint();
                            if (rng() % 3 != 0) continue;
                            if (CancelScope* s = active[rng() % active.size()]) s->cancel();
                        }
                        co_await sleep(std::chrono::microseconds(rng() % 700));
                    }
                });
                co_return;
            });
            EXPECT_EQ(duplicates, 0) << "buffer " << buffer;
            EXPECT_EQ(out_of_order, 0) << "buffer " << buffer;
            EXPECT_EQ(received, sent) << "buffer " << buffer;
            EXPECT_EQ(sent.size() + static_cast<std::size_t>(cancelled_sends),
                      static_cast<std::size_t>(kSenders * kItemsPerSender));
            // The test means something only if both sides were really cancelled.
            EXPECT_GT(cancelled_sends, 100) << "buffer " << buffer;
            EXPECT_GT(cancelled_receives, 100) << "buffer " << buffer;
        });
    }
}
