// The reference's UDP echo client: sends MESSAGE, prints the answer, closes.
//
//     udp_echo_client PORT MESSAGE
#include <coronet/coronet.hpp>

#include "asyncio_example_util.hpp"

using namespace coronet;

namespace {

struct EchoClientProtocol : asyncio::DatagramProtocol {
    std::string message;
    Event* on_con_lost = nullptr;
    asyncio::DatagramTransport* transport = nullptr;
    void connection_made(asyncio::BaseTransport& t) override {
        transport = &dynamic_cast<asyncio::DatagramTransport&>(t);
        std::printf("Send: %s\n", message.c_str());
        std::fflush(stdout);
        transport->sendto(message);
    }
    void datagram_received(BytesView data, const net::SocketAddress&) override {
        std::printf("Received: %.*s\n", static_cast<int>(data.size()), data.str().data());
        std::printf("Close the socket\n");
        std::fflush(stdout);
        transport->close();
    }
    void error_received(std::exception_ptr exc) override {
        std::printf("Error received: %s\n", describe_exception(exc).c_str());
        std::fflush(stdout);
    }
    void connection_lost(std::exception_ptr) override {
        std::printf("Connection closed\n");
        std::fflush(stdout);
        on_con_lost->set();
    }
};

Task<void> amain(int port, std::string message) {
    Event on_con_lost;
    auto factory = [&] {
        auto p = std::make_unique<EchoClientProtocol>();
        p->message = message;
        p->on_con_lost = &on_con_lost;
        return p;
    };
    asyncio::DatagramEndpointOptions options{};
    options.remote_addr = net::SocketAddress::ipv4("127.0.0.1", port);
    asyncio::DatagramEndpoint endpoint =
        co_await asyncio::create_datagram_endpoint(factory, options);
    co_await on_con_lost.wait();
    endpoint.transport->close();
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 3 || !example::parse_port(argv[1], port)) {
        std::fprintf(stderr, "usage: udp_echo_client PORT MESSAGE\n");
        return 2;
    }
    try {
        return run(amain, port, std::string(argv[2])), 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "udp_echo_client: %s\n", e.what());
        return 1;
    }
}
