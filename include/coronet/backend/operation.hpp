// One kernel operation in flight: the unit the backend drivers execute.
//
// coronet's backend is operation-based, not readiness-based (DESIGN.md §3):
// the caller fills an `Operation` (what to do, on which fd, with which buffer)
// and hands it to `Driver::start`. epoll performs it as "try the syscall, wait
// for readiness on EAGAIN, retry"; io_uring submits it as a real operation.
//
// Ownership rule, shared by both drivers: from `start` until its completion
// callback has run, the operation and every buffer it points to belong to the
// driver. The owner must keep them alive and untouched until then, even after
// asking for cancellation: `cancel` only requests; the completion (with
// -ECANCELED or with whatever the kernel finished first) always follows.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

#include "coronet/backend/clock.hpp"

namespace coronet::backend {

enum class OpCode : std::uint8_t {
    accept,         // accept4(fd, address, address_length, SOCK_NONBLOCK|SOCK_CLOEXEC)
    connect,        // connect(fd, connect_address, connect_length)
    recv,           // recv(fd, buffer, length, flags) into the caller's buffer
    recv_provided,  // recv of up to `length` bytes into a buffer the driver supplies
    recvmsg,        // recvmsg(fd, message, flags)
    recvfrom,       // recvfrom(fd, buffer, length, flags, address, address_length)
    send,           // send(fd, buffer, length, flags | MSG_NOSIGNAL)
    sendmsg,        // sendmsg(fd, message, flags | MSG_NOSIGNAL)
    sendto,         // sendto(fd, buffer, length, flags | MSG_NOSIGNAL, connect_address, ...)
    poll,           // wait until `poll_events` (POLLIN/POLLOUT) is ready; result = revents
    timeout,        // complete at `deadline` (result 0), or -ECANCELED if cancelled
};

const char* to_string(OpCode code) noexcept;

struct Operation;
// Runs on the loop's thread when the operation's result is final. Must not
// throw. It may start new operations, including on the same fd.
using CompletionFn = void (*)(Operation& op) noexcept;

// A buffer the driver lent to a finished `recv_provided`; give it back with
// `Driver::release_buffer` once the bytes are consumed.
struct ProvidedBuffer {
    std::byte* data = nullptr;
    std::uint32_t id = 0;
    bool valid() const noexcept { return data != nullptr; }
};

// The fields every receive and send touches come first, within 64 bytes: with
// a thousand connections each event's operation is a cold cache line, and the
// order used to spread one completion over three of them.
struct Operation {
    OpCode code = OpCode::poll;
    // send on a connected byte-stream socket: the driver may queue it with the
    // loop's other requests rather than call send() at once. io_uring does, so
    // a thousand connections' replies cost one io_uring_enter instead of a
    // thousand send calls. Only where a short send is an ordinary result: on
    // a datagram socket the kernel's retry of a queued send on a full queue
    // can fail it with EMSGSIZE.
    // recv_provided (flags 0) on a byte-stream socket: the driver may keep
    // receiving on the fd between operations and hand what came to the next
    // one (io_uring's multishot recv: one request per connection instead of
    // one per receive). Not for datagrams, whose boundaries a stash would lose.
    bool byte_stream = false;
    std::uint8_t state = 0;             // driver-private: driver-defined
    std::uint8_t cancel_requested = 0;  // driver-private
    int fd = -1;
    // MSG_* flags for send/recv family; ignored elsewhere.
    int flags = 0;
    // After completion: >= 0 is the call's value (bytes, accepted fd, revents),
    // < 0 is -errno.
    int result = 0;

    CompletionFn on_complete = nullptr;
    // Free for the owner (a task, a transport); drivers never touch it.
    void* context = nullptr;

    // Arguments (which ones are read depends on `code`).
    void* buffer = nullptr;
    std::size_t length = 0;

    // Driver-private: the wait queue or list the operation is on.
    Operation* next = nullptr;
    Operation* prev = nullptr;

    // Result of recv_provided: the bytes are provided.data[0 .. result).
    ProvidedBuffer provided;

    short poll_events = 0;
    socklen_t connect_length = 0;
    msghdr* message = nullptr;
    sockaddr* address = nullptr;                // accept/recvfrom: where the peer goes
    socklen_t* address_length = nullptr;        // accept/recvfrom: in/out length
    const sockaddr* connect_address = nullptr;  // connect/sendto: destination
    TimePoint deadline{};

    // --- driver-private timer bookkeeping ---
    std::uint64_t sequence = 0;    // timers: FIFO order among equal deadlines
    std::uint32_t heap_index = 0;  // timers: position in the heap

    bool succeeded() const noexcept { return result >= 0; }
};
static_assert(offsetof(Operation, prev) + sizeof(Operation*) <= 64,
              "the hot fields of Operation no longer fit one cache line");

}  // namespace coronet::backend
