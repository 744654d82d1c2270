// One scheduling round: a task yielding with checkpoint(), and a callback
// scheduled with Loop::call_soon, beside the floor of a bare
// coroutine_handle resume.
//
// A round through the loop also polls the backend without blocking (the loop
// never lets ready tasks starve I/O), so with one task each checkpoint pays a
// whole loop iteration including that poll. The /64 variants keep 64 items
// ready at once, so one iteration (one poll) is shared by 64 of them: the
// difference between /1 and /64 is the cost of the poll.
#include <coroutine>
#include <exception>

#include "common.hpp"

using namespace coronet;

namespace {

// `tasks` tasks yield in turn; one benchmark iteration is one round in which
// each of them passes one checkpoint.
void checkpoint_round(benchmark::State& state) {
    const long tasks = state.range(0);
    long yields = 0;
    bool stop = false;
    coronet_bench::run_default(state, [&]() -> Task<void> {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (long i = 1; i < tasks; ++i) {
                tg.spawn([&]() -> Task<void> {
                    while (!stop) {
                        co_await checkpoint();
                        ++yields;
                    }
                });
            }
            co_await checkpoint();  // let the others start before timing
            for (auto _ : state) {
                co_await checkpoint();
                ++yields;
            }
            stop = true;
        });
    });
    // Every task passed at least one checkpoint per round.
    if (yields < tasks * static_cast<long>(state.iterations()) - tasks)
        state.SkipWithError("fewer checkpoints than expected");
    state.SetItemsProcessed(state.iterations() * tasks);
}

// `batch` callbacks scheduled with call_soon, then one checkpoint, which
// returns only after all of them ran (the ready queue is FIFO).
void call_soon_round(benchmark::State& state) {
    const long batch = state.range(0);
    long calls = 0;
    coronet_bench::run_default(state, [&]() -> Task<void> {
        Loop& loop = Loop::current();
        for (auto _ : state) {
            const long before = calls;
            for (long i = 0; i < batch; ++i)
                loop.call_soon([&calls] { ++calls; });
            co_await checkpoint();
            if (calls != before + batch) {
                state.SkipWithError("call_soon callbacks did not run before the checkpoint");
                break;
            }
        }
    });
    state.SetItemsProcessed(state.iterations() * batch);
}

// A coroutine that suspends forever; each resume runs one loop step.
struct Looper {
    struct promise_type {
        Looper get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
    std::coroutine_handle<promise_type> handle;
};

Looper count_forever(long* counter) {
    for (;;) {
        ++*counter;
        co_await std::suspend_always{};
    }
}

void bare_resume(benchmark::State& state) {
    long counter = 0;
    auto h = count_forever(&counter).handle;
    // Resumed through a handle the optimiser cannot see through.
    std::coroutine_handle<> erased = h;
    for (auto _ : state) {
        benchmark::DoNotOptimize(erased);
        erased.resume();
    }
    h.destroy();
    if (counter != static_cast<long>(state.iterations()))
        state.SkipWithError("resume count mismatch");
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(checkpoint_round)->Name("yield/checkpoint")->Arg(1)->Arg(64);
BENCHMARK(call_soon_round)->Name("yield/call_soon")->Arg(1)->Arg(64);
BENCHMARK(bare_resume)->Name("yield/baseline_bare_resume");

BENCHMARK_MAIN();
