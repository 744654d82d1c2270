// recv/send, provided buffers, msg and datagram operations, poll.
#include <signal.h>
#include <sys/time.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

#include "backend/driver_fixture.hpp"

namespace coronet::test {
namespace {

class DriverIo : public DriverTest {};

TEST_P(DriverIo, ReportsItsBackend) {
    EXPECT_EQ(d().name(), is_uring() ? "io_uring" : "epoll");
    const auto f = d().features();
    EXPECT_EQ(f.native_operations, is_uring());
    EXPECT_GT(f.provided_buffer_size, 0u);
    if (is_uring() && !GetParam().emulate) {
        EXPECT_TRUE(f.multishot_accept);
        EXPECT_TRUE(f.provided_buffer_ring);
    }
}

// Against the contract, an fd is closed without forget_fd and a new socket
// gets its number. epoll dropped the old file's registration with the file, so
// the driver's "registered" mark for that number is stale; an operation on the
// new socket that has to wait must still complete (promptly, if not at once).
TEST_P(DriverIo, FdNumberReusedAfterCloseWithoutForgetFd) {
    int old_number = -1;
    {
        auto [a, b] = stream_pair();
        old_number = a.get();
        char byte = 0;
        TestOp recv(OpCode::recv, a.get());
        recv.op.buffer = &byte;
        recv.op.length = 1;
        start(recv);
        ASSERT_FALSE(recv.sync);  // it waited: epoll registered the fd
        ASSERT_EQ(::write(b.get(), "x", 1), 1);
        wait(recv);
        ASSERT_EQ(recv.result(), 1);
    }  // both closed, no forget_fd
    auto [c, peer] = stream_pair();
    ASSERT_EQ(c.get(), old_number) << "the new socket did not reuse the number";

    char buffer[16] = {};
    TestOp recv(OpCode::recv, c.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    start(recv);
    ASSERT_FALSE(recv.sync);
    settle();
    ASSERT_EQ(::write(peer.get(), "hello", 5), 5);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!recv.done() && std::chrono::steady_clock::now() < give_up)
        d().poll(std::chrono::milliseconds(50));
    EXPECT_TRUE(recv.done()) << "an operation on the reused fd number never completed";
    if (!recv.done()) {
        d().cancel(recv.op);
        wait(recv);
    }
    EXPECT_EQ(recv.result(), 5);
    EXPECT_EQ(std::string_view(buffer, 5), "hello");
    d().forget_fd(c.get());
}

// The same mistake without a new file: an operation waits on an fd that is
// closed under it. epoll forgets the fd with the file; the driver must not wait
// forever but fail the operation. io_uring looks the fd up when the driver
// submits, at its next poll, so the close comes first there too: EBADF.
TEST_P(DriverIo, WaitOnAnFdClosedWithoutForgetFdFails) {
    auto [a, b] = stream_pair();
    char byte = 0;
    TestOp first(OpCode::recv, a.get());
    first.op.buffer = &byte;
    first.op.length = 1;
    start(first);
    ASSERT_FALSE(first.sync);  // registers the fd
    ASSERT_EQ(::write(b.get(), "x", 1), 1);
    wait(first);

    TestOp recv(OpCode::recv, a.get());
    recv.op.buffer = &byte;
    recv.op.length = 1;
    start(recv);
    ASSERT_FALSE(recv.sync);
    const int number = a.get();
    a.reset();  // closed without forget_fd, number not reused
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!recv.done() && std::chrono::steady_clock::now() < give_up)
        d().poll(std::chrono::milliseconds(50));
    EXPECT_TRUE(recv.done()) << "an operation on a closed fd waited forever";
    if (!recv.done()) {
        d().cancel(recv.op);
        wait(recv);
    }
    EXPECT_EQ(recv.result(), -EBADF);
    d().forget_fd(number);
}

// A registration check that falls due while poll() waits does not end the
// wait early: poll() still returns at its timeout (a mock-clock loop reads an
// early, empty return as "idle" and jumps its clock).
TEST_P(DriverIo, PollWaitsOutItsTimeoutWhileAnFdIsQuiet) {
    auto [a, b] = stream_pair();
    char byte = 0;
    TestOp first(OpCode::recv, a.get());
    first.op.buffer = &byte;
    first.op.length = 1;
    start(first);
    ASSERT_FALSE(first.sync);
    ASSERT_EQ(::write(b.get(), "x", 1), 1);
    wait(first);

    TestOp recv(OpCode::recv, a.get());  // a second wait: epoll queues a check
    recv.op.buffer = &byte;
    recv.op.length = 1;
    start(recv);
    ASSERT_FALSE(recv.sync);
    const auto begin = std::chrono::steady_clock::now();
    EXPECT_EQ(d().poll(std::chrono::milliseconds(300)), 0u);
    EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(290));
    EXPECT_FALSE(recv.done());
    d().cancel(recv.op);
    wait(recv);
    EXPECT_EQ(recv.result(), -ECANCELED);
    d().forget_fd(a.get());
}

// An interrupted wait is not an early return: a signal handled by a plain
// handler (no SA_RESTART) lands in the middle of poll(300 ms), and poll()
// still returns only at its timeout. (io_uring task work aimed at this thread,
// e.g. from a ring torn down just before, interrupts waits the same way.)
TEST_P(DriverIo, PollWaitsOutItsTimeoutThroughAnInterruption) {
    struct sigaction action {};
    struct sigaction previous {};
    action.sa_handler = [](int) {};
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the wait fails with EINTR
    ASSERT_EQ(::sigaction(SIGALRM, &action, &previous), 0);
    itimerval fire{};
    fire.it_value.tv_usec = 50'000;
    ASSERT_EQ(::setitimer(ITIMER_REAL, &fire, nullptr), 0);
    const auto begin = std::chrono::steady_clock::now();
    EXPECT_EQ(d().poll(std::chrono::milliseconds(300)), 0u);
    const auto waited = std::chrono::steady_clock::now() - begin;
    itimerval off{};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    ::sigaction(SIGALRM, &previous, nullptr);
    EXPECT_GE(waited, std::chrono::milliseconds(290));
}

TEST_P(DriverIo, RecvWithDataReady) {
    auto [a, b] = stream_pair();
    ASSERT_EQ(::write(b.get(), "hello", 5), 5);
    char buffer[16] = {};
    TestOp recv(OpCode::recv, a.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    start(recv);
    if (!is_uring()) {
        EXPECT_TRUE(recv.sync);
    }
    wait(recv);
    EXPECT_EQ(recv.calls + recv.sync, 1);
    ASSERT_EQ(recv.result(), 5);
    EXPECT_EQ(std::string_view(buffer, 5), "hello");
}

TEST_P(DriverIo, RecvWaitsForData) {
    auto [a, b] = stream_pair();
    char buffer[16] = {};
    TestOp recv(OpCode::recv, a.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    start(recv);
    ASSERT_FALSE(recv.sync);
    EXPECT_EQ(d().pending(), 1u);
    settle();
    EXPECT_EQ(recv.calls, 0);
    ASSERT_EQ(::write(b.get(), "world", 5), 5);
    wait(recv);
    EXPECT_EQ(recv.calls, 1);
    ASSERT_EQ(recv.result(), 5);
    EXPECT_EQ(std::string_view(buffer, 5), "world");
    EXPECT_EQ(d().pending(), 0u);
}

TEST_P(DriverIo, RecvSeesEndOfStream) {
    auto [a, b] = stream_pair();
    char buffer[16];
    TestOp recv(OpCode::recv, a.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    start(recv);
    b.reset();
    wait(recv);
    EXPECT_EQ(recv.result(), 0);
}

// A short read leaves the receive queue empty (epoll then skips the next
// recv's syscall until an edge): data that arrives before the next recv
// starts, and data that arrives after, must both be seen.
TEST_P(DriverIo, RecvAfterAShortReadSeesLaterData) {
    auto [a, b] = stream_pair();
    char buffer[16] = {};
    TestOp first(OpCode::recv, a.get());
    first.op.buffer = buffer;
    first.op.length = sizeof buffer;
    start(first);  // waits: registers the fd
    ASSERT_EQ(::write(b.get(), "abc", 3), 3);
    wait(first);
    ASSERT_EQ(first.result(), 3);

    ASSERT_EQ(::write(b.get(), "meanwhile", 9), 9);
    TestOp second(OpCode::recv, a.get());
    second.op.buffer = buffer;
    second.op.length = sizeof buffer;
    start(second);
    wait(second);
    ASSERT_EQ(second.result(), 9);
    EXPECT_EQ(std::string_view(buffer, 9), "meanwhile");

    TestOp third(OpCode::recv_provided, a.get());
    third.op.length = 64;
    start(third);
    ASSERT_FALSE(third.sync);
    settle();
    EXPECT_EQ(third.calls, 0);
    ASSERT_EQ(::write(b.get(), "later", 5), 5);
    wait(third);
    ASSERT_EQ(third.result(), 5);
    EXPECT_EQ(std::string_view(reinterpret_cast<char*>(third.op.provided.data), 5), "later");
    d().release_buffer(third.op.provided);
}

// Data and the peer's FIN reported by one edge: the short read of the data
// is followed by end of stream, with no further edge to announce it.
TEST_P(DriverIo, ShortReadBeforeEndOfStreamThenEndOfStream) {
    auto [a, b] = stream_pair();
    char buffer[16] = {};
    TestOp first(OpCode::recv, a.get());
    first.op.buffer = buffer;
    first.op.length = sizeof buffer;
    start(first);  // waits: registers the fd
    ASSERT_EQ(::write(b.get(), "last", 4), 4);
    ASSERT_EQ(::shutdown(b.get(), SHUT_WR), 0);
    wait(first);
    ASSERT_EQ(first.result(), 4);
    TestOp second(OpCode::recv_provided, a.get());
    second.op.length = 64;
    start(second);
    wait(second);
    EXPECT_EQ(second.result(), 0);
}

// On a datagram socket a short read says nothing about the next datagram.
TEST_P(DriverIo, ShortDatagramReadDoesNotHideTheNextOne) {
    auto [a, b] = stream_pair(SOCK_DGRAM);
    char buffer[16] = {};
    TestOp first(OpCode::recv, a.get());
    first.op.buffer = buffer;
    first.op.length = sizeof buffer;
    start(first);  // waits: registers the fd
    ASSERT_EQ(::send(b.get(), "one", 3, 0), 3);
    ASSERT_EQ(::send(b.get(), "two", 3, 0), 3);
    wait(first);
    ASSERT_EQ(first.result(), 3);
    TestOp second(OpCode::recv, a.get());
    second.op.buffer = buffer;
    second.op.length = sizeof buffer;
    start(second);
    wait(second);
    ASSERT_EQ(second.result(), 3);
    EXPECT_EQ(std::string_view(buffer, 3), "two");
}

// A short MSG_PEEK leaves the bytes queued: the recv after it gets them.
TEST_P(DriverIo, ShortPeekDoesNotHideTheData) {
    auto [a, b] = stream_pair();
    char buffer[16] = {};
    TestOp peek(OpCode::recv, a.get());
    peek.op.buffer = buffer;
    peek.op.length = sizeof buffer;
    peek.op.flags = MSG_PEEK;
    start(peek);  // waits: registers the fd
    ASSERT_EQ(::write(b.get(), "peeked", 6), 6);
    wait(peek);
    ASSERT_EQ(peek.result(), 6);
    TestOp recv(OpCode::recv, a.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    start(recv);
    if (!is_uring()) {
        EXPECT_TRUE(recv.sync);
    }
    wait(recv);
    ASSERT_EQ(recv.result(), 6);
    EXPECT_EQ(std::string_view(buffer, 6), "peeked");
}

TEST_P(DriverIo, SendWithRoomFinishesInline) {
    auto [a, b] = stream_pair();
    char data[] = "abc";
    TestOp send(OpCode::send, a.get());
    send.op.buffer = data;
    send.op.length = 3;
    start(send);
    EXPECT_TRUE(send.sync);
    wait(send);
    ASSERT_EQ(send.result(), 3);
    char got[4] = {};
    EXPECT_EQ(::read(b.get(), got, sizeof got), 3);
    EXPECT_STREQ(got, "abc");
}

TEST_P(DriverIo, SendWaitsForRoom) {
    auto [a, b] = stream_pair();
    fill_send_buffer(a.get());
    static char data[4096];
    std::memset(data, 'x', sizeof data);
    TestOp send(OpCode::send, a.get());
    send.op.buffer = data;
    send.op.length = sizeof data;
    start(send);
    ASSERT_FALSE(send.sync);
    settle();
    EXPECT_EQ(send.calls, 0);
    drain_until_done(send, b.get());
    EXPECT_EQ(send.calls, 1);
    EXPECT_GT(send.result(), 0);
}

TEST_P(DriverIo, SendToClosedPeerIsEpipeNotSignal) {
    auto [a, b] = stream_pair();
    b.reset();
    char data[] = "x";
    TestOp send(OpCode::send, a.get());
    send.op.buffer = data;
    send.op.length = 1;
    start(send);
    wait(send);
    EXPECT_EQ(send.result(), -EPIPE);
}

TEST_P(DriverIo, RecvProvidedHandsOutTheBytes) {
    auto [a, b] = stream_pair();
    TestOp recv(OpCode::recv_provided, a.get());
    recv.op.length = 1 << 20;
    start(recv);
    ASSERT_FALSE(recv.sync);
    ASSERT_EQ(::write(b.get(), "provided", 8), 8);
    wait(recv);
    ASSERT_EQ(recv.result(), 8);
    ASSERT_TRUE(recv.op.provided.valid());
    EXPECT_EQ(std::string_view(reinterpret_cast<char*>(recv.op.provided.data), 8), "provided");
    d().release_buffer(recv.op.provided);

    // The released buffer serves the next receive.
    TestOp again(OpCode::recv_provided, a.get());
    again.op.length = 4;
    ASSERT_EQ(::write(b.get(), "morebytes", 9), 9);
    start(again);
    wait(again);
    ASSERT_EQ(again.result(), 4);
    EXPECT_EQ(std::string_view(reinterpret_cast<char*>(again.op.provided.data), 4), "more");
    d().release_buffer(again.op.provided);
}

// More receivers than buffers: io_uring's ring runs dry (-ENOBUFS), which must
// turn into waiting for a released buffer, never into an error.
TEST_P(DriverIo, RecvProvidedWithMoreSocketsThanBuffers) {
    DriverOptions options;
    options.provided_buffer_count = 4;
    options.provided_buffer_size = 64;
    use_driver(options);
    constexpr int kSockets = 48;
    std::vector<std::pair<Fd, Fd>> pairs;
    std::vector<std::unique_ptr<TestOp>> ops;
    for (int i = 0; i < kSockets; ++i) {
        pairs.push_back(stream_pair());
        ops.push_back(std::make_unique<TestOp>(OpCode::recv_provided, pairs.back().first.get()));
        ops.back()->op.length = 64;
        start(*ops.back());
        ASSERT_FALSE(ops.back()->sync);
    }
    d().poll(std::chrono::nanoseconds(0));  // every receive is in the kernel
    write_socket_names(pairs);
    const std::size_t finished = poll_until_each_done(ops, [&](std::size_t i) {
        TestOp& t = *ops[i];
        EXPECT_EQ(t.calls, 1);
        const std::string message = "socket " + std::to_string(i);
        ASSERT_EQ(t.result(), static_cast<int>(message.size())) << "socket " << i;
        EXPECT_EQ(std::string_view(reinterpret_cast<char*>(t.op.provided.data), t.result()),
                  message);
        // Released only after poll returned, so the others starve meanwhile.
        d().release_buffer(t.op.provided);
    });
    EXPECT_EQ(finished, static_cast<std::size_t>(kSockets));
}

TEST_P(DriverIo, SendmsgAndRecvmsgPassAFileDescriptor) {
    auto [a, b] = stream_pair();
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    Fd pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);

    // Receive first, so the recvmsg waits.
    char in_data[8] = {};
    iovec in_iov{in_data, sizeof in_data};
    alignas(cmsghdr) char in_control[CMSG_SPACE(sizeof(int))] = {};
    msghdr in{};
    in.msg_iov = &in_iov;
    in.msg_iovlen = 1;
    in.msg_control = in_control;
    in.msg_controllen = sizeof in_control;
    TestOp recv(OpCode::recvmsg, b.get());
    recv.op.message = &in;
    start(recv);
    ASSERT_FALSE(recv.sync);

    char out_data[] = "fd";
    iovec out_iov{out_data, 2};
    alignas(cmsghdr) char out_control[CMSG_SPACE(sizeof(int))] = {};
    msghdr out{};
    out.msg_iov = &out_iov;
    out.msg_iovlen = 1;
    out.msg_control = out_control;
    out.msg_controllen = sizeof out_control;
    cmsghdr* c = CMSG_FIRSTHDR(&out);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pipe_fds[0], sizeof(int));
    TestOp send(OpCode::sendmsg, a.get());
    send.op.message = &out;
    start(send);
    wait({&send, &recv});
    ASSERT_EQ(send.result(), 2);
    ASSERT_EQ(recv.result(), 2);
    EXPECT_EQ(std::string_view(in_data, 2), "fd");

    cmsghdr* got = CMSG_FIRSTHDR(&in);
    ASSERT_NE(got, nullptr);
    ASSERT_EQ(got->cmsg_type, SCM_RIGHTS);
    int received = -1;
    std::memcpy(&received, CMSG_DATA(got), sizeof(int));
    Fd passed(received);
    ASSERT_GE(received, 0);
    EXPECT_TRUE(::fcntl(received, F_GETFD) & FD_CLOEXEC) << "recvmsg must use MSG_CMSG_CLOEXEC";
    // It is the same pipe.
    ASSERT_EQ(::write(pipe_write.get(), "z", 1), 1);
    char z = 0;
    EXPECT_EQ(::read(passed.get(), &z, 1), 1);
    EXPECT_EQ(z, 'z');
}

TEST_P(DriverIo, SendtoAndRecvfromOverUdp) {
    Fd receiver = inet_socket(SOCK_DGRAM);
    Fd sender = inet_socket(SOCK_DGRAM);
    sockaddr_in any = loopback();
    ASSERT_EQ(::bind(receiver.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
    ASSERT_EQ(::bind(sender.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
    const sockaddr_in to = local_address(receiver.get());
    const sockaddr_in from = local_address(sender.get());

    char buffer[32] = {};
    sockaddr_in peer{};
    socklen_t peer_length = sizeof peer;
    TestOp recv(OpCode::recvfrom, receiver.get());
    recv.op.buffer = buffer;
    recv.op.length = sizeof buffer;
    recv.op.address = reinterpret_cast<sockaddr*>(&peer);
    recv.op.address_length = &peer_length;
    start(recv);
    ASSERT_FALSE(recv.sync);

    char data[] = "datagram";
    TestOp send(OpCode::sendto, sender.get());
    send.op.buffer = data;
    send.op.length = 8;
    send.op.connect_address = reinterpret_cast<const sockaddr*>(&to);
    send.op.connect_length = sizeof to;
    start(send);
    wait({&send, &recv});
    EXPECT_EQ(send.result(), 8);
    ASSERT_EQ(recv.result(), 8);
    EXPECT_EQ(std::string_view(buffer, 8), "datagram");
    ASSERT_EQ(peer_length, sizeof(sockaddr_in));
    EXPECT_EQ(peer.sin_port, from.sin_port);
    EXPECT_EQ(peer.sin_addr.s_addr, from.sin_addr.s_addr);
}

TEST_P(DriverIo, RecvfromManyDatagramsInFlight) {
    Fd receiver = inet_socket(SOCK_DGRAM);
    Fd sender = inet_socket(SOCK_DGRAM);
    sockaddr_in any = loopback();
    ASSERT_EQ(::bind(receiver.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
    const sockaddr_in to = local_address(receiver.get());
    constexpr int kCount = 16;
    std::vector<std::unique_ptr<TestOp>> ops;
    std::vector<std::array<char, 8>> buffers(kCount);
    for (int i = 0; i < kCount; ++i) {
        ops.push_back(std::make_unique<TestOp>(OpCode::recvfrom, receiver.get()));
        ops.back()->op.buffer = buffers[i].data();
        ops.back()->op.length = 8;
        start(*ops.back());
    }
    for (int i = 0; i < kCount; ++i) {
        const char byte = static_cast<char>('a' + i);
        ASSERT_EQ(
            ::sendto(sender.get(), &byte, 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to),
            1);
    }
    std::vector<TestOp*> all;
    for (auto& t : ops)
        all.push_back(t.get());
    for (int i = 0; i < 2000; ++i) {
        bool done = true;
        for (TestOp* t : all)
            done = done && t->done();
        if (done) break;
        d().poll(std::chrono::milliseconds(20));
    }
    std::string got;
    for (int i = 0; i < kCount; ++i) {
        ASSERT_EQ(ops[i]->result(), 1);
        got += buffers[i][0];
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, "abcdefghijklmnop");
}

TEST_P(DriverIo, PollForWritableAndReadable) {
    auto [a, b] = stream_pair();
    TestOp out(OpCode::poll, a.get());
    out.op.poll_events = POLLOUT;
    start(out);
    wait(out);
    EXPECT_TRUE(out.result() & POLLOUT);

    TestOp in(OpCode::poll, a.get());
    in.op.poll_events = POLLIN;
    start(in);
    ASSERT_FALSE(in.sync);
    settle();
    EXPECT_EQ(in.calls, 0);
    ASSERT_EQ(::write(b.get(), "!", 1), 1);
    wait(in);
    EXPECT_EQ(in.calls, 1);
    EXPECT_TRUE(in.result() & POLLIN);
    EXPECT_FALSE(in.result() & POLLOUT) << "only asked-for events (and errors) are reported";
}

TEST_P(DriverIo, PollReportsHangup) {
    auto [a, b] = stream_pair();
    TestOp in(OpCode::poll, a.get());
    in.op.poll_events = POLLIN;
    start(in);
    b.reset();
    wait(in);
    EXPECT_TRUE(in.result() & (POLLIN | POLLHUP));
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverIo, ::testing::ValuesIn(kBackends), param_name);

}  // namespace
}  // namespace coronet::test
