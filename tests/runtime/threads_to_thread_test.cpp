#include <gtest/gtest.h>

#include <atomic>
#include <coronet/coronet.hpp>
#include <coronet/runtime/thread_pool.hpp>
#include <coronet/runtime/to_thread.hpp>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

using namespace coronet;
using namespace std::chrono_literals;

TEST(ThreadsToThread, ReturnsTheResultFromAnotherThread) {
    run([]() -> Task<void> {
        const auto loop_thread = std::this_thread::get_id();
        auto id = co_await to_thread::run_sync([] { return std::this_thread::get_id(); });
        EXPECT_NE(id, loop_thread);
        co_await to_thread::run_sync([] {});  // void
        auto p = co_await to_thread::run_sync([] { return std::make_unique<int>(3); });
        EXPECT_EQ(*p, 3);
    });
}

TEST(ThreadsToThread, ExceptionPropagates) {
    run([]() -> Task<void> {
        EXPECT_THROW(co_await to_thread::run_sync([]() -> int { throw std::out_of_range("w"); }),
                     std::out_of_range);
    });
}

TEST(ThreadsToThread, WorkersBlockAllSignals) {
    run([]() -> Task<void> {
        const bool all_blocked = co_await to_thread::run_sync([] {
            sigset_t mask;
            pthread_sigmask(SIG_BLOCK, nullptr, &mask);
            return sigismember(&mask, SIGINT) == 1 && sigismember(&mask, SIGTERM) == 1 &&
                   sigismember(&mask, SIGUSR1) == 1;
        });
        EXPECT_TRUE(all_blocked);
    });
}

TEST(ThreadsToThread, NonCancellableWaitsThenCancelsAtNextCheckpoint) {
    // g++ 12.2 destroys a temporary with a non-trivial destructor passed as
    // an argument inside a co_await expression twice (the lambda's captured
    // shared_future here), so the jobs below are named locals.
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    run([&]() -> Task<void> {
        bool returned = false;
        bool cancelled_after = false;
        CancelScope scope;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await scope.run([&]() -> Task<void> {
                    auto job = [released] {
                        released.wait();
                        return 1;
                    };
                    const int v = co_await to_thread::run_sync(job);
                    returned = (v == 1);
                    try {
                        co_await sleep(0s);
                    } catch (const Cancelled&) {
                        cancelled_after = true;
                        throw;
                    }
                }());
            });
            tg.spawn([&]() -> Task<void> {
                co_await sleep(0s);
                scope.cancel();
                // The worker is still blocked: the task must still wait.
                co_await sleep(1ms);
                release.set_value();
            });
            co_return;
        });
        EXPECT_TRUE(returned);
        EXPECT_TRUE(cancelled_after);
        EXPECT_TRUE(scope.cancelled_caught());
    });
}

TEST(ThreadsToThread, CancellableAbandonsTheThread) {
    auto started = std::make_shared<std::promise<void>>();
    auto release = std::make_shared<std::promise<void>>();
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::shared_future<void> has_started = started->get_future().share();
    std::shared_future<void> released = release->get_future().share();
    run([&]() -> Task<void> {
        // Named, not temporaries inside the co_await: g++ 12.2 destroys such
        // temporaries twice (see the note in NonCancellableWaits... above).
        auto job = [started, released, done] {
            started->set_value();
            released.wait();
            done->store(true);
            return std::string("discarded");
        };
        // Bounded, so that a job that never starts fails the test instead of hanging it.
        auto wait_until_started = [has_started] {
            return has_started.wait_for(30s) == std::future_status::ready;
        };
        CancelScope scope;
        bool returned_a_value = false;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await scope.run([&]() -> Task<void> {
                    co_await to_thread::run_sync(job, {.cancellable = true});
                    returned_a_value = true;
                }());
            });
            // Cancelled only once the job runs: a cancel that came first would
            // rightly never start it, and this test is about abandoning.
            const bool started_in_time = co_await to_thread::run_sync(wait_until_started);
            EXPECT_TRUE(started_in_time);
            scope.cancel();
        });
        EXPECT_TRUE(scope.cancelled_caught());
        EXPECT_FALSE(returned_a_value);
        EXPECT_FALSE(done->load());
    });
    // The loop is gone; the abandoned thread finishes and drops its result.
    release->set_value();
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    while (!done->load() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::yield();
    EXPECT_TRUE(done->load());
}

TEST(ThreadsToThread, AlreadyCancelledNeverStartsTheJob) {
    // A checkpoint, as in Trio: a task cancelled before the call raises
    // Cancelled without handing the job to a worker, cancellable or not.
    for (const bool cancellable : {false, true}) {
        auto ran = std::make_shared<std::atomic<bool>>(false);
        run([&]() -> Task<void> {
            auto job = [ran] { ran->store(true); };
            CancelScope scope;
            scope.cancel();
            co_await scope.run([&]() -> Task<void> {
                co_await to_thread::run_sync(job, {.cancellable = cancellable});
            }());
            EXPECT_TRUE(scope.cancelled_caught());
        });
        // A non-cancellable call awaits its job, so one handed over would have
        // run by now; for the cancellable call this can only miss, never lie.
        EXPECT_FALSE(ran->load()) << "cancellable=" << cancellable;
    }
}

TEST(ThreadsToThread, LimiterBoundsConcurrency) {
    run([]() -> Task<void> {
        CapacityLimiter limiter(2);
        std::atomic<int> running{0};
        std::atomic<int> peak{0};
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 6; ++i) {
                tg.spawn([&]() -> Task<void> {
                    co_await to_thread::run_sync(
                        [&] {
                            const int now = ++running;
                            int seen = peak.load();
                            while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                            }
                            std::this_thread::sleep_for(1ms);
                            --running;
                        },
                        {.limiter = &limiter});
                });
            }
            co_return;
        });
        EXPECT_LE(peak.load(), 2);
        EXPECT_EQ(limiter.borrowed_tokens(), 0u);
        EXPECT_EQ(to_thread::current_default_thread_limiter().total_tokens(), 40u);
    });
}

TEST(ThreadsToThread, PoolReusesIdleWorkersAndJoinsOnDestruction) {
    std::atomic<int> ran{0};
    {
        ThreadPool pool(std::chrono::milliseconds(50));
        for (int i = 0; i < 10; ++i)
            pool.submit([&] { ++ran; });
        EXPECT_GE(pool.thread_count(), 1u);
    }
    EXPECT_EQ(ran.load(), 10);
}
