// asyncio's TCP echo client with streams: sends MESSAGE, prints the answer.
//
//     stream_echo_client PORT MESSAGE
#include <coronet/coronet.hpp>

#include "asyncio_example_util.hpp"

using namespace coronet;

namespace {

Task<void> tcp_echo_client(int port, std::string message) {
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
    std::printf("Send: %s\n", example::py_repr(message).c_str());
    std::fflush(stdout);
    writer.write(message);
    co_await writer.drain();
    Bytes data = co_await reader.read(100);
    std::printf("Received: %s\n", example::py_repr(data.str()).c_str());
    std::printf("Close the connection\n");
    std::fflush(stdout);
    writer.close();
    co_await writer.wait_closed();
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 3 || !example::parse_port(argv[1], port)) {
        std::fprintf(stderr, "usage: stream_echo_client PORT MESSAGE\n");
        return 2;
    }
    try {
        return run(tcp_echo_client, port, std::string(argv[2])), 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "stream_echo_client: %s\n", e.what());
        return 1;
    }
}
