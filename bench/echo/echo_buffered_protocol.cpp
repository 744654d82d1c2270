// asyncio-layer TCP echo server with a BufferedProtocol, for bench/run.sh:
// the transport receives straight into the protocol's buffer (get_buffer),
// and buffer_updated writes those bytes back from it. write() sends at once
// when the socket takes everything and copies only what it could not send,
// so the buffer can be reused for the next receive right away.
//
//     echo_buffered_protocol [--backend epoll|io_uring|auto] PORT
#include <cstddef>
#include <memory>
#include <span>

#include "echo_main.hpp"

using namespace coronet;

namespace {

// 64 KiB, the size the transport hints: bulk transfers need few reads, and
// as the buffer is never initialised, a connection that only ever sees small
// messages touches only its first page.
constexpr std::size_t kBufferSize = 64 * 1024;

// The buffer is a member, so a small message lands in the cache lines right
// after the protocol's own fields, which every request reads anyway (the
// baseline's per-connection struct has the same layout). At 1,000 connections
// a separate allocation costs a cold line per request: about 1.5 % of the
// server's CPU time in bench/log/README.md's twelfth section.
struct Echo final : asyncio::BufferedProtocol {
    asyncio::Transport* transport = nullptr;
    std::byte buffer[kBufferSize];

    void connection_made(asyncio::BaseTransport& t) override {
        transport = &dynamic_cast<asyncio::Transport&>(t);
    }
    std::span<std::byte> get_buffer(std::size_t) override { return {buffer, kBufferSize}; }
    void buffer_updated(std::size_t nbytes) override {
        transport->write(BytesView(buffer, nbytes));
    }
};

Task<void> serve(int port) {
    // `new Echo`, not make_unique: value-initialising would zero all 64 KiB.
    auto factory = [] { return std::unique_ptr<Echo>(new Echo); };
    asyncio::Server server = co_await asyncio::create_server(factory, "127.0.0.1", port,
                                                             {.backlog = echo_bench::kBacklog});
    echo_bench::announce("echo_buffered_protocol", port);
    co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
    return echo_bench::echo_main("echo_buffered_protocol", argc, argv, serve);
}
