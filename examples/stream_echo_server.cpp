// asyncio's TCP echo server with streams: reads up to 100 bytes, prints them,
// echoes them back and closes the connection.
//
//     stream_echo_server PORT     (listens on 127.0.0.1:PORT)
#include <coronet/coronet.hpp>

#include "asyncio_example_util.hpp"

using namespace coronet;

namespace {

Task<void> handle_echo(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
    Bytes data = co_await reader.read(100);
    const std::string message(data.str());
    auto addr = std::any_cast<net::SocketAddress>(writer.get_extra_info("peername"));
    std::printf("Received %s from %s\n", example::py_repr(message).c_str(),
                example::py_address(addr).c_str());
    std::printf("Send: %s\n", example::py_repr(message).c_str());
    std::fflush(stdout);
    writer.write(data);
    co_await writer.drain();
    std::printf("Close the connection\n");
    std::fflush(stdout);
    writer.close();
    co_await writer.wait_closed();
}

Task<void> amain(int port) {
    asyncio::Server server = co_await asyncio::start_server(handle_echo, "127.0.0.1", port);
    std::string addrs;
    for (const auto& a : server.addresses())
        addrs += (addrs.empty() ? "" : ", ") + example::py_address(a);
    std::printf("Serving on %s\n", addrs.c_str());
    std::fflush(stdout);
    co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 2 || !example::parse_port(argv[1], port)) {
        std::fprintf(stderr, "usage: stream_echo_server PORT\n");
        return 2;
    }
    try {
        return run(amain, port), 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "stream_echo_server: %s\n", e.what());
        return 1;
    }
}
