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
#include "echo_main.hpp"

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
    echo_bench::announce("echo_stream", port);
    co_await listener.serve(echo);
}

}  // namespace

int main(int argc, char** argv) {
    return echo_bench::echo_main("echo_stream", argc, argv, serve);
}
