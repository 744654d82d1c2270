// accept (one op per connection, the multishot stash) and connect.
#include <cstring>

#include "backend/driver_fixture.hpp"

namespace coronet::test {
namespace {

class DriverAcceptConnect : public DriverTest {};

void expect_accepted_socket(int fd) {
    ASSERT_GE(fd, 0);
    EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

TEST_P(DriverAcceptConnect, SeveralPendingAcceptsTakeSeveralConnections) {
    Fd listener = tcp_listener();
    constexpr int kCount = 3;
    std::vector<std::unique_ptr<TestOp>> accepts;
    std::vector<sockaddr_in> peers(kCount);
    std::vector<socklen_t> peer_lengths(kCount, sizeof(sockaddr_in));
    for (int i = 0; i < kCount; ++i) {
        accepts.push_back(std::make_unique<TestOp>(OpCode::accept, listener.get()));
        accepts.back()->op.address = reinterpret_cast<sockaddr*>(&peers[i]);
        accepts.back()->op.address_length = &peer_lengths[i];
        start(*accepts.back());
        ASSERT_FALSE(accepts.back()->sync);
    }
    EXPECT_EQ(d().pending(), static_cast<std::size_t>(kCount));
    std::vector<Fd> clients;
    for (int i = 0; i < kCount; ++i)
        clients.push_back(tcp_client(listener.get()));
    wait({accepts[0].get(), accepts[1].get(), accepts[2].get()});

    std::vector<std::uint16_t> client_ports;
    for (const Fd& c : clients)
        client_ports.push_back(local_address(c.get()).sin_port);
    for (int i = 0; i < kCount; ++i) {
        Fd accepted(accepts[i]->result());
        EXPECT_EQ(accepts[i]->calls, 1);
        expect_accepted_socket(accepted.get());
        ASSERT_EQ(peer_lengths[i], sizeof(sockaddr_in));
        EXPECT_EQ(peers[i].sin_family, AF_INET);
        EXPECT_NE(std::find(client_ports.begin(), client_ports.end(), peers[i].sin_port),
                  client_ports.end());
    }
    d().forget_fd(listener.get());
}

// Connections that arrive while nobody accepts are not lost (io_uring's
// multishot accept stashes them) and forget_fd drops whatever is stashed.
TEST_P(DriverAcceptConnect, ConnectionsBetweenAcceptsAreKept) {
    const int fds_at_start = open_fd_count();
    Fd listener = tcp_listener();
    TestOp first(OpCode::accept, listener.get());
    start(first);
    std::vector<Fd> clients;
    for (int i = 0; i < 3; ++i)
        clients.push_back(tcp_client(listener.get()));
    wait(first);
    Fd accepted_first(first.result());
    expect_accepted_socket(accepted_first.get());
    settle();  // the other two are accepted in the kernel by now, if multishot

    for (int i = 0; i < 2; ++i) {
        TestOp next(OpCode::accept, listener.get());
        start(next);
        wait(next);
        Fd accepted(next.result());
        expect_accepted_socket(accepted.get());
    }

    // Two more nobody accepts; forgetting the listener must close them.
    for (int i = 0; i < 2; ++i)
        clients.push_back(tcp_client(listener.get()));
    settle();
    d().forget_fd(listener.get());
    listener.reset();
    settle();
    accepted_first.reset();
    clients.clear();
    EXPECT_EQ(open_fd_count(), fds_at_start + 0) << "stashed connections leaked";
}

// A connection flood nobody accepts, while the loop keeps polling: io_uring's
// multishot accept must stop at its stash limit and leave the rest in the
// listen backlog (where back-pressure applies) instead of turning every
// connection into an fd of ours. All of them can still be accepted, in the
// order they arrived.
TEST_P(DriverAcceptConnect, UnacceptedConnectionsAreNotAllTakenFromTheBacklog) {
    constexpr int kClients = 200;
    // The stash limit is 16; allow for a few accepted while the cancel flies.
    constexpr int kMaxHeld = 32;
    // Room for every client in the backlog, so none waits on a SYN retransmit.
    Fd listener = tcp_listener(kClients + 16);
    std::vector<Fd> clients;
    TestOp first(OpCode::accept, listener.get());
    start(first);  // arms io_uring's multishot accept
    clients.push_back(tcp_client(listener.get()));
    wait(first);
    Fd accepted_first(first.result());
    ASSERT_GE(accepted_first.get(), 0);

    const int fds_before_flood = open_fd_count();
    std::vector<std::uint16_t> ports;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(tcp_client(listener.get()));
        ports.push_back(local_address(clients.back().get()).sin_port);
        settle(1);
    }
    settle();
    const int held = open_fd_count() - fds_before_flood - kClients;
    EXPECT_LE(held, kMaxHeld) << "connections accepted that nobody asked for";

    for (int i = 0; i < kClients; ++i) {
        sockaddr_in peer{};
        socklen_t peer_length = sizeof peer;
        TestOp next(OpCode::accept, listener.get());
        next.op.address = reinterpret_cast<sockaddr*>(&peer);
        next.op.address_length = &peer_length;
        start(next);
        wait(next);
        Fd accepted(next.result());
        ASSERT_GE(accepted.get(), 0) << "client " << i;
        ASSERT_EQ(peer_length, sizeof peer);
        EXPECT_EQ(peer.sin_port, ports[static_cast<std::size_t>(i)]) << "client " << i;
    }
    d().forget_fd(listener.get());
}

TEST_P(DriverAcceptConnect, AcceptOnANonListeningSocketFails) {
    Fd sock = inet_socket(SOCK_STREAM);
    TestOp accept(OpCode::accept, sock.get());
    start(accept);
    wait(accept);
    EXPECT_EQ(accept.result(), -EINVAL);
    d().forget_fd(sock.get());
}

TEST_P(DriverAcceptConnect, ConnectSucceeds) {
    Fd listener = tcp_listener();
    Fd client = inet_socket(SOCK_STREAM);
    sockaddr_in to = local_address(listener.get());
    TestOp connect(OpCode::connect, client.get());
    connect.op.connect_address = reinterpret_cast<const sockaddr*>(&to);
    connect.op.connect_length = sizeof to;
    start(connect);
    wait(connect);
    EXPECT_EQ(connect.result(), 0);
    EXPECT_EQ(connect.calls + connect.sync, 1);

    // The connection is usable: the listener has it.
    TestOp accept(OpCode::accept, listener.get());
    start(accept);
    wait(accept);
    Fd server(accept.result());
    ASSERT_GE(server.get(), 0);
    char data[] = "hi";
    TestOp send(OpCode::send, client.get());
    send.op.buffer = data;
    send.op.length = 2;
    start(send);
    wait(send);
    EXPECT_EQ(send.result(), 2);
    d().forget_fd(listener.get());
}

TEST_P(DriverAcceptConnect, ConnectRefused) {
    sockaddr_in to;
    {
        Fd closed = tcp_listener();  // a port nobody listens on once closed
        to = local_address(closed.get());
    }
    Fd client = inet_socket(SOCK_STREAM);
    TestOp connect(OpCode::connect, client.get());
    connect.op.connect_address = reinterpret_cast<const sockaddr*>(&to);
    connect.op.connect_length = sizeof to;
    start(connect);
    wait(connect);
    EXPECT_EQ(connect.result(), -ECONNREFUSED);
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverAcceptConnect, ::testing::ValuesIn(kBackends), param_name);

}  // namespace
}  // namespace coronet::test
