// asyncio-layer TCP echo server with a Protocol, for bench/run.sh: the
// transport calls data_received with what it read and the protocol writes it
// straight back, as asyncio's echo server example does. No coroutine per
// connection: the transport is driven from the backend's completions.
//
//     echo_protocol [--backend epoll|io_uring|auto] PORT
#include "echo_main.hpp"

using namespace coronet;

namespace {

// The default eof_received (false) closes the transport when the client has
// sent EOF; a reset ends the connection through connection_lost, which has
// nothing to clean up here.
struct Echo final : asyncio::Protocol {
    asyncio::Transport* transport = nullptr;
    void connection_made(asyncio::BaseTransport& t) override {
        transport = &dynamic_cast<asyncio::Transport&>(t);
    }
    void data_received(BytesView data) override { transport->write(data); }
};

Task<void> serve(int port) {
    auto factory = [] { return std::make_unique<Echo>(); };
    asyncio::Server server = co_await asyncio::create_server(factory, "127.0.0.1", port,
                                                             {.backlog = echo_bench::kBacklog});
    echo_bench::announce("echo_protocol", port);
    co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
    return echo_bench::echo_main("echo_protocol", argc, argv, serve);
}
