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
// as the buffer is allocated without being initialised, a connection that
// only ever sees small messages touches only its first page.
constexpr std::size_t kBufferSize = 64 * 1024;

struct Echo final : asyncio::BufferedProtocol {
    asyncio::Transport* transport = nullptr;
    std::unique_ptr<std::byte[]> buffer;

    void connection_made(asyncio::BaseTransport& t) override {
        transport = &dynamic_cast<asyncio::Transport&>(t);
        buffer = std::make_unique_for_overwrite<std::byte[]>(kBufferSize);
    }
    std::span<std::byte> get_buffer(std::size_t) override { return {buffer.get(), kBufferSize}; }
    void buffer_updated(std::size_t nbytes) override {
        transport->write(BytesView(buffer.get(), nbytes));
    }
};

Task<void> serve(int port) {
    auto factory = [] { return std::make_unique<Echo>(); };
    asyncio::Server server = co_await asyncio::create_server(factory, "127.0.0.1", port,
                                                             {.backlog = echo_bench::kBacklog});
    echo_bench::announce("echo_buffered_protocol", port);
    co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
    return echo_bench::echo_main("echo_buffered_protocol", argc, argv, serve);
}
