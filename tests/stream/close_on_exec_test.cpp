// Every fd the library opens is close-on-exec: the loop's own (epoll or
// io_uring, its wakeup fd), listeners, connected and accepted sockets (TCP
// and UNIX), UDP sockets, and fds received over SCM_RIGHTS, even when the
// sender's copy was not close-on-exec. A child started with plain exec (not
// the library's spawner, which closes everything anyway) would inherit any
// fd that is not.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <set>
#include <string>
#include <vector>

#include "stream/stream_test_support.hpp"

using namespace coronet;

namespace {

std::set<int> open_fds() {
    std::set<int> fds;
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return fds;
    const int own = ::dirfd(dir);
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        const int fd = std::stoi(e->d_name);
        if (fd != own) fds.insert(fd);
    }
    ::closedir(dir);
    return fds;
}

// The fds opened since `before` that would survive an exec.
std::vector<int> inheritable_since(const std::set<int>& before) {
    std::vector<int> out;
    for (int fd : open_fds()) {
        if (before.count(fd)) continue;
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) out.push_back(fd);
    }
    return out;
}

std::string describe(const std::vector<int>& fds) {
    std::string text;
    for (int fd : fds) {
        char target[256] = {};
        const std::string link = "/proc/self/fd/" + std::to_string(fd);
        const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
        text += std::to_string(fd) + " -> " + (n > 0 ? target : "?") + "\n";
    }
    return text;
}

}  // namespace

TEST(CloseOnExec, EveryFdTheLibraryOpensIncludingReceivedOnes) {
    const std::set<int> before = open_fds();
    std::vector<int> leaked;
    run([&]() -> Task<void> {
        auto tcp = co_await stream_test::tcp_pair("127.0.0.1");
        auto tcp_listener = co_await create_tcp_listener({.local_host = "127.0.0.1"});
        auto unix_streams = co_await stream_test::unix_pair();
        auto udp = co_await create_udp_socket({.local_host = "127.0.0.1"});

        // An fd sent without close-on-exec arrives with it.
        int plain[2];
        CO_ASSERT(::pipe(plain) == 0);
        co_await unix_streams.first.send_fds("fd", std::array{plain[0]});
        ReceivedFds got = co_await unix_streams.second.receive_fds(16, 1);
        CO_ASSERT(got.fds.size() == 1u);
        ::close(plain[0]);
        ::close(plain[1]);

        leaked = inheritable_since(before);

        co_await tcp.first.aclose();
        co_await tcp.second.aclose();
        co_await tcp_listener.aclose();
        co_await unix_streams.first.aclose();
        co_await unix_streams.second.aclose();
        co_await udp.aclose();
    });
    EXPECT_TRUE(leaked.empty()) << "fds without FD_CLOEXEC:\n" << describe(leaked);
}
