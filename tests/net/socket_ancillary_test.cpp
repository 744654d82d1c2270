// Ancillary data over AF_UNIX: SCM_RIGHTS round trips of several files,
// truncated control data closing what arrived, and SCM_CREDENTIALS.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <coronet/net/ancillary.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/net/socket_options.hpp>

#include "net/net_test_support.hpp"

using namespace coronet;
using namespace coronet::net;

namespace {

std::string read_all(int fd) {
    std::string out;
    char buffer[256];
    ::lseek(fd, 0, SEEK_SET);
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

int open_fd_count() {
    int count = 0;
    for (int fd = 0; fd < 4096; ++fd)
        if (::fcntl(fd, F_GETFD) >= 0) ++count;
    return count;
}

const std::array<BytesView, 1> kOneByte{BytesView("!")};

}  // namespace

TEST(Ancillary, ScmRightsRoundTripOfSeveralFiles) {
    FileDescriptor files[3] = {FileDescriptor(net_test::temp_file_with("first file")),
                               FileDescriptor(net_test::temp_file_with("second")),
                               FileDescriptor(net_test::temp_file_with("third, longer file"))};
    run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        Ancillary out;
        for (auto& f : files)
            out.fds.push_back(f.get());
        EXPECT_EQ(co_await a.sendmsg(kOneByte, out), 1u);
        auto m = co_await b.recvmsg(16, cmsg_space_for_fds(3));
        EXPECT_EQ(m.data.str(), "!");
        EXPECT_FALSE(m.ancillary.truncated);
        EXPECT_EQ(m.msg_flags & MSG_CTRUNC, 0);
        if (m.ancillary.fds.size() != 3) {
            ADD_FAILURE() << "received " << m.ancillary.fds.size() << " fds";
            co_return;
        }
        EXPECT_EQ(read_all(m.ancillary.fds[0].get()), "first file");
        EXPECT_EQ(read_all(m.ancillary.fds[1].get()), "second");
        EXPECT_EQ(read_all(m.ancillary.fds[2].get()), "third, longer file");
        for (auto& fd : m.ancillary.fds) {
            EXPECT_NE(fd.get(), files[0].get());                   // new numbers
            EXPECT_TRUE(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC);  // MSG_CMSG_CLOEXEC
        }
    });
}

TEST(Ancillary, TruncatedControlDataClosesTheFdsThatArrived) {
    FileDescriptor files[4] = {FileDescriptor(net_test::temp_file_with("a")),
                               FileDescriptor(net_test::temp_file_with("b")),
                               FileDescriptor(net_test::temp_file_with("c")),
                               FileDescriptor(net_test::temp_file_with("d"))};
    run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        Ancillary out;
        for (auto& f : files)
            out.fds.push_back(f.get());
        co_await a.sendmsg(kOneByte, out);
        const int before = open_fd_count();
        // Room for one fd only: the kernel installs what fits, sets MSG_CTRUNC.
        auto m = co_await b.recvmsg(16, cmsg_space_for_fds(1));
        EXPECT_NE(m.msg_flags & MSG_CTRUNC, 0);
        EXPECT_TRUE(m.ancillary.truncated);
        EXPECT_TRUE(m.ancillary.fds.empty());
        EXPECT_EQ(open_fd_count(), before);
    });
}

TEST(Ancillary, FdsSentWithoutRoomToReceiveAreNotLeaked) {
    FileDescriptor file(net_test::temp_file_with("x"));
    run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        Ancillary out;
        out.fds = {file.get(), file.get()};
        co_await a.sendmsg(kOneByte, out);
        const int before = open_fd_count();
        Bytes got = co_await b.recv(16);  // plain recv: no control buffer at all
        EXPECT_EQ(got.str(), "!");
        EXPECT_EQ(open_fd_count(), before);
    });
}

TEST(Ancillary, CredentialsArriveWithPassCred) {
    run([&]() -> Task<void> {
        auto [a, b] = net::socketpair();
        set_pass_credentials(b, true);
        Ancillary out;
        out.credentials = current_credentials();
        co_await a.sendmsg(kOneByte, out);
        auto m = co_await b.recvmsg(16, cmsg_space_for_credentials());
        EXPECT_TRUE(m.ancillary.credentials.has_value());
        if (m.ancillary.credentials) {
            EXPECT_EQ(*m.ancillary.credentials, current_credentials());
        }

        // Without explicit credentials the kernel attaches the sender's own.
        co_await a.send("?");
        auto implicit = co_await b.recvmsg(16, cmsg_space_for_credentials());
        EXPECT_TRUE(implicit.ancillary.credentials.has_value());
        if (implicit.ancillary.credentials) {
            EXPECT_EQ(implicit.ancillary.credentials->pid, ::getpid());
        }
    });
}

TEST(Ancillary, FdsAndCredentialsTogether) {
    FileDescriptor file(net_test::temp_file_with("both"));
    run([&]() -> Task<void> {
        auto [a, b] = net::socketpair(AF_UNIX, SOCK_SEQPACKET);
        set_pass_credentials(b, true);
        Ancillary out;
        out.fds = {file.get()};
        out.credentials = current_credentials();
        co_await a.sendmsg(kOneByte, out);
        auto m = co_await b.recvmsg(16, cmsg_space_for_fds(1) + cmsg_space_for_credentials());
        EXPECT_EQ(m.ancillary.fds.size(), 1u);
        EXPECT_TRUE(m.ancillary.credentials.has_value());
        if (!m.ancillary.fds.empty()) {
            EXPECT_EQ(read_all(m.ancillary.fds[0].get()), "both");
        }
    });
}

TEST(FileDescriptorType, OwnsAndReleases) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    {
        FileDescriptor r(pipe_fds[0]);
        FileDescriptor moved = std::move(r);
        EXPECT_FALSE(r.valid());
        EXPECT_TRUE(moved);
    }
    EXPECT_EQ(::fcntl(pipe_fds[0], F_GETFD), -1);  // closed by the owner
    FileDescriptor w(pipe_fds[1]);
    const int raw = w.release();
    EXPECT_FALSE(w.valid());
    EXPECT_EQ(::close(raw), 0);
}
