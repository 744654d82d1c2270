#include <cmath>
#include <coronet/runtime/memory_object_stream.hpp>
#include <memory>
#include <string>
#include <vector>

#include "sync_test_util.hpp"

using namespace coronet;
using coronet_test::error_of;
using coronet_test::run_mock;
using coronet_test::settle;
using ::testing::HasSubstr;

TEST(Channel, BufferedSendReceiveInOrder) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(3);
        co_await tx.send(1);
        tx.send_nowait(2);
        const int three = 3;
        tx.send_nowait(three);
        auto stats = tx.statistics();
        EXPECT_EQ(stats.current_buffer_used, 3u);
        EXPECT_EQ(stats.max_buffer_size, 3u);
        EXPECT_EQ(stats.open_send_streams, 1u);
        EXPECT_EQ(stats.open_receive_streams, 1u);
        EXPECT_EQ(stats.tasks_waiting_send, 0u);
        EXPECT_EQ(stats.tasks_waiting_receive, 0u);
        EXPECT_THAT(error_of([&] { tx.send_nowait(4); }),
                    HasSubstr("MemoryObjectSendStream::send_nowait: the operation would block"));
        EXPECT_EQ(co_await rx.receive(), 1);
        EXPECT_EQ(rx.receive_nowait(), 2);
        EXPECT_EQ(co_await rx.next(), 3);
        EXPECT_THAT(error_of([&] { (void)rx.receive_nowait(); }), HasSubstr("would block"));
        EXPECT_THROW((void)rx.receive_nowait(), WouldBlock);
    });
}

TEST(Channel, EndOfStreamAfterSendersCloseAndBufferDrains) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(2);
        tx.send_nowait(1);
        tx.close();
        EXPECT_TRUE(tx.closed());
        EXPECT_EQ(rx.statistics().open_send_streams, 0u);
        EXPECT_EQ(co_await rx.receive(), 1);
        EXPECT_THAT(error_of([&] { (void)rx.receive_nowait(); }),
                    HasSubstr("every send end of the memory object stream is closed"));
        EXPECT_THROW(co_await rx.receive(), EndOfStream);
        EXPECT_EQ(co_await rx.next(), std::nullopt);
    });
}

TEST(Channel, NextIteratesUntilTheEnd) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<std::string>();
        std::vector<std::string> got;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&, tx = std::move(tx)]() mutable -> Task<void> {
                for (const char* s : {"a", "b", "c"})
                    co_await tx.send(s);
            });  // the lambda's tx closes when the child ends
            while (auto item = co_await rx.next())
                got.push_back(*item);
        });
        EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "c"}));
    });
}

TEST(Channel, RendezvousSendWaitsForAReceiver) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(0);
        EXPECT_THROW(tx.send_nowait(1), WouldBlock);
        bool sent = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await tx.send(7);
                sent = true;
            });
            co_await settle();
            EXPECT_FALSE(sent);
            EXPECT_EQ(rx.statistics().tasks_waiting_send, 1u);
            EXPECT_EQ(rx.statistics().current_buffer_used, 0u);
            EXPECT_EQ(rx.receive_nowait(), 7);
        });
        EXPECT_TRUE(sent);
        // A waiting receiver takes a send_nowait directly.
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> { EXPECT_EQ(co_await rx.receive(), 8); });
            co_await settle();
            EXPECT_EQ(tx.statistics().tasks_waiting_receive, 1u);
            tx.send_nowait(8);
        });
    });
}

TEST(Channel, UnboundedNeverBlocksSenders) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(kUnboundedBuffer);
        for (int i = 0; i < 1000; ++i)
            tx.send_nowait(i);
        EXPECT_EQ(tx.statistics().current_buffer_used, 1000u);
        EXPECT_EQ(tx.statistics().max_buffer_size, kUnboundedBuffer);
        auto [tx2, rx2] = create_memory_object_stream<int>(INFINITY);
        EXPECT_EQ(tx2.statistics().max_buffer_size, kUnboundedBuffer);
        auto [tx3, rx3] = create_memory_object_stream<int>(4.0);
        EXPECT_EQ(tx3.statistics().max_buffer_size, 4u);
        co_return;
    });
}

TEST(Channel, InvalidBufferSizesAreClearErrors) {
    EXPECT_THAT(error_of([] { create_memory_object_stream<int>(-1); }),
                HasSubstr("max_buffer_size must not be negative (got -1)"));
    EXPECT_THAT(error_of([] { create_memory_object_stream<int>(-INFINITY); }),
                HasSubstr("must not be negative (got -inf)"));
    EXPECT_THAT(error_of([] { create_memory_object_stream<int>(NAN); }),
                HasSubstr("must be a number"));
    EXPECT_THAT(error_of([] { create_memory_object_stream<int>(1.5); }),
                HasSubstr("must be a whole number or INFINITY (got 1.5)"));
    EXPECT_THAT(error_of([] { create_memory_object_stream<int>(1e30); }), HasSubstr("too large"));
}

TEST(Channel, MoveOnlyItemsAndFailedSendNowaitKeepsTheItem) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<std::unique_ptr<int>>(1);
        co_await tx.send(std::make_unique<int>(1));
        auto second = std::make_unique<int>(2);
        EXPECT_THROW(tx.send_nowait(std::move(second)), WouldBlock);
        EXPECT_NE(second, nullptr);  // untouched
        EXPECT_EQ(*co_await rx.receive(), 1);
        tx.send_nowait(std::move(second));
        EXPECT_EQ(second, nullptr);
        if (second == nullptr) {
            EXPECT_EQ(*rx.receive_nowait(), 2);
        }
    });
}

TEST(Channel, BlockedSendersAndReceiversAreServedFifo) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(1);
        std::vector<int> got;
        tx.send_nowait(0);
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 1; i <= 3; ++i) {
                tg.spawn([&, i]() -> Task<void> { co_await tx.send(i); });
                co_await settle();
            }
            EXPECT_EQ(tx.statistics().tasks_waiting_send, 3u);
            for (int i = 0; i < 4; ++i)
                got.push_back(co_await rx.receive());
        });
        EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3}));
        got.clear();
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                tg.spawn([&, i]() -> Task<void> { got.push_back(i * 10 + co_await rx.receive()); });
                co_await settle();
            }
            EXPECT_EQ(rx.statistics().tasks_waiting_receive, 3u);
            for (int i = 1; i <= 3; ++i)
                co_await tx.send(i);
        });
        EXPECT_EQ(got, (std::vector<int>{1, 12, 23}));
    });
}

TEST(Channel, ClonesKeepTheStreamOpen) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(5);
        auto tx2 = tx.clone();
        auto rx2 = rx.clone();
        EXPECT_EQ(tx.statistics().open_send_streams, 2u);
        EXPECT_EQ(tx.statistics().open_receive_streams, 2u);
        tx.close();
        tx2.send_nowait(1);
        EXPECT_EQ(rx2.receive_nowait(), 1);
        EXPECT_THROW((void)rx.receive_nowait(), WouldBlock);  // tx2 is still open
        rx.close();
        tx2.send_nowait(2);  // rx2 is still open
        EXPECT_EQ(co_await rx2.receive(), 2);
        tx2.close();
        EXPECT_THROW(co_await rx2.receive(), EndOfStream);
        EXPECT_THAT(error_of([&] { (void)tx.clone(); }),
                    HasSubstr("MemoryObjectSendStream::clone: this end of the memory object "
                              "stream is closed"));
        EXPECT_THROW((void)rx.clone(), ClosedResourceError);
    });
}

TEST(Channel, UsingAClosedEndIsClosedResourceError) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(5);
        auto tx2 = tx.clone();
        tx.close();
        tx.close();  // idempotent
        EXPECT_THAT(error_of([&] { tx.send_nowait(1); }),
                    HasSubstr("send_nowait: this end of the memory object stream is closed"));
        EXPECT_THROW(co_await tx.send(1), ClosedResourceError);
        co_await rx.aclose();
        EXPECT_TRUE(rx.closed());
        EXPECT_THROW((void)rx.receive_nowait(), ClosedResourceError);
        EXPECT_THROW(co_await rx.receive(), ClosedResourceError);
        EXPECT_THROW(co_await rx.next(), ClosedResourceError);
        EXPECT_EQ(tx.statistics().open_receive_streams, 0u);  // statistics still work
        MemoryObjectSendStream<int> moved(std::move(tx2));
        EXPECT_THAT(error_of([&] { tx2.send_nowait(1); }), HasSubstr("was moved from"));
        EXPECT_THROW((void)tx2.statistics(), ClosedResourceError);
        MemoryObjectReceiveStream<int> empty;
        EXPECT_THROW(co_await empty.receive(), ClosedResourceError);
    });
}

TEST(Channel, SendersGetBrokenResourceErrorWhenReceiversClose) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(1);
        tx.send_nowait(1);
        bool broken = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                try {
                    co_await tx.send(2);
                } catch (const BrokenResourceError& e) {
                    broken = true;
                    EXPECT_THAT(e.what(), HasSubstr("every receive end of the memory object "
                                                    "stream is closed"));
                }
            });
            co_await settle();
            rx.close();
            EXPECT_EQ(tx.statistics().current_buffer_used, 0u);  // discarded
        });
        EXPECT_TRUE(broken);
        EXPECT_THROW(tx.send_nowait(3), BrokenResourceError);
    });
}

TEST(Channel, ClosingAnEndWakesItsOwnWaitersOnly) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(0);
        auto rx2 = rx.clone();
        bool closed_error = false, other_got = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                try {
                    (void)co_await rx.receive();
                } catch (const ClosedResourceError&) {
                    closed_error = true;
                }
            });
            tg.spawn([&]() -> Task<void> {
                EXPECT_EQ(co_await rx2.receive(), 5);
                other_got = true;
            });
            co_await settle();
            rx.close();
            co_await settle();
            EXPECT_TRUE(closed_error);
            EXPECT_EQ(rx2.statistics().tasks_waiting_receive, 1u);
            co_await tx.send(5);
        });
        EXPECT_TRUE(other_got);
        // Same for a send end: its blocked senders get ClosedResourceError.
        auto tx2 = tx.clone();
        bool send_closed = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                try {
                    co_await tx.send(6);
                } catch (const ClosedResourceError&) {
                    send_closed = true;
                }
            });
            co_await settle();
            co_await tx.aclose();
            EXPECT_THROW((void)rx2.receive_nowait(), WouldBlock);  // tx2 still open, 6 never sent
        });
        EXPECT_TRUE(send_closed);
    });
}

TEST(Channel, LastSenderClosingEndsWaitingReceivers) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(3);
        int ended = 0;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                EXPECT_THROW((void)co_await rx.receive(), EndOfStream);
                ++ended;
            });
            tg.spawn([&]() -> Task<void> {
                EXPECT_EQ(co_await rx.next(), std::nullopt);
                ++ended;
            });
            co_await settle();
            tx.close();
        });
        EXPECT_EQ(ended, 2);
    });
}

TEST(Channel, DestroyingAnEndClosesIt) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(1);
        {
            auto doomed = std::move(tx);
            doomed.send_nowait(1);
        }
        EXPECT_EQ(rx.statistics().open_send_streams, 0u);
        EXPECT_EQ(co_await rx.receive(), 1);
        EXPECT_THROW(co_await rx.receive(), EndOfStream);
        MemoryObjectReceiveStream<int> other;
        other = std::move(rx);
        EXPECT_EQ(other.statistics().open_receive_streams, 1u);
        other = MemoryObjectReceiveStream<int>();              // closes it
        EXPECT_THROW(tx.send_nowait(1), ClosedResourceError);  // tx was moved from
    });
}

TEST(Channel, OperationsAreCheckpoints) {
    run_mock([]() -> Task<void> {
        auto [tx, rx] = create_memory_object_stream<int>(5);
        CancelScope scope;
        scope.cancel();
        co_await scope.run([&]() -> Task<void> {
            EXPECT_THROW(co_await tx.send(1), Cancelled);
            EXPECT_THROW(co_await rx.receive(), Cancelled);
            EXPECT_THROW(co_await rx.next(), Cancelled);
            EXPECT_THROW(co_await tx.aclose(), Cancelled);  // closes, then checkpoints
        }());
        EXPECT_TRUE(tx.closed());
        EXPECT_EQ(rx.statistics().current_buffer_used, 0u);  // the cancelled send did not send
    });
}

TEST(Channel, OutsideATaskIsAClearError) {
    auto [tx, rx] = create_memory_object_stream<int>(1);
    auto awaiter = rx.receive();
    EXPECT_THAT(error_of([&] { (void)awaiter.await_ready(); }),
                HasSubstr("MemoryObjectReceiveStream::receive must be awaited inside a coronet "
                          "task"));
    tx.send_nowait(1);  // the non-blocking calls work anywhere on the loop's thread
    EXPECT_EQ(rx.receive_nowait(), 1);
}
