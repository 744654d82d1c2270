// The reference's UDP echo server: prints every datagram and sends it back.
//
//     udp_echo_server PORT      (listens on 127.0.0.1:PORT)
#include <coronet/coronet.hpp>

#include "asyncio_example_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {

struct EchoServerProtocol : asyncio::DatagramProtocol {
    asyncio::DatagramTransport* transport = nullptr;
    void connection_made(asyncio::BaseTransport& t) override {
        transport = &dynamic_cast<asyncio::DatagramTransport&>(t);
    }
    void datagram_received(BytesView data, const net::SocketAddress& addr) override {
        const std::string message(data.str());
        std::printf("Received %s from %s\n", example::py_repr(message).c_str(),
                    example::py_address(addr).c_str());
        std::printf("Send %s to %s\n", example::py_repr(message).c_str(),
                    example::py_address(addr).c_str());
        std::fflush(stdout);
        transport->sendto(data, addr);
    }
};

Task<void> amain(int port) {
    std::printf("Starting UDP server\n");
    std::fflush(stdout);
    auto factory = [] { return std::make_unique<EchoServerProtocol>(); };
    asyncio::DatagramEndpointOptions options{};
    options.local_addr = net::SocketAddress::ipv4("127.0.0.1", port);
    asyncio::DatagramEndpoint endpoint =
        co_await asyncio::create_datagram_endpoint(factory, options);
    co_await sleep(3600s);  // serve for one hour, as the reference
    endpoint.transport->close();
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 2 || !example::parse_port(argv[1], port)) {
        std::fprintf(stderr, "usage: udp_echo_server PORT\n");
        return 2;
    }
    try {
        return run(amain, port), 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "udp_echo_server: %s\n", e.what());
        return 1;
    }
}
