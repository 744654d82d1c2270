// call_soon_threadsafe under contention, from_thread, the blocking portal and
// run_coroutine_threadsafe. Suites start with "Threads" (the tsan preset runs
// them).
#include <gtest/gtest.h>

#include <atomic>
#include <coronet/coronet.hpp>
#include <coronet/runtime/blocking_portal.hpp>
#include <coronet/runtime/concurrent_future.hpp>
#include <coronet/runtime/event_loop.hpp>
#include <coronet/runtime/from_thread.hpp>
#include <coronet/runtime/to_thread.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace coronet;
using namespace std::chrono_literals;

TEST(ThreadsCallSoon, FourThreadsEachCallRunsExactlyOnce) {
    constexpr int kThreads = 4;
    constexpr int kCalls = 100'000;
    std::vector<std::uint8_t> seen(kThreads * kCalls, 0);
    int total = 0;
    run([&]() -> Task<void> {
        Loop& loop = Loop::current();
        // The producers run in worker threads; the loop keeps running
        // callbacks while the main task waits for them.
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int t = 0; t < kThreads; ++t) {
                tg.spawn([&, t]() -> Task<void> {
                    co_await to_thread::run_sync([&, t] {
                        for (int i = 0; i < kCalls; ++i) {
                            const int slot = t * kCalls + i;
                            loop.call_soon_threadsafe([&, slot] {
                                ++seen[slot];
                                ++total;
                            });
                        }
                    });
                });
            }
            co_return;
        });
        // Every call was queued before its producer returned: one more
        // round of callbacks drains them.
        while (total < kThreads * kCalls)
            co_await sleep(0s);
    });
    EXPECT_EQ(total, kThreads * kCalls);
    for (std::size_t i = 0; i < seen.size(); ++i)
        ASSERT_EQ(seen[i], 1) << "call " << i;
}

TEST(ThreadsFromThread, RunAndRunSyncFromAWorker) {
    run([]() -> Task<void> {
        Loop& loop = Loop::current();
        int on_loop = 0;
        const int got = co_await to_thread::run_sync([&] {
            from_thread::run_sync(loop, [&] { on_loop = 5; });
            return from_thread::run(loop, [&]() -> Task<int> {
                co_await sleep(1ms);
                co_return on_loop * 2;
            });
        });
        EXPECT_EQ(got, 10);
        EXPECT_THROW(co_await to_thread::run_sync([&] {
                         from_thread::run(loop, []() -> Task<void> {
                             co_await sleep(0s);
                             throw std::out_of_range("from the loop");
                         });
                     }),
                     std::out_of_range);
    });
}

TEST(ThreadsFromThread, FromTheLoopThreadIsAClearError) {
    run([]() -> Task<void> {
        Loop& loop = Loop::current();
        try {
            from_thread::run_sync(loop, [] {});
            ADD_FAILURE() << "expected std::logic_error";
        } catch (const std::logic_error& e) {
            EXPECT_NE(std::string(e.what()).find("loop's own thread"), std::string::npos);
        }
        co_return;
    });
}

TEST(ThreadsPortal, CallFromAPlainThread) {
    BlockingPortal portal;
    int result = 0;
    std::thread plain([&] {
        result = portal.call([]() -> Task<int> {
            co_await sleep(1ms);
            co_return 42;
        });
        result += portal.call([] { return 1; });
    });
    plain.join();
    EXPECT_EQ(result, 43);
    EXPECT_THROW(portal.call([]() -> Task<void> {
        co_await sleep(0s);
        throw std::runtime_error("in the portal");
    }),
                 std::runtime_error);
    portal.stop();
    EXPECT_FALSE(portal.running());
    EXPECT_THROW(portal.call([] { return 0; }), ClosedResourceError);
}

TEST(ThreadsPortal, StopCancelsRemainingCalls) {
    auto portal = std::make_unique<BlockingPortal>();
    std::atomic<bool> entered{false};
    std::thread caller([&] {
        EXPECT_THROW(portal->call([&]() -> Task<void> {
            entered = true;
            co_await sleep(1h);
        }),
                     Cancelled);
    });
    while (!entered)
        std::this_thread::yield();
    portal->stop(/*cancel_remaining=*/true);
    caller.join();
}

TEST(ThreadsRunCoroutineThreadsafe, ResultExceptionAndCancel) {
    EventLoop loop;
    std::thread runner;
    {
        // The loop runs in this thread; a plain thread submits to it.
        std::atomic<bool> finished{false};
        runner = std::thread([&] {
            auto f = run_coroutine_threadsafe(
                []() -> Task<int> {
                    co_await sleep(1ms);
                    co_return 7;
                }(),
                loop);
            EXPECT_EQ(f.get(), 7);
            auto failing = run_coroutine_threadsafe(
                []() -> Task<void> {
                    co_await sleep(0s);
                    throw std::out_of_range("x");
                }(),
                loop);
            EXPECT_THROW(failing.get(), std::out_of_range);
            auto slow =
                run_coroutine_threadsafe([]() -> Task<void> { co_await sleep(1h); }(), loop);
            EXPECT_TRUE(slow.cancel());
            EXPECT_THROW(slow.get(), CancelledError);
            EXPECT_TRUE(slow.cancelled());
            EXPECT_FALSE(slow.cancel());
            finished = true;
            loop.call_soon_threadsafe([&] { loop.stop(); });
        });
        loop.run_forever();
        EXPECT_TRUE(finished);
    }
    runner.join();
    loop.close();
}
