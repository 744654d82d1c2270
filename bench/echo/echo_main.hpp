// The command line every echo server in bench/echo/ shares, so bench/run.sh
// can start them all the same way:
//
//     <server> [--backend epoll|io_uring|auto] PORT
//
// Listens on 127.0.0.1:PORT (the load generator's address) and runs until
// killed. Without --backend, CORONET_BACKEND (else the best available) picks
// the backend; the backend in use is printed on stderr at start, so a run's
// server log says what was measured.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

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

inline int parse_port(std::string_view text) {
    char* end = nullptr;
    const std::string copy(text);
    const long port = std::strtol(copy.c_str(), &end, 10);
    if (copy.empty() || *end != '\0' || port < 1 || port > 65535) {
        throw std::invalid_argument("bad port '" + copy + "' (want 1-65535)");
    }
    return static_cast<int>(port);
}

inline void announce(const char* name, int port) {
    std::fprintf(stderr, "%s: %s backend, 127.0.0.1:%d\n", name,
                 std::string(coronet::Loop::current().backend_name()).c_str(), port);
}

// Parses the command line and runs `serve(port)` on a loop until it returns
// (the servers never do: they are killed). Bad arguments: a message and 2.
template <typename Serve>
int echo_main(const char* name, int argc, char** argv, Serve serve) {
    try {
        coronet::LoopOptions options;
        int port = -1;
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            if (arg == "--backend" && i + 1 < argc) {
                options.driver.kind = parse_backend(argv[++i]);
            } else if (arg.starts_with("--backend=")) {
                options.driver.kind = parse_backend(arg.substr(10));
            } else if (port < 0) {
                port = parse_port(arg);
            } else {
                throw std::invalid_argument("unexpected argument '" + std::string(arg) + "'");
            }
        }
        if (port < 0) {
            throw std::invalid_argument(std::string("usage: ") + name +
                                        " [--backend epoll|io_uring|auto] PORT");
        }
        coronet::run_with(options, serve, port);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", name, e.what());
        return 2;
    }
}

}  // namespace echo_bench
