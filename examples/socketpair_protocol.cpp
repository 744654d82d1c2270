// The reference's "register an open socket to wait for data using a
// protocol": one end of a socketpair gets a transport and protocol, the other
// end sends "hello world" from a call_soon callback.
//
//     socketpair_protocol      (prints "Received: hello world")
#include <sys/socket.h>

#include <coronet/coronet.hpp>

#include "asyncio_example_util.hpp"

using namespace coronet;

namespace {

struct MyProtocol : asyncio::Protocol {
    asyncio::Transport* transport = nullptr;
    Event* on_con_lost = nullptr;
    void connection_made(asyncio::BaseTransport& t) override {
        transport = &dynamic_cast<asyncio::Transport&>(t);
    }
    void data_received(BytesView data) override {
        std::printf("Received: %.*s\n", static_cast<int>(data.size()), data.str().data());
        std::fflush(stdout);
        // We are done: close the transport; connection_lost() follows.
        transport->close();
    }
    void connection_lost(std::exception_ptr) override { on_con_lost->set(); }
};

Task<void> amain() {
    Event on_con_lost;
    auto [rsock, wsock] = net::socketpair();
    auto factory = [&] {
        auto p = std::make_unique<MyProtocol>();
        p->on_con_lost = &on_con_lost;
        return p;
    };
    asyncio::Connection c = co_await asyncio::create_connection(factory, std::move(rsock));
    // Simulate the reception of data from the network.
    const int fd = wsock.fileno();
    Loop::current().call_soon([fd] { (void)::send(fd, "hello world", 11, MSG_NOSIGNAL); });
    co_await on_con_lost.wait();
    c.transport->close();
    wsock.close();
}

}  // namespace

int main() {
    try {
        return run(amain), 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "socketpair_protocol: %s\n", e.what());
        return 1;
    }
}
