// run_multi: one loop per thread, stopping, failures, cross-loop calls and
// signals.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <coronet/coronet.hpp>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

// Sleeps until cancelled (a day is "forever" for a test).
Task<void> sleep_forever() {
    co_await sleep(24h);
}

MultiLoopOptions options_with(unsigned threads) {
    MultiLoopOptions options;
    options.threads = threads;
    return options;
}

}  // namespace

TEST(RunMulti, EveryWorkerRunsOnceOnItsOwnThreadAndLoop) {
    std::mutex mutex;
    std::set<std::size_t> indexes;
    std::set<std::thread::id> threads;
    std::set<Loop*> loops;
    std::atomic<bool> worker0_on_caller{false};
    const auto caller = std::this_thread::get_id();
    run_multi(options_with(4), [&](LoopWorker worker) -> Task<void> {
        co_await checkpoint();
        EXPECT_EQ(worker.size, 4u);
        EXPECT_EQ(worker.group->size(), 4u);
        if (worker.index == 0) worker0_on_caller = std::this_thread::get_id() == caller;
        std::lock_guard lock(mutex);
        indexes.insert(worker.index);
        threads.insert(std::this_thread::get_id());
        loops.insert(&Loop::current());
    });
    EXPECT_EQ(indexes, (std::set<std::size_t>{0, 1, 2, 3}));
    EXPECT_EQ(threads.size(), 4u);
    EXPECT_EQ(loops.size(), 4u);
    EXPECT_TRUE(worker0_on_caller);
}

TEST(RunMulti, ZeroThreadsMeansOnePerAvailableCpu) {
    std::atomic<std::size_t> ran{0};
    std::size_t size = 0;
    MultiLoopOptions options;
    options.pin_threads = true;
    run_multi(options, [&](LoopWorker worker) -> Task<void> {
        ++ran;
        if (worker.index == 0) size = worker.size;
        co_return;
    });
    EXPECT_GE(size, 1u);
    EXPECT_EQ(ran.load(), size);
}

TEST(RunMulti, StopFromOneWorkerCancelsEveryOther) {
    std::atomic<int> cancelled{0};
    run_multi(options_with(3), [&](LoopWorker worker) -> Task<void> {
        if (worker.index == 2) {
            worker.group->stop();
            co_return;
        }
        try {
            co_await sleep_forever();
        } catch (const Cancelled&) {
            ++cancelled;
            throw;
        }
    });
    EXPECT_EQ(cancelled.load(), 2);
}

TEST(RunMulti, AFailingWorkerStopsTheOthersAndIsRethrown) {
    std::atomic<int> cancelled{0};
    try {
        run_multi(options_with(3), [&](LoopWorker worker) -> Task<void> {
            if (worker.index == 1) throw std::runtime_error("worker 1 broke");
            try {
                co_await sleep_forever();
            } catch (const Cancelled&) {
                ++cancelled;
                throw;
            }
        });
        ADD_FAILURE() << "run_multi returned";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "worker 1 broke");
    }
    EXPECT_EQ(cancelled.load(), 2);
}

TEST(RunMulti, SeveralFailuresBecomeAnExceptionGroup) {
    // Both fail before either can be cancelled by the other's failure.
    std::latch both_failing(2);
    try {
        run_multi(options_with(3), [&](LoopWorker worker) -> Task<void> {
            co_await checkpoint();
            if (worker.index != 0) {
                both_failing.arrive_and_wait();
                throw std::runtime_error("broke");
            }
            co_await sleep_forever();
        });
        ADD_FAILURE() << "run_multi returned";
    } catch (const ExceptionGroup& group) {
        EXPECT_EQ(group.size(), 2u);
    }
}

TEST(RunMulti, CallSoonThreadsafeRunsOnTheTargetLoop) {
    std::atomic<Loop*> ran_on{nullptr};
    std::atomic<Loop*> loop0{nullptr};
    run_multi(options_with(2), [&](LoopWorker worker) -> Task<void> {
        if (worker.index == 0) {
            loop0 = &Loop::current();
            co_await sleep_forever();
        } else {
            // Every loop is registered before any main runs.
            EXPECT_TRUE(worker.group->call_soon_threadsafe(0, [&, group = worker.group] {
                ran_on = &Loop::current();
                group->stop();
            }));
            co_await sleep_forever();
        }
    });
    EXPECT_NE(ran_on.load(), nullptr);
    EXPECT_EQ(ran_on.load(), loop0.load());
}

TEST(RunMulti, BadInputIsAClearError) {
    auto noop = [](LoopWorker) -> Task<void> { co_return; };
    EXPECT_THROW(run_multi(options_with(1), nullptr), std::invalid_argument);
    MultiLoopOptions bad_signal = options_with(1);
    bad_signal.stop_signals = {SIGKILL};
    EXPECT_THROW(run_multi(bad_signal, noop), std::invalid_argument);
    std::atomic<bool> out_of_range{false};
    run_multi(options_with(2), [&](LoopWorker worker) -> Task<void> {
        try {
            worker.group->call_soon_threadsafe(7, [] {});
        } catch (const std::out_of_range& e) {
            out_of_range =
                std::string(e.what()).find("no worker 7 in a group of 2") != std::string::npos;
        }
        co_return;
    });
    EXPECT_TRUE(out_of_range);
}

TEST(RunMulti, SigtermStopsEveryWorkerCleanly) {
    std::atomic<int> cancelled{0};
    run_multi(options_with(3), [&](LoopWorker worker) -> Task<void> {
        // Worker 0's loop watches the stop signals before any main runs;
        // the others have every signal blocked, so the process-directed
        // SIGTERM can only reach worker 0's signalfd.
        if (worker.index == 0) ::kill(::getpid(), SIGTERM);
        try {
            co_await sleep_forever();
        } catch (const Cancelled&) {
            ++cancelled;
            throw;
        }
    });
    EXPECT_EQ(cancelled.load(), 3);
}
