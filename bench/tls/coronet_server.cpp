// The TLS benchmark's coronet server: the same echo as the baseline
// (openssl_server.cpp), written the way an application uses coronet's TLS
// layer: a TLSListener over a TCP listener, one task per connection,
// receive then send, aclose() (close_notify) when the peer has sent its own.
//
//     bench_tls_coronet_server [--backend epoll|io_uring|auto] --cert F --key F PORT
//
// Listens on 127.0.0.1:PORT (0 picks a free port), prints "port N" on
// stdout once listening and the backend on stderr; runs until killed.
// Without --backend, CORONET_BACKEND (else the best available) picks it:
// the command line of the echo servers (bench/echo/echo_main.hpp), plus the
// certificate. The context is create_default_context(Purpose::client_auth)
// with the certificate loaded: the settings openssl_common.hpp mirrors.
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

#include "../echo/echo_main.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {

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

// `files`: the certificate chain and the key (echo_main's option values).
Task<void> serve(int port, echo_bench::OptionValues files) {
    auto ctx = create_default_context(Purpose::client_auth);
    ctx->load_cert_chain(files.at(0), files.at(1));
    auto tcp = co_await create_tcp_listener({.local_host = "127.0.0.1", .local_port = port});
    TLSListener listener(std::move(tcp), ctx, {.handshake_timeout = 10s});
    const int bound = listener.extra<attr::local_port>();
    std::printf("port %d\n", bound);
    std::fflush(stdout);
    echo_bench::announce("coronet_server", bound);
    co_await listener.serve(echo);
}

}  // namespace

int main(int argc, char** argv) {
    return echo_bench::echo_main("coronet_server", argc, argv,
                                 {.required = {"--cert", "--key"},
                                  .usage = "--cert F --key F",
                                  .program = "bench_tls_coronet_server",
                                  .any_port = true},
                                 serve);
}
