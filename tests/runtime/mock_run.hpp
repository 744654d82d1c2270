// Runs a test body on a loop whose clock is a fresh autojumping MockClock, so
// timeouts complete instantly and in a deterministic order.
#pragma once

#include <coronet/coronet.hpp>
#include <coronet/testing/mock_clock.hpp>

namespace coronet_test {

template <class F>
auto run_mock(F body) {
    coronet::testing::MockClock clock;
    coronet::LoopOptions options;
    options.driver.clock = &clock;
    return coronet::run_with(std::move(options), std::move(body));
}

}  // namespace coronet_test
