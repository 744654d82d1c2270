// create_tcp_listener / create_unix_listener (AnyIO's functions).
//
//     auto tcp = co_await create_tcp_listener({.local_port = 1234});
//     int port = tcp.extra<attr::local_port>();
//     auto unix = co_await create_unix_listener("/tmp/mysock");
//
// create_tcp_listener binds every address of `local_host` as one
// MultiListener: no host means both 0.0.0.0 and :: (the IPv6 socket with
// IPV6_V6ONLY, so the two do not collide), "localhost" means 127.0.0.1 and
// ::1 (an IPv6-less kernel is tolerated), a numeric host means itself, and
// any other name every address getaddrinfo (AI_PASSIVE) gives for it. With
// local_port 0 the first socket picks a free port and the others reuse it.
// SO_REUSEADDR is always set; reuse_port sets SO_REUSEPORT. The backlog is
// clamped by the kernel (net.core.somaxconn).
//
// create_unix_listener binds `path` (or an abstract name: leading '@' or
// NUL). The listener never removes its socket file (AnyIO's rule). An
// existing path is a clear error, unless replace_stale is set and the file
// is a socket nobody listens on (connect is refused): then it is replaced.
// A path that is not a socket is never removed. `mode` (e.g. 0660) is
// applied with chmod after bind.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "coronet/runtime/task.hpp"
#include "coronet/stream/multi_listener.hpp"
#include "coronet/stream/socket_listener.hpp"

namespace coronet {

struct TcpListenerOptions {
    // Strings are borrowed: read during the call itself (the options are
    // trivially destructible, which also sidesteps a g++ 12 bug with
    // temporaries holding a std::string inside co_await expressions).
    std::string_view local_host{};
    int local_port = 0;
    int family = AF_UNSPEC;
    int backlog = 65536;
    bool reuse_port = false;
};

struct UnixListenerOptions {
    std::optional<mode_t> mode{};
    int backlog = 65536;
    bool replace_stale = false;
};

Task<MultiListener<SocketStream>> create_tcp_listener(TcpListenerOptions options = {});

Task<UNIXListener> create_unix_listener(std::string path, UnixListenerOptions options = {});

}  // namespace coronet
