// The reference's TCP echo client with a Protocol: sends MESSAGE, prints what
// comes back, and ends when the server closes the connection.
//
//     echo_client_protocol PORT MESSAGE
#include <coronet/coronet.hpp>

#include "asyncio_example_util.hpp"

using namespace coronet;

namespace {

struct EchoClientProtocol : asyncio::Protocol {
    std::string message;
    Event* on_con_lost = nullptr;
    void connection_made(asyncio::BaseTransport& t) override {
        dynamic_cast<asyncio::Transport&>(t).write(message);
        std::printf("Data sent: %s\n", example::py_repr(message).c_str());
        std::fflush(stdout);
    }
    void data_received(BytesView data) override {
        std::printf("Data received: %s\n", example::py_repr(data.str()).c_str());
        std::fflush(stdout);
    }
    void connection_lost(std::exception_ptr) override {
        std::printf("The server closed the connection\n");
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
    asyncio::Connection c = co_await asyncio::create_connection(factory, "127.0.0.1", port);
    // Wait until the protocol signals that the connection is lost, then close.
    co_await on_con_lost.wait();
    c.transport->close();
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 3 || !example::parse_port(argv[1], port)) {
        std::fprintf(stderr, "usage: echo_client_protocol PORT MESSAGE\n");
        return 2;
    }
    try {
        return run(amain, port, std::string(argv[2])), 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_client_protocol: %s\n", e.what());
        return 1;
    }
}
