// Stream-layer TCP echo server for bench/run.sh: one coroutine per
// connection doing SocketStream::receive_lent then send, which is what an
// application written against the stream layer looks like when it passes
// bytes through (receive_lent lends the loop's receive buffer: no
// allocation or copy per message, and an idle connection holds no buffer).
//
//     echo_stream [--backend epoll|io_uring|auto] PORT
//
// Listens on 127.0.0.1:PORT (the load generator's address) and runs until
// killed. Without --backend, CORONET_BACKEND (else the best available)
// picks the backend. The backend in use is printed on stderr at start, so a
// run's server log says what was measured.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include <coronet/coronet.hpp>

using namespace coronet;

namespace {

// A peer that resets or vanishes ends its connection quietly: under load
// that is normal and must not be logged per connection.
Task<void> echo(SocketStream client) {
    try {
        for (;;) {
            LentBytes data = co_await client.receive_lent();
            co_await client.send(data);
        }
    } catch (const EndOfStream&) {
    } catch (const BrokenResourceError&) {
    }
}

Task<void> serve(int port) {
    auto listener = co_await create_tcp_listener({.local_host = "127.0.0.1", .local_port = port});
    std::fprintf(stderr, "echo_stream: %s backend, 127.0.0.1:%d\n",
                 std::string(Loop::current().backend_name()).c_str(), port);
    co_await listener.serve(echo);
}

backend::BackendKind parse_backend(std::string_view name) {
    if (name == "epoll") return backend::BackendKind::epoll;
    if (name == "io_uring") return backend::BackendKind::io_uring;
    if (name == "auto") return backend::BackendKind::automatic;
    throw std::invalid_argument("unknown backend '" + std::string(name) +
                                "' (want epoll, io_uring or auto)");
}

int parse_port(std::string_view text) {
    char* end = nullptr;
    const std::string copy(text);
    const long port = std::strtol(copy.c_str(), &end, 10);
    if (copy.empty() || *end != '\0' || port < 1 || port > 65535) {
        throw std::invalid_argument("bad port '" + copy + "' (want 1-65535)");
    }
    return static_cast<int>(port);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        LoopOptions options;
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
        if (port < 0)
            throw std::invalid_argument("usage: echo_stream [--backend epoll|io_uring|auto] PORT");
        return run_with(options, serve, port);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_stream: %s\n", e.what());
        return 2;
    }
}
