// Helpers for the synchronisation and channel tests.
#pragma once

#include <gmock/gmock.h>

#include <coronet/coronet.hpp>
#include <string>

#include "mock_run.hpp"

namespace coronet_test {

// On the autojumping MockClock, a sleep ends only once every other task is
// blocked: Trio's wait_all_tasks_blocked, without real time.
inline coronet::SleepAwaiter settle() {
    return coronet::sleep(std::chrono::seconds(1));
}

// The what() of the exception `fn` throws, or "" (with a failure) if none.
template <class F>
std::string error_of(F&& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected an exception";
    return {};
}

}  // namespace coronet_test
