// wake() from other threads: however wakes race with the loop's poll(), a
// wake() after them all still ends the next wait promptly (no wake is lost).
#include <atomic>
#include <thread>

#include "backend/driver_fixture.hpp"

namespace coronet::test {
namespace {

class DriverWakeThreads : public DriverTest {};

TEST_P(DriverWakeThreads, AWakeAfterAStormOfWakesStillWakes) {
    using Clock = std::chrono::steady_clock;
    std::atomic<bool> stop{false};
    std::vector<std::thread> wakers;
    for (int i = 0; i < 2; ++i) {
        wakers.emplace_back([&] {
            while (!stop.load(std::memory_order_relaxed))
                d().wake();
        });
    }
    // Bounded polls: a lost wake must fail the test below, not hang it here.
    const auto storm_end = Clock::now() + std::chrono::milliseconds(300);
    while (Clock::now() < storm_end)
        d().poll(std::chrono::milliseconds(5));
    stop = true;
    for (std::thread& t : wakers)
        t.join();
    d().poll(std::chrono::nanoseconds(0));  // takes a wake the storm left pending

    for (int round = 0; round < 3; ++round) {
        std::thread late([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            d().wake();
        });
        const auto begin = Clock::now();
        d().poll(std::chrono::seconds(3));
        const auto waited = Clock::now() - begin;
        late.join();
        EXPECT_LT(waited, std::chrono::seconds(1)) << "round " << round << ": the wake was lost";
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverWakeThreads, ::testing::ValuesIn(kBackends), param_name);

}  // namespace
}  // namespace coronet::test
