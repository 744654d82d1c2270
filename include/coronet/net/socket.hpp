// Socket: the low-level async socket object (trio.socket's socket).
//
//     Socket listener = net::socket(AF_INET, SOCK_STREAM);
//     co_await listener.bind(SocketAddress::ipv4("127.0.0.1", 0));
//     listener.listen();
//     auto [client, peer] = co_await listener.accept();
//     Bytes request = co_await client.recv(4096);
//     co_await client.send("HTTP/1.0 204 No Content\r\n\r\n");
//
// It mirrors Python's socket object the way Trio does: blocking calls become
// `co_await`ed ones (each a checkpoint: it raises Cancelled inside a cancelled
// scope), the others stay synchronous. Addresses are SocketAddress values,
// already numeric (a resolver-aware connect on host names belongs to the
// resolver, which builds on this class).
//
// Every Socket owns its fd: move-only, closed by the destructor, always
// non-blocking and close-on-exec. SIGPIPE never fires (the backend sends with
// MSG_NOSIGNAL). All waiting goes through the loop's backend driver, so the
// same code runs on epoll and io_uring.
//
// Semantics taken from Trio:
//  * a cancelled connect() closes the socket before raising Cancelled: the
//    connection attempt cannot be reliably undone, so the socket is unusable;
//  * close() wakes a task blocked on this socket with ClosedResourceError (not
//    Cancelled); any operation after close() raises ClosedResourceError;
//  * did_shutdown_SHUT_WR() remembers a shutdown(SHUT_WR | SHUT_RDWR).
// Deliberately absent, as in Trio: settimeout/setblocking (use cancel scopes;
// the fd is always non-blocking) and makefile (a synchronous file API cannot
// sit on an async socket). There is no sendall either: use sock_sendall (the
// asyncio name) or the stream layer's send.
//
// Lifetime: destroying a Socket while a task is awaiting one of its
// operations is a bug (the task would resume on a dead object); close() it
// instead, which is what wakes that task.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "coronet/base/bytes.hpp"
#include "coronet/net/ancillary.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::net {

class Socket;
namespace detail {
struct SocketAccess;
}

// accept(): the connected socket and the peer's address.
struct Accepted;
// recvfrom() / recvfrom_into().
struct ReceivedFrom;
struct ReceivedFromInto;
// recvmsg() / recvmsg_into().
struct ReceivedMessage;
struct ReceivedMessageInto;

class Socket {
  public:
    // A Socket that owns nothing (fileno() == -1; every operation raises
    // ClosedResourceError). The constructors are the free functions below.
    Socket() noexcept = default;
    Socket(Socket&& other) noexcept;
    Socket& operator=(Socket&& other) noexcept;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() { close(); }

    // --- identity (valid after close too) ---
    int family() const noexcept { return family_; }
    int type() const noexcept { return type_; }
    int proto() const noexcept { return proto_; }
    // The fd, or -1 once closed or detached.
    int fileno() const noexcept { return fd_; }
    bool is_closed() const noexcept { return fd_ < 0; }

    // --- synchronous calls ---
    void listen(int backlog = SOMAXCONN);
    SocketAddress getpeername() const;
    SocketAddress getsockname() const;
    // Closes the fd; idempotent and noexcept. Operations pending on this
    // socket in other tasks end with ClosedResourceError.
    void close() noexcept;
    // shutdown(2); SHUT_WR and SHUT_RDWR set did_shutdown_SHUT_WR().
    void shutdown(int how);
    bool did_shutdown_SHUT_WR() const noexcept { return did_shutdown_wr_; }  // NOLINT: Trio's name
    // Socket options: integer, boolean and raw forms (typed helpers for the
    // common ones are in socket_options.hpp).
    void setsockopt(int level, int name, int value);
    void setsockopt(int level, int name, bool value) { setsockopt(level, name, value ? 1 : 0); }
    void setsockopt(int level, int name, BytesView value);
    int getsockopt(int level, int name) const;
    Bytes getsockopt(int level, int name, std::size_t max_length) const;
    // A new Socket on a dup of the fd (close-on-exec, like every coronet fd).
    Socket dup() const;
    // Gives up the fd without closing it: the caller owns it now. On
    // io_uring a TCP socket that has been read with receive() keeps one
    // receive armed in the loop, which may already hold bytes that came after
    // the last receive() returned (is_readable() says so); those stay with
    // the loop and are dropped here. Detach before reading, or once the peer
    // has nothing more to send.
    [[nodiscard]] int detach() noexcept;
    void set_inheritable(bool inheritable);
    bool get_inheritable() const;
    // Whether a recv would not block now (data, EOF or an error pending);
    // synchronous, as in Trio.
    bool is_readable() const;

    // --- asynchronous calls ---
    Task<Accepted> accept();
    // Validates and binds. Async so that a future resolver-aware overload
    // (host names) keeps the same shape, as in Trio.
    Task<void> bind(SocketAddress address);
    // Connects; raises OSError (errno, "connect", the address) on failure.
    // Cancelled midway: the socket is closed, then Cancelled propagates.
    Task<void> connect(SocketAddress address);

    // Up to max_bytes (an empty result means EOF on a stream socket). For
    // stream sockets one call returns at most the driver's provided-buffer
    // size (64 KiB by default): a waiting socket holds no buffer of its own.
    Task<Bytes> recv(std::size_t max_bytes, int flags = 0);
    Task<std::size_t> recv_into(std::span<std::byte> buffer, int flags = 0);
    Task<ReceivedFrom> recvfrom(std::size_t max_bytes, int flags = 0);
    Task<ReceivedFromInto> recvfrom_into(std::span<std::byte> buffer, int flags = 0);
    // `ancbufsize` is the control buffer size in bytes (see cmsg_space_for_*).
    Task<ReceivedMessage> recvmsg(std::size_t bufsize, std::size_t ancbufsize = 0, int flags = 0);
    Task<ReceivedMessageInto> recvmsg_into(std::span<const std::span<std::byte>> buffers,
                                           std::size_t ancbufsize = 0, int flags = 0);

    // Bytes sent (possibly fewer than given, as send(2)).
    Task<std::size_t> send(BytesView data, int flags = 0);
    Task<std::size_t> sendto(BytesView data, SocketAddress address, int flags = 0);
    Task<std::size_t> sendmsg(std::span<const BytesView> buffers, Ancillary ancillary = {},
                              int flags = 0, std::optional<SocketAddress> address = {});
    // Sends `count` bytes of `file_fd` from `offset` (SIZE_MAX: to the end of
    // the file) with zero-copy sendfile(2), waiting for writability as needed.
    // Returns the bytes sent (fewer than count only at end of file).
    Task<std::size_t> sendfile(int file_fd, std::uint64_t offset = 0, std::size_t count = SIZE_MAX);

    // Waits until a send would not block (or an error is pending).
    Task<void> wait_writable();

  private:
    friend struct detail::SocketAccess;

    // The fd for an operation named `what`, or ClosedResourceError.
    int fd_for(const char* what) const;
    // After an await: raises ClosedResourceError if close() ran meanwhile
    // (its -ECANCELED is not the caller's cancellation), else returns result.
    int after_wait(int result, const char* what) const;

    int fd_ = -1;
    int family_ = AF_UNSPEC;
    int type_ = 0;
    int proto_ = 0;
    bool did_shutdown_wr_ = false;
};

struct Accepted {
    Socket socket;
    SocketAddress address;
};

struct ReceivedFrom {
    Bytes data;
    SocketAddress address;
};

struct ReceivedFromInto {
    std::size_t nbytes = 0;
    SocketAddress address;
};

struct ReceivedMessage {
    Bytes data;
    ReceivedAncillary ancillary;
    int msg_flags = 0;  // MSG_TRUNC, MSG_CTRUNC, MSG_EOR, ...
    SocketAddress address;
};

struct ReceivedMessageInto {
    std::size_t nbytes = 0;
    ReceivedAncillary ancillary;
    int msg_flags = 0;
    SocketAddress address;
};

// --- constructors (trio.socket's module functions) ---

// A new socket: non-blocking, close-on-exec.
Socket socket(int family = AF_INET, int type = SOCK_STREAM, int proto = 0);
// A connected pair (AF_UNIX by default).
std::pair<Socket, Socket> socketpair(int family = AF_UNIX, int type = SOCK_STREAM, int proto = 0);
// A Socket on a dup of `fd` (the caller keeps `fd`). family/type/proto of 0
// are asked from the kernel.
Socket fromfd(int fd, int family = 0, int type = 0, int proto = 0);
// Adopts `fd` (the Socket closes it from now on), making it non-blocking and
// close-on-exec. An fd that is not a socket is std::invalid_argument and
// stays the caller's.
Socket from_native(int fd);

}  // namespace coronet::net
