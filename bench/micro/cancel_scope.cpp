// Cancel-scope enter/exit around an awaitable that completes at once, beside
// awaiting the same Task without a scope.
//
// move_on_after arms a deadline (a timer add) on entry and removes it on exit
// without a loop iteration (Driver::remove_timer); CancelScope::run without a
// deadline shows the scope bookkeeping alone. Both add coroutine frames
// (move_on_at and CancelScope::run are Tasks themselves), which is part of
// the cost a user pays and so part of the figure.
#include <chrono>

#include "common.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {

// Completes without any await point: the scope never sees a checkpoint.
Task<long> trivial(long x) {
    co_return x + 1;
}

void await_plain(benchmark::State& state) {
    long completed = 0;
    coronet_bench::run_default(state, [&]() -> Task<void> {
        for (auto _ : state) {
            long r = co_await trivial(completed);
            if (r != completed + 1) {
                state.SkipWithError("the task returned a wrong result");
                break;
            }
            ++completed;
        }
    });
    state.SetItemsProcessed(state.iterations());
}

void move_on_after_1h(benchmark::State& state) {
    long completed = 0;
    coronet_bench::run_default(state, [&]() -> Task<void> {
        for (auto _ : state) {
            std::optional<long> r = co_await move_on_after(1h, trivial(completed));
            if (!r || *r != completed + 1) {
                state.SkipWithError("move_on_after lost the result");
                break;
            }
            ++completed;
        }
    });
    state.SetItemsProcessed(state.iterations());
}

void scope_run(benchmark::State& state) {
    long completed = 0;
    coronet_bench::run_default(state, [&]() -> Task<void> {
        for (auto _ : state) {
            CancelScope scope;
            std::optional<long> r = co_await scope.run(trivial(completed));
            if (!r || *r != completed + 1) {
                state.SkipWithError("CancelScope::run lost the result");
                break;
            }
            ++completed;
        }
    });
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(move_on_after_1h)->Name("cancel_scope/move_on_after");
BENCHMARK(scope_run)->Name("cancel_scope/scope_run_no_deadline");
BENCHMARK(await_plain)->Name("cancel_scope/baseline_await_task");

BENCHMARK_MAIN();
