// Timer add + cancel in the backend's timer queue, beside std::priority_queue
// push + pop of the same count.
//
// Cancel scopes add and remove a deadline far more often than one fires, so
// add+cancel is the path that matters. The driver is used directly (start a
// `timeout` operation, then remove_timer) on a MockClock, so no deadline can
// fire during the measurement. Removal goes in insertion order, i.e. from
// arbitrary heap positions, which a priority_queue cannot even do: its pop
// always takes the minimum, which is the cheaper case. That baseline is the
// floor for "a heap of N deadlines", not an equivalent API.
#include <coronet/testing/mock_clock.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "common.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {

// The same pseudo-random offsets for both sides, so both heaps do the same
// amount of sifting.
std::vector<Duration> offsets(std::size_t n) {
    std::vector<Duration> out(n);
    std::uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (auto& d : out) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d = std::chrono::microseconds(1 + x % 1'000'000);
    }
    return out;
}

void driver_add_remove(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    testing::MockClock clock;
    backend::DriverOptions options;
    options.clock = &clock;
    std::unique_ptr<backend::Driver> driver;
    try {
        driver = backend::make_driver(options);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    state.SetLabel(std::string(driver->name()));
    std::vector<backend::Operation> ops(n);
    const auto delays = offsets(n);
    for (std::size_t i = 0; i < n; ++i) {
        ops[i].code = backend::OpCode::timeout;
        ops[i].deadline = clock.now() + delays[i];
    }
    for (auto _ : state) {
        std::size_t removed = 0;
        for (auto& op : ops) {
            // A pending timer returns false: it did not complete at once.
            if (driver->start(op)) state.SkipWithError("a future timer completed at once");
        }
        for (auto& op : ops)
            removed += driver->remove_timer(op);
        if (removed != n) {
            state.SkipWithError("remove_timer missed a pending timer");
            break;
        }
    }
    if (driver->pending() != 0) state.SkipWithError("timers left pending");
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

void priority_queue_push_pop(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    // (deadline, sequence), like the driver's key; min-heap.
    using Entry = std::pair<TimePoint, std::uint64_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
    const TimePoint now = TimePoint(1h);
    const auto delays = offsets(n);
    std::uint64_t sequence = 0;
    for (auto _ : state) {
        for (const auto d : delays)
            queue.push({now + d, sequence++});
        TimePoint last = TimePoint::min();
        while (!queue.empty()) {
            if (queue.top().first < last) state.SkipWithError("heap out of order");
            last = queue.top().first;
            queue.pop();
        }
        benchmark::DoNotOptimize(last);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

// Through the loop, a timeout that actually fires: a sleep cut short by a
// scope's deadline, on a MockClock that jumps straight to it. Per item: two
// timers added (the scope's and the sleep's), one fired, one removed, a loop
// iteration, and the Cancelled exception that ends the sleep. Its baseline is
// that exception alone, thrown and caught across one call, because it is the
// largest single part.
void sleep_cut_short(benchmark::State& state) {
    testing::MockClock clock;
    long gave_up = 0;
    coronet_bench::run_default(
        state,
        [&]() -> Task<void> {
            for (auto _ : state) {
                const bool finished = co_await move_on_after(1h, sleep(2h));
                gave_up += !finished;
            }
        },
        &clock);
    if (gave_up != static_cast<long>(state.iterations()))
        state.SkipWithError("a sleep was not cut short");
    state.SetItemsProcessed(state.iterations());
}

[[gnu::noinline]] void raise_cancelled(long* counter) {
    ++*counter;
    throw Cancelled();
}

void throw_catch(benchmark::State& state) {
    long thrown = 0;
    long caught = 0;
    for (auto _ : state) {
        try {
            raise_cancelled(&thrown);
        } catch (const Cancelled&) {
            ++caught;
        }
        benchmark::DoNotOptimize(caught);
    }
    if (caught != thrown || caught != static_cast<long>(state.iterations()))
        state.SkipWithError("an exception went missing");
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(driver_add_remove)->Name("timers/driver_add_cancel")->Arg(1)->Arg(1024);
BENCHMARK(priority_queue_push_pop)->Name("timers/baseline_priority_queue")->Arg(1)->Arg(1024);

BENCHMARK(sleep_cut_short)->Name("timeout_fires/move_on_after_sleep");
BENCHMARK(throw_catch)->Name("timeout_fires/baseline_throw_catch");

BENCHMARK_MAIN();
