// A loopback address whose connect hangs: a TCP listener with backlog 0 and
// a full accept queue. Linux then drops further SYNs (the queue-full check
// comes before SYN cookies), so a new connect stays in SYN_SENT for minutes.
// The same technique as socket_connect_cancel_test.cpp, shared as a header
// for the tests that need a hanging attempt (happy eyeballs).
#pragma once

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <coronet/net/file_descriptor.hpp>
#include <coronet/net/socket.hpp>
#include <stdexcept>
#include <vector>

#include "net/net_test_support.hpp"

namespace net_test {

// A listener that never completes another handshake, and the connections
// that fill it (kept open for as long as the test needs the hang).
struct Unanswering {
    coronet::net::Socket listener;
    std::vector<coronet::net::FileDescriptor> fillers;
    SocketAddress address;
};

// The fillers use plain syscalls and poll(2): each must have completed (or be
// known to hang) before the next is made, which no loop scheduling may reorder.
inline Task<Unanswering> unanswering_listener(int family) {
    Unanswering u;
    u.listener = coronet::net::socket(family, SOCK_STREAM);
    co_await u.listener.bind(any_address(family));
    u.listener.listen(0);
    u.address = u.listener.getsockname();
    // Bounded: backlog 0 admits one connection; a few more tries absorb any
    // kernel that admits more.
    for (int i = 0; i < 16; ++i) {
        coronet::net::FileDescriptor fd(
            ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        const int rc = ::connect(fd.get(), u.address.native(), u.address.length());
        if (rc != 0 && errno != EINPROGRESS) throw std::runtime_error("filler connect failed");
        pollfd p{fd.get(), POLLOUT, 0};
        const bool completed = rc == 0 || ::poll(&p, 1, 200) == 1;
        u.fillers.push_back(std::move(fd));
        if (!completed) co_return u;  // this one hangs: so will the next
    }
    throw std::runtime_error("could not fill the accept queue");
}

// An address that refuses at once: a port that was bound and is closed again.
inline Task<SocketAddress> refusing_address(int family) {
    coronet::net::Socket s = coronet::net::socket(family, SOCK_STREAM);
    co_await s.bind(any_address(family));
    SocketAddress address = s.getsockname();
    s.close();
    co_return address;
}

// Open fds of this process (for "every socket was closed" checks).
inline int open_fd_count() {
    int count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
        ++count;
    return count;
}

}  // namespace net_test
