// recv_provided with Operation::byte_stream: a driver may receive ahead of
// its caller (io_uring keeps one multishot recv per fd and stashes what
// comes between receives). On every backend the caller sees the same bytes,
// in order, whatever mix of receives it uses; what is held ahead counts as
// readable; and an fd nobody reads cannot take the buffers of the others.
#include <algorithm>
#include <string>

#include "backend/driver_fixture.hpp"

namespace coronet::test {
namespace {

class DriverReceiveAhead : public DriverTest {
  protected:
    // A receive the driver may serve ahead of time.
    static std::unique_ptr<TestOp> ahead(int fd, std::size_t length = 65536) {
        auto t = std::make_unique<TestOp>(OpCode::recv_provided, fd);
        t->op.length = length;
        t->op.byte_stream = true;
        return t;
    }

    // The bytes a finished recv_provided got; its buffer goes back.
    std::string take(TestOp& t) {
        if (t.result() <= 0) return {};
        std::string bytes(reinterpret_cast<char*>(t.op.provided.data),
                          static_cast<std::size_t>(t.result()));
        d().release_buffer(t.op.provided);
        return bytes;
    }

    // Receives (`length` at a time) until `count` bytes came or the stream
    // ended; bounded.
    std::string receive_bytes(int fd, std::size_t count, std::size_t length = 65536) {
        std::string got;
        for (int i = 0; i < 100000 && got.size() < count; ++i) {
            auto t = ahead(fd, length);
            start(*t);
            wait(*t);
            if (t->result() <= 0) break;
            got += take(*t);
        }
        return got;
    }

    // Lets the driver see what arrived (io_uring: the multishot's CQEs).
    void let_it_arrive() {
        for (int i = 0; i < 5; ++i)
            d().poll(std::chrono::milliseconds(2));
    }

    bool receives_ahead() { return d().features().multishot_recv; }

    // One receive finished, so that the driver may now receive ahead.
    void first_receive(int reader, int writer) {
        auto t = ahead(reader);
        start(*t);
        ASSERT_EQ(::write(writer, "first", 5), 5);
        wait(*t);
        EXPECT_EQ(take(*t), "first");
    }
};

TEST_P(DriverReceiveAhead, OnlyIoUringWithBufferRingsReceivesAhead) {
    const bool expected = GetParam().kind == BackendKind::io_uring && !GetParam().emulate &&
                          d().features().provided_buffer_ring;
    // The kernels this runs on (5.19 and later for io_uring at all) have
    // multishot recv from 6.0; a 5.19 kernel would read false here.
    EXPECT_EQ(receives_ahead(), expected);
}

TEST_P(DriverReceiveAhead, BytesBetweenReceivesComeInOrder) {
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    ASSERT_EQ(::write(b.get(), "two", 3), 3);
    let_it_arrive();
    ASSERT_EQ(::write(b.get(), "three", 5), 5);
    let_it_arrive();
    EXPECT_EQ(d().holds_input(a.get()), receives_ahead());
    EXPECT_EQ(receive_bytes(a.get(), 8), "twothree");
    EXPECT_FALSE(d().holds_input(a.get()));
}

TEST_P(DriverReceiveAhead, SmallReceivesTakeAChunkPieceByPiece) {
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    ASSERT_EQ(::write(b.get(), "abcdefghij", 10), 10);
    let_it_arrive();
    for (const char* piece : {"abc", "def", "ghi", "j"}) {
        auto t = ahead(a.get(), 3);
        start(*t);
        wait(*t);
        EXPECT_EQ(take(*t), piece);
    }
}

TEST_P(DriverReceiveAhead, PlainReceivesAndPeeksSeeHeldBytesFirst) {
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    ASSERT_EQ(::write(b.get(), "hello world", 11), 11);
    let_it_arrive();
    char buffer[16] = {};
    TestOp peek(OpCode::recv, a.get());
    peek.op.buffer = buffer;
    peek.op.length = 5;
    peek.op.flags = MSG_PEEK;
    start(peek);
    wait(peek);
    ASSERT_EQ(peek.result(), 5);
    EXPECT_EQ(std::string(buffer, 5), "hello");
    TestOp plain(OpCode::recv, a.get());
    plain.op.buffer = buffer;
    plain.op.length = 6;
    start(plain);
    wait(plain);
    ASSERT_EQ(plain.result(), 6);
    EXPECT_EQ(std::string(buffer, 6), "hello ");
    EXPECT_EQ(receive_bytes(a.get(), 5), "world");
}

// recvmsg and recvfrom too, both from what is held and while waiting (the
// multishot stays armed, so a receive that went around it would never see
// what it takes).
TEST_P(DriverReceiveAhead, RecvmsgAndRecvfromSeeHeldBytes) {
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    ASSERT_EQ(::write(b.get(), "gathered", 8), 8);
    let_it_arrive();
    char first[3], second[16];
    iovec parts[2] = {{first, sizeof first}, {second, sizeof second}};
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = 2;
    TestOp held(OpCode::recvmsg, a.get());
    held.op.message = &message;
    start(held);
    wait(held);
    ASSERT_EQ(held.result(), 8);
    EXPECT_EQ(std::string(first, 3) + std::string(second, 5), "gathered");
    EXPECT_EQ(message.msg_controllen, 0u);

    for (int waiting = 0; waiting < 2; ++waiting) {
        char buffer[16] = {};
        sockaddr_storage from{};
        socklen_t from_length = sizeof from;
        TestOp recvfrom(OpCode::recvfrom, a.get());
        recvfrom.op.buffer = buffer;
        recvfrom.op.length = sizeof buffer;
        recvfrom.op.address = reinterpret_cast<sockaddr*>(&from);
        recvfrom.op.address_length = &from_length;
        TestOp recvmsg(OpCode::recvmsg, a.get());
        recvmsg.op.message = &message;
        TestOp& t = waiting ? recvmsg : recvfrom;
        start(t);
        EXPECT_FALSE(t.sync);
        ASSERT_EQ(::write(b.get(), "later", 5), 5);
        wait(t);
        ASSERT_EQ(t.result(), 5);
        if (waiting) {
            EXPECT_EQ(std::string(first, 3) + std::string(second, 2), "later");
        } else {
            EXPECT_EQ(std::string(buffer, 5), "later");
        }
    }
}

// A peek or a POLLIN poll made while the multishot reads the fd waits in the
// driver: in the kernel it could miss bytes the multishot takes first.
TEST_P(DriverReceiveAhead, PeeksAndPollsWaitingForBytesSeeThem) {
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    char buffer[8] = {};
    TestOp peek(OpCode::recv, a.get());
    peek.op.buffer = buffer;
    peek.op.length = sizeof buffer;
    peek.op.flags = MSG_PEEK;
    TestOp readable(OpCode::poll, a.get());
    readable.op.poll_events = POLLIN;
    start(peek);
    start(readable);
    EXPECT_FALSE(peek.sync);
    EXPECT_FALSE(readable.sync);
    settle();
    EXPECT_FALSE(peek.done());
    EXPECT_FALSE(readable.done());
    ASSERT_EQ(::write(b.get(), "abc", 3), 3);
    wait({&peek, &readable});
    ASSERT_EQ(peek.result(), 3);
    EXPECT_EQ(std::string(buffer, 3), "abc");
    EXPECT_TRUE(readable.result() & POLLIN);
    EXPECT_EQ(receive_bytes(a.get(), 3), "abc");  // the peek left them
}

TEST_P(DriverReceiveAhead, ACancelledPollWaitingForBytesEnds) {
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    TestOp readable(OpCode::poll, a.get());
    readable.op.poll_events = POLLIN;
    start(readable);
    ASSERT_FALSE(readable.sync);
    d().cancel(readable.op);
    wait(readable);
    EXPECT_EQ(readable.result(), -ECANCELED);
    TestOp forgotten(OpCode::poll, a.get());
    forgotten.op.poll_events = POLLIN;
    start(forgotten);
    ASSERT_FALSE(forgotten.sync);
    d().forget_fd(a.get());
    wait(forgotten);
    EXPECT_EQ(forgotten.result(), -ECANCELED);
}

TEST_P(DriverReceiveAhead, EndOfStreamComesAfterTheHeldBytes) {
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    ASSERT_EQ(::write(b.get(), "last", 4), 4);
    ASSERT_EQ(::shutdown(b.get(), SHUT_WR), 0);
    let_it_arrive();
    EXPECT_EQ(receive_bytes(a.get(), 4), "last");
    for (int i = 0; i < 2; ++i) {  // and again: the end is not used up
        auto end = ahead(a.get());
        start(*end);
        wait(*end);
        EXPECT_EQ(end->result(), 0);
        EXPECT_FALSE(end->op.provided.valid());
    }
}

TEST_P(DriverReceiveAhead, AResetAfterHeldBytesIsReportedAfterThem) {
    Fd listener = tcp_listener();
    Fd client = tcp_client(listener.get());
    Fd server(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    ASSERT_GE(server.get(), 0);
    first_receive(server.get(), client.get());
    ASSERT_EQ(::write(client.get(), "before", 6), 6);
    let_it_arrive();
    const linger abort_on_close{1, 0};
    ASSERT_EQ(
        ::setsockopt(client.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close),
        0);
    client.reset();  // an RST
    let_it_arrive();
    // The bytes come first where the driver took them ahead; a kernel that
    // saw the reset first drops them (the socket's queue is purged), so
    // either the bytes then the reset, or the reset at once.
    auto t = ahead(server.get());
    start(*t);
    wait(*t);
    if (t->result() > 0) {
        EXPECT_EQ(take(*t), "before");
        auto after = ahead(server.get());
        start(*after);
        wait(*after);
        EXPECT_EQ(after->result(), -ECONNRESET);
    } else {
        EXPECT_EQ(t->result(), -ECONNRESET);
        EXPECT_FALSE(receives_ahead()) << "the held bytes were lost";
    }
}

TEST_P(DriverReceiveAhead, ACancelledReceiveLosesNothing) {
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    auto waiting = ahead(a.get());
    start(*waiting);
    ASSERT_FALSE(waiting->sync);
    d().cancel(waiting->op);
    wait(*waiting);
    EXPECT_EQ(waiting->result(), -ECANCELED);
    ASSERT_EQ(::write(b.get(), "kept", 4), 4);
    let_it_arrive();
    EXPECT_EQ(receive_bytes(a.get(), 4), "kept");
}

TEST_P(DriverReceiveAhead, HeldBytesMakeTheFdReadable) {
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    ASSERT_EQ(::write(b.get(), "x", 1), 1);
    let_it_arrive();
    TestOp readable(OpCode::poll, a.get());
    readable.op.poll_events = POLLIN;
    start(readable);
    wait(readable);
    EXPECT_TRUE(readable.result() & POLLIN);
    EXPECT_EQ(receive_bytes(a.get(), 1), "x");
}

// Forgetting an fd drops what was held for it and gives the buffers back;
// its number, reused, starts clean.
TEST_P(DriverReceiveAhead, ForgetFdDropsHeldBytes) {
    DriverOptions options;
    options.provided_buffer_count = 4;
    options.provided_buffer_size = 64;
    use_driver(options);
    for (int round = 0; round < 8; ++round) {
        auto [a, b] = stream_pair();
        first_receive(a.get(), b.get());
        ASSERT_EQ(::write(b.get(), "dropped", 7), 7);
        let_it_arrive();
        EXPECT_EQ(d().holds_input(a.get()), receives_ahead());
        d().forget_fd(a.get());
        EXPECT_FALSE(d().holds_input(a.get()));
        a.reset();
        b.reset();
        settle();
    }
    // Had the rounds kept their buffers, the ring (4) would be empty now.
    auto [a, b] = stream_pair();
    first_receive(a.get(), b.get());
    ASSERT_EQ(::write(b.get(), "fresh", 5), 5);
    EXPECT_EQ(receive_bytes(a.get(), 5), "fresh");
}

std::string pattern(std::size_t size) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return bytes;
}

// A connection that is sent much and read late holds at most one ring
// buffer: the others are still served meanwhile, and the late reader gets
// every byte in order.
TEST_P(DriverReceiveAhead, AnUnreadConnectionDoesNotStarveTheOthers) {
    DriverOptions options;
    options.provided_buffer_count = 8;
    options.provided_buffer_size = 64;
    use_driver(options);
    auto [flooded, flooder] = stream_pair();
    first_receive(flooded.get(), flooder.get());
    const std::string flood = pattern(32 * 1024);
    std::size_t written = 0;
    for (int i = 0; i < 1000 && written < flood.size(); ++i) {
        const ssize_t n = ::write(flooder.get(), flood.data() + written, flood.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        let_it_arrive();
    }
    ASSERT_GT(written, 0u);
    // Others are served while the flooded one is not read.
    for (int i = 0; i < 16; ++i) {
        auto [a, b] = stream_pair();
        auto t = ahead(a.get());
        start(*t);
        const std::string message = "other " + std::to_string(i);
        ASSERT_EQ(::write(b.get(), message.data(), message.size()),
                  static_cast<ssize_t>(message.size()));
        wait(*t);
        EXPECT_EQ(take(*t), message);
        d().forget_fd(a.get());
    }
    // The flooded connection, read now, small and large receives mixed.
    std::string got;
    for (int i = 0; i < 100000 && got.size() < written; ++i) {
        got += receive_bytes(flooded.get(), 1, i % 3 == 0 ? 5 : 64);
        if (written < flood.size()) {
            const ssize_t n =
                ::write(flooder.get(), flood.data() + written, flood.size() - written);
            if (n > 0) written += static_cast<std::size_t>(n);
        }
    }
    ASSERT_EQ(written, flood.size());
    ASSERT_EQ(got.size(), flood.size());
    EXPECT_TRUE(got == flood) << "bytes out of order";
}

// More connections than ring buffers, all sending at once: the ring runs dry
// and every multishot ends with ENOBUFS; each receive still gets its bytes.
TEST_P(DriverReceiveAhead, MoreConnectionsThanBuffers) {
    DriverOptions options;
    options.provided_buffer_count = 4;
    options.provided_buffer_size = 64;
    use_driver(options);
    constexpr int kSockets = 32;
    std::vector<std::pair<Fd, Fd>> pairs;
    for (int i = 0; i < kSockets; ++i) {
        pairs.push_back(stream_pair());
        first_receive(pairs.back().first.get(), pairs.back().second.get());
    }
    std::vector<std::unique_ptr<TestOp>> ops;
    for (int i = 0; i < kSockets; ++i) {
        ops.push_back(ahead(pairs[i].first.get(), 64));
        start(*ops.back());
        ASSERT_FALSE(ops.back()->sync);
    }
    write_socket_names(pairs);
    const std::size_t finished = poll_until_each_done(
        ops, [&](std::size_t i) { EXPECT_EQ(take(*ops[i]), "socket " + std::to_string(i)); });
    EXPECT_EQ(finished, static_cast<std::size_t>(kSockets));
    for (auto& [a, b] : pairs)
        d().forget_fd(a.get());
    settle();
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverReceiveAhead, ::testing::ValuesIn(kBackends), param_name);

}  // namespace
}  // namespace coronet::test
