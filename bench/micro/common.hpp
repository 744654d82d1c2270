// Helpers shared by the micro-benchmarks (a header, so the bench/micro/*.cpp
// glob does not turn it into an executable).
//
// Naming convention, which bench/run_micro.sh relies on to print ratios:
//
//     <group>/<variant>[/<arg>]
//
// A variant whose name starts with "baseline_" is a baseline: every other
// benchmark of the same group (and same <arg>, or a baseline without one) is
// divided by it. Every benchmark reports items_per_second, and the script's
// ns/op is 1e9 / items_per_second, so benchmarks that batch differently per
// iteration still compare per item.
#pragma once

#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <unistd.h>

#include <coronet/coronet.hpp>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace coronet_bench {

// Runs `body` (a callable returning Task<void>) as the main task of a fresh
// loop on `kind`. An unavailable backend, or any failure, becomes
// SkipWithError, so one broken benchmark never takes the others down.
template <class F>
void run_on(benchmark::State& state, coronet::backend::BackendKind kind, F body,
            coronet::backend::Clock* clock = nullptr) {
    coronet::LoopOptions options;
    options.driver.kind = kind;
    options.driver.clock = clock;
    try {
        coronet::run_with(std::move(options), [&]() -> coronet::Task<void> {
            state.SetLabel(std::string(coronet::Loop::current().backend_name()));
            co_await body();
        });
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

// Non-I/O benchmarks run on whatever CORONET_BACKEND picks (each loop
// iteration polls the backend, so the choice shows in their figures too); the
// label records which.
template <class F>
void run_default(benchmark::State& state, F body, coronet::backend::Clock* clock = nullptr) {
    run_on(state, coronet::backend::BackendKind::automatic, std::move(body), clock);
}

// An AF_UNIX stream socketpair, closed on scope exit.
struct SocketPair {
    int fd[2] = {-1, -1};
    explicit SocketPair(bool nonblocking) {
        const int type = SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
        if (::socketpair(AF_UNIX, type, 0, fd) != 0) throw std::runtime_error("socketpair failed");
    }
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;
    ~SocketPair() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
};

}  // namespace coronet_bench
