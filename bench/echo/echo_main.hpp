// The command line every echo server in bench/echo/ shares, so bench/run.sh
// can start them all the same way:
//
//     <server> [--backend epoll|io_uring|auto] PORT
//
// Listens on 127.0.0.1:PORT (the load generator's address) and runs until
// SIGTERM or SIGINT, which end it through main (exit status 0). Without --backend, CORONET_BACKEND
// (else the best available) picks the backend; the backend in use is printed on stderr at start, so
// a run's server log says what was measured.
//
// A server with more to configure (bench/tls/coronet_server.cpp: a
// certificate and a key) names its own required options in ServerOptions
// and gets their values; it may also accept PORT 0 (any free port).
#pragma once

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <coronet/coronet.hpp>

namespace echo_bench {

// The baselines' and peers' listen backlog: with asyncio's default of 100, the
// generator's 1,000 simultaneous connects overflow the queue and wait for
// SYN retransmissions (seconds).
constexpr int kBacklog = 4096;

inline coronet::backend::BackendKind parse_backend(std::string_view name) {
    using coronet::backend::BackendKind;
    if (name == "epoll") return BackendKind::epoll;
    if (name == "io_uring") return BackendKind::io_uring;
    if (name == "auto") return BackendKind::automatic;
    throw std::invalid_argument("unknown backend '" + std::string(name) +
                                "' (want epoll, io_uring or auto)");
}

inline int parse_port(std::string_view text, int lowest = 1) {
    char* end = nullptr;
    const std::string copy(text);
    const long port = std::strtol(copy.c_str(), &end, 10);
    if (copy.empty() || *end != '\0' || port < lowest || port > 65535) {
        throw std::invalid_argument("bad port '" + copy + "' (want " + std::to_string(lowest) +
                                    "-65535)");
    }
    return static_cast<int>(port);
}

inline void announce(const char* name, int port) {
    std::fprintf(stderr, "%s: %s backend, 127.0.0.1:%d\n", name,
                 std::string(coronet::Loop::current().backend_name()).c_str(), port);
}

// What a server takes besides `[--backend B] PORT`.
struct ServerOptions {
    // Options "--NAME VALUE", every one required, e.g. {"--cert", "--key"}.
    std::vector<std::string_view> required;
    // Their place in the usage line, e.g. "--cert F --key F".
    std::string_view usage;
    // The usage line's program name, when it is not the messages' name.
    std::string_view program;
    // Whether PORT 0 (any free port; the server then says which) is allowed.
    bool any_port = false;
};

// The values of ServerOptions::required, in that order.
using OptionValues = std::vector<std::string>;

// Runs `serve(port, values)` until SIGTERM or SIGINT arrives. The loop reads
// the signal (a signalfd) and the server leaves through main, rather than
// being killed: under valgrind, which cannot break an io_uring_enter wait to
// deliver an asynchronous signal, SIGTERM otherwise never ended an io_uring
// server and its callgrind profile was never written.
template <typename Serve>
coronet::Task<void> serve_until_terminated(Serve serve, int port, OptionValues values) {
    auto signals = coronet::open_signal_receiver({SIGTERM, SIGINT});
    co_await coronet::with_task_group([&](coronet::TaskGroup& tg) -> coronet::Task<void> {
        tg.spawn([&]() -> coronet::Task<void> {
            auto serving = serve(port, values);
            co_await std::move(serving);
        });
        const int received = co_await signals.next();
        std::fprintf(stderr, "signal %d: stopping\n", received);
        tg.cancel_scope().cancel();
    });
}

// Parses the command line and runs `serve(port, values)` on a loop until it
// returns or SIGTERM/SIGINT ends it (serve_until_terminated). Bad arguments, or an
// error before the server runs: a message and 2.
template <typename Serve>
int echo_main(const char* name, int argc, char** argv, const ServerOptions& own, Serve serve) {
    try {
        coronet::LoopOptions options;
        int port = -1;
        OptionValues values(own.required.size());
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            std::size_t k = 0;
            while (k < own.required.size() && arg != own.required[k])
                ++k;
            if (arg == "--backend" && i + 1 < argc) {
                options.driver.kind = parse_backend(argv[++i]);
            } else if (arg.starts_with("--backend=")) {
                options.driver.kind = parse_backend(arg.substr(10));
            } else if (k < own.required.size() && i + 1 < argc) {
                values[k] = argv[++i];
            } else if (port < 0) {
                port = parse_port(arg, own.any_port ? 0 : 1);
            } else {
                throw std::invalid_argument("unexpected argument '" + std::string(arg) + "'");
            }
        }
        bool missing = port < 0;
        for (const std::string& value : values)
            missing = missing || value.empty();
        if (missing) {
            std::string usage = "usage: " + std::string(own.program.empty() ? name : own.program) +
                                " [--backend epoll|io_uring|auto] ";
            if (!own.usage.empty()) usage += std::string(own.usage) + " ";
            throw std::invalid_argument(usage + "PORT");
        }
        coronet::run_with(options, [&] { return serve_until_terminated(serve, port, values); });
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", name, e.what());
        return 2;
    }
}

// The common case: no options of the server's own, PORT 1-65535, `serve(port)`.
template <typename Serve>
int echo_main(const char* name, int argc, char** argv, Serve serve) {
    return echo_main(name, argc, argv, ServerOptions{},
                     [serve](int port, const OptionValues&) { return serve(port); });
}

}  // namespace echo_bench
