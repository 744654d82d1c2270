// UNIX datagram sockets (AnyIO's create_unix_datagram_socket /
// create_connected_unix_datagram_socket): UDP's API with paths instead of
// (host, port).
//
//     UNIXDatagramSocket dg = co_await create_unix_datagram_socket({.local_path = "/tmp/mysock"});
//     while (auto packet = co_await dg.next())
//         co_await dg.sendto(concat("Hello, ", packet->data), packet->path);
//
//     ConnectedUNIXDatagramSocket log =
//         co_await create_connected_unix_datagram_socket({.remote_path = "/dev/log"});
//     co_await log.send("Hi there!\n");
//
// Paths:
//  * a filesystem path, at most 107 bytes (sun_path);
//  * a Linux abstract name, spelled with a leading NUL byte as in Python:
//    std::string("\0name", 5) (no file; gone with the last socket);
//  * no local_path: the socket stays unnamed. It can send, but nobody can
//    address a reply to it; a received datagram from such a socket has the
//    path "", and sendto("") is std::invalid_argument.
// The socket file of a bound path is NOT removed on close (AnyIO's UNIX
// listeners behave the same): remove it yourself. Binding to a path that
// exists is OSError(EADDRINUSE) saying so, unless replace_stale is set and
// the path is a socket file, which is then removed first.
//
// The option structs hold string views (see udp_socket.hpp for why): the
// paths only need to outlive the co_await of the factory.
//
// Delivery between UNIX datagram sockets is reliable and ordered: the kernel
// makes a sender wait (here: suspends its task) while the receiver's queue is
// full, instead of dropping (on epoll; on io_uring such a waiting send
// fails with EMSGSIZE for now: docs/datagrams.md, "Known issues").
//
// Shared rules (whole datagrams, one receiver at a time, close wakes a
// waiting receiver with ClosedResourceError, errors) are in
// datagram_socket_base.hpp.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "coronet/base/bytes.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/stream/datagram_socket_base.hpp"

namespace coronet {

// A received datagram and its sender's path ("" when the sender is unnamed,
// "\0name" for an abstract name).
struct UNIXDatagramPacket {
    Bytes data;
    std::string path;
};

struct UNIXDatagramSocketOptions {
    // Where to bind; "" leaves the socket unnamed.
    std::string_view local_path{};
    // chmod for the socket file (filesystem paths only).
    std::optional<mode_t> local_mode{};
    // Remove an existing socket file at local_path before binding.
    bool replace_stale = false;
};

struct ConnectedUNIXDatagramSocketOptions {
    std::string_view remote_path{};
    std::string_view local_path{};
    std::optional<mode_t> local_mode{};
    bool replace_stale = false;
};

class UNIXDatagramSocket : public DatagramSocketBase {
  public:
    // Wraps a SOCK_DGRAM AF_UNIX socket (std::invalid_argument for any other).
    static UNIXDatagramSocket from_socket(net::Socket socket);

    Task<UNIXDatagramPacket> receive();
    // receive(), or nullopt once the socket is closed: the `async for` loop.
    Task<std::optional<UNIXDatagramPacket>> next();
    // Sends one datagram to `path`. OSError on failure: ENOENT (no such
    // socket), ECONNREFUSED (a file nobody listens on), EMSGSIZE, ...
    Task<void> sendto(BytesView data, std::string_view path);
    Task<void> send(const UNIXDatagramPacket& packet);

    // The bound path ("" if unnamed, "\0name" if abstract).
    std::string local_path() const;

  private:
    using DatagramSocketBase::DatagramSocketBase;
};

class ConnectedUNIXDatagramSocket : public DatagramSocketBase {
  public:
    // Wraps a connected SOCK_DGRAM AF_UNIX socket.
    static ConnectedUNIXDatagramSocket from_socket(net::Socket socket);

    Task<Bytes> receive();
    Task<std::optional<Bytes>> next();
    Task<void> send(BytesView data);

    std::string local_path() const;
    // The peer's path; valid after close too.
    const std::string& remote_path() const noexcept { return remote_path_; }

  private:
    ConnectedUNIXDatagramSocket(net::Socket socket, net::SocketAddress remote);

    net::SocketAddress remote_;
    std::string remote_path_;
};

Task<UNIXDatagramSocket> create_unix_datagram_socket(UNIXDatagramSocketOptions options = {});
// Connects to remote_path (bound first to local_path when given). OSError
// (ENOENT, ECONNREFUSED) when nothing is bound there.
Task<ConnectedUNIXDatagramSocket> create_connected_unix_datagram_socket(
    ConnectedUNIXDatagramSocketOptions options);

}  // namespace coronet
