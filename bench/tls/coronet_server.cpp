// The TLS benchmark's coronet server: the same echo as the baseline
// (openssl_server.cpp), written the way an application uses coronet's TLS
// layer: a TLSListener over a TCP listener, one task per connection,
// receive then send, aclose() (close_notify) when the peer has sent its own.
//
//     bench_tls_coronet_server [--backend epoll|io_uring|auto] --cert F --key F PORT
//
// Listens on 127.0.0.1:PORT (0 picks a free port), prints "port N" on
// stdout once listening and the backend on stderr; runs until killed.
// Without --backend, CORONET_BACKEND (else the best available) picks it.
// The context is create_default_context(Purpose::client_auth) with the
// certificate loaded: the settings openssl_common.hpp mirrors.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <coronet/coronet.hpp>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

struct Args {
    int port = -1;
    std::string cert;
    std::string key;
};

// A peer that resets or vanishes ends its connection quietly.
Task<void> echo(TLSStream client) {
    try {
        for (;;) {
            Bytes data = co_await client.receive();
            co_await client.send(data);
        }
    } catch (const EndOfStream&) {
    } catch (const BrokenResourceError&) {
    }
    co_await client.aclose();
}

Task<void> serve(Args args) {
    auto ctx = create_default_context(Purpose::client_auth);
    ctx->load_cert_chain(args.cert, args.key);
    auto tcp = co_await create_tcp_listener({.local_host = "127.0.0.1", .local_port = args.port});
    TLSListener listener(std::move(tcp), ctx, {.handshake_timeout = 10s});
    std::printf("port %d\n", listener.extra<attr::local_port>());
    std::fflush(stdout);
    std::fprintf(stderr, "coronet_server: %s backend\n",
                 std::string(Loop::current().backend_name()).c_str());
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
    int port = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (error != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535)
        throw std::invalid_argument("bad port '" + std::string(text) + "' (want 0-65535)");
    return port;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        LoopOptions options;
        Args args;
        for (int i = 1; i < argc; ++i) {
            const std::string_view a = argv[i];
            if (a == "--backend" && i + 1 < argc) {
                options.driver.kind = parse_backend(argv[++i]);
            } else if (a == "--cert" && i + 1 < argc) {
                args.cert = argv[++i];
            } else if (a == "--key" && i + 1 < argc) {
                args.key = argv[++i];
            } else if (args.port < 0) {
                args.port = parse_port(a);
            } else {
                throw std::invalid_argument("unexpected argument '" + std::string(a) + "'");
            }
        }
        if (args.port < 0 || args.cert.empty() || args.key.empty()) {
            throw std::invalid_argument(
                "usage: bench_tls_coronet_server [--backend epoll|io_uring|auto] --cert F --key F "
                "PORT");
        }
        return run_with(options, serve, args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "coronet_server: %s\n", e.what());
        return 2;
    }
}
