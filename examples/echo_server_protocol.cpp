// The reference's TCP echo server with a Protocol: prints each connection and
// what it receives, echoes it back and closes the connection.
//
//     echo_server_protocol PORT      (listens on 127.0.0.1:PORT)
#include <coronet/coronet.hpp>

#include "asyncio_example_util.hpp"

using namespace coronet;

namespace {

struct EchoServerProtocol : asyncio::Protocol {
    asyncio::Transport* transport = nullptr;
    void connection_made(asyncio::BaseTransport& t) override {
        transport = &dynamic_cast<asyncio::Transport&>(t);
        auto peer = t.extra_info<net::SocketAddress>("peername");
        std::printf("Connection from %s\n", peer ? example::py_address(*peer).c_str() : "None");
        std::fflush(stdout);
    }
    void data_received(BytesView data) override {
        const std::string message(data.str());
        std::printf("Data received: %s\n", example::py_repr(message).c_str());
        std::printf("Send: %s\n", example::py_repr(message).c_str());
        transport->write(data);
        std::printf("Close the client socket\n");
        std::fflush(stdout);
        transport->close();
    }
};

Task<void> amain(int port) {
    auto factory = [] { return std::make_unique<EchoServerProtocol>(); };
    asyncio::Server server = co_await asyncio::create_server(factory, "127.0.0.1", port);
    co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 2 || !example::parse_port(argv[1], port)) {
        std::fprintf(stderr, "usage: echo_server_protocol PORT\n");
        return 2;
    }
    try {
        return run(amain, port), 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_server_protocol: %s\n", e.what());
        return 1;
    }
}
