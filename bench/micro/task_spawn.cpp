// Task spawn + join: what one TaskGroup child that returns at once costs,
// beside the floor it is built on (a bare coroutine) and a plain call.
//
// The group is opened once per iteration with N children, so the per-item
// figure includes 1/N of the group's own setup and join; N = 1 shows that
// overhead undiluted, N = 256 the per-child cost.
#include <coroutine>
#include <exception>

#include "common.hpp"

using namespace coronet;

namespace {

// The child does one observable thing, so neither the body nor its spawn can
// be dropped.
Task<void> child(long* counter) {
    ++*counter;
    co_return;
}

void spawn_join(benchmark::State& state) {
    const long n = state.range(0);
    long counter = 0;
    coronet_bench::run_default(state, [&]() -> Task<void> {
        for (auto _ : state) {
            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                for (long i = 0; i < n; ++i)
                    tg.spawn(child(&counter));
                co_return;
            });
        }
    });
    if (counter != n * static_cast<long>(state.iterations()))
        state.SkipWithError("a child did not run exactly once");
    state.SetItemsProcessed(state.iterations() * n);
}

// Not inlinable, so the call really happens; the argument and result go
// through DoNotOptimize so it cannot be hoisted out of the loop either.
[[gnu::noinline]] long plain_function(long x) {
    benchmark::ClobberMemory();
    return x + 1;
}

void plain_call(benchmark::State& state) {
    const long n = state.range(0);
    long sum = 0;
    for (auto _ : state) {
        for (long i = 0; i < n; ++i) {
            benchmark::DoNotOptimize(i);
            sum += plain_function(i);
        }
        benchmark::DoNotOptimize(sum);
    }
    if (sum != static_cast<long>(state.iterations()) * (n * (n + 1) / 2))
        state.SkipWithError("wrong sum");
    state.SetItemsProcessed(state.iterations() * n);
}

// The smallest coroutine the language allows: lazily started, suspended at
// the end so the caller destroys it. No scheduler, no trampoline, no group.
struct BareCoroutine {
    struct promise_type {
        BareCoroutine get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
    std::coroutine_handle<promise_type> handle;
};

[[gnu::noinline]] BareCoroutine bare_child(long* counter) {
    ++*counter;
    co_return;
}

void bare_coroutine(benchmark::State& state) {
    const long n = state.range(0);
    long counter = 0;
    for (auto _ : state) {
        for (long i = 0; i < n; ++i) {
            auto h = bare_child(&counter).handle;  // create (heap frame)
            h.resume();                            // run to the final suspend
            if (!h.done()) state.SkipWithError("bare coroutine did not finish");
            h.destroy();
        }
        benchmark::DoNotOptimize(counter);
    }
    if (counter != n * static_cast<long>(state.iterations()))
        state.SkipWithError("a coroutine did not run exactly once");
    state.SetItemsProcessed(state.iterations() * n);
}

}  // namespace

BENCHMARK(spawn_join)->Name("spawn_join/coronet")->Arg(1)->Arg(256);
BENCHMARK(plain_call)->Name("spawn_join/baseline_plain_call")->Arg(1)->Arg(256);
BENCHMARK(bare_coroutine)->Name("spawn_join/baseline_bare_coroutine")->Arg(1)->Arg(256);

BENCHMARK_MAIN();
