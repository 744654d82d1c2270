// asyncio-layer TCP echo server with streams, for bench/run.sh: start_server
// runs one handler task per connection doing reader.read(n), writer.write,
// writer.drain(), as the shared bench's asyncio_streams.py does.
//
//     echo_asyncio_streams [--backend epoll|io_uring|auto] PORT
#include "echo_main.hpp"

using namespace coronet;

namespace {

constexpr std::int64_t kReadSize = 64 * 1024;

// A read at EOF returns empty (asyncio's rule); a reset raises the
// connection's error, which under load is normal and not worth a log line
// per connection.
Task<void> echo(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
    try {
        for (;;) {
            Bytes data = co_await reader.read(kReadSize);
            if (data.empty()) break;
            writer.write(data);
            co_await writer.drain();
        }
    } catch (const std::exception&) {
    }
    writer.close();
}

Task<void> serve(int port) {
    asyncio::Server server = co_await asyncio::start_server(echo, "127.0.0.1", port, {},
                                                            {.backlog = echo_bench::kBacklog});
    echo_bench::announce("echo_asyncio_streams", port);
    co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
    return echo_bench::echo_main("echo_asyncio_streams", argc, argv, serve);
}
