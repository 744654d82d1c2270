// The kernel interface every event loop runs on: one operation-based driver
// with an epoll and an io_uring implementation, chosen at run time.
//
// The runtime talks to the kernel only through this class, and tests can wrap
// a Driver (fault injection) because the loop holds it by this interface.
// Nothing here names an epoll or io_uring type.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "coronet/backend/clock.hpp"
#include "coronet/backend/operation.hpp"

namespace coronet::backend {

// What the running driver can do natively (for tests, diagnostics and the
// layers above, which never need to branch on it for correctness).
struct DriverFeatures {
    bool native_operations = false;  // ops are submitted to the kernel (io_uring)
    bool multishot_accept = false;
    // recv_provided on a byte stream keeps one multishot recv armed per fd:
    // data that arrives between two receives waits in the driver.
    bool multishot_recv = false;
    // A send with Operation::byte_stream is queued and goes to the kernel with
    // the loop's other requests: start() returns false and the completion
    // follows from poll(). Callers that would otherwise call send() at once
    // (the asyncio transports) copy small writes and queue them instead.
    bool batched_stream_sends = false;
    bool provided_buffer_ring = false;
    std::size_t provided_buffer_size = 0;
};

class Driver {
  public:
    virtual ~Driver() = default;
    Driver() = default;
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    // "epoll" or "io_uring" (a wrapping driver reports what it wraps).
    virtual std::string_view name() const noexcept = 0;
    virtual DriverFeatures features() const noexcept = 0;
    virtual Clock& clock() noexcept = 0;

    // Starts `op`. Returns true when it finished at once: `op.result` is set
    // and `on_complete` will NOT be called (the caller continues inline, which
    // is the fast path for a socket that already has data). Returns false when
    // it is pending: `on_complete` runs exactly once, later, from poll().
    virtual bool start(Operation& op) = 0;

    // Asks a pending operation to finish early. Its completion still arrives
    // from a later poll(), with -ECANCELED, or with the real result if the
    // kernel finished first; the buffer stays the driver's until then.
    virtual void cancel(Operation& op) noexcept = 0;

    // Removes a pending `timeout` operation at once. Returns true if it was
    // pending: then no completion follows and the operation is the caller's
    // again. Returns false otherwise (already fired, or not a timer). Cancel
    // scopes use it on their hot path: entering and leaving a scope with a
    // deadline must not cost a loop iteration.
    virtual bool remove_timer(Operation& op) noexcept = 0;

    // Waits up to `timeout` (nullopt: no limit; zero: do not block) for
    // completions and expired timers, running their callbacks. With a real
    // clock the wait also ends at the earliest timer; with a mock clock only
    // `timeout` bounds it (the loop jumps mock time). Returns how many
    // callbacks ran. Returns early after wake().
    virtual std::size_t poll(std::optional<Duration> timeout) = 0;

    // Makes a blocked or the next poll() return promptly. Any thread may call it.
    virtual void wake() noexcept = 0;

    // Call before closing an fd that operations ran on: pending operations on
    // it complete with -ECANCELED and per-fd state is dropped (Trio's
    // notify_closing), so a reused fd number starts clean.
    virtual void forget_fd(int fd) noexcept = 0;

    // Whether the driver holds bytes (or an end of stream) it received on
    // `fd` ahead of the caller (see Operation::byte_stream): the fd is then
    // readable for the caller even when the kernel says it is not.
    virtual bool holds_input(int fd) const noexcept = 0;

    // Returns the buffer of a finished recv_provided to the pool.
    virtual void release_buffer(const ProvidedBuffer& buffer) noexcept = 0;

    // Earliest pending timer, if any (the loop uses it to jump a mock clock).
    virtual std::optional<TimePoint> next_deadline() const noexcept = 0;

    // Operations started and not yet completed (timers included).
    virtual std::size_t pending() const noexcept = 0;
};

enum class BackendKind { automatic, epoll, io_uring };

struct DriverOptions {
    BackendKind kind = BackendKind::automatic;
    Clock* clock = nullptr;  // nullptr: the monotonic clock
    // Provided buffers for recv_provided (io_uring ring entries: power of two).
    // 64 KiB, the read size asyncio and libuv use: a bulk transfer then costs
    // one recv and one send per 64 KiB (16 KiB buffers made it four of each,
    // 0.8x the plain-epoll server's bytes/s). Memory is committed only where
    // data lands: a small message touches one page of its buffer.
    std::size_t provided_buffer_size = 64 * 1024;
    std::size_t provided_buffer_count = 256;
    std::size_t ring_entries = 1024;
};

// Reads CORONET_BACKEND (epoll | io_uring | auto); an unknown value throws
// std::invalid_argument naming it.
BackendKind backend_from_environment();

// Creates the driver `options.kind` asks for; `automatic` consults
// CORONET_BACKEND and then picks io_uring where the kernel allows it, epoll
// otherwise. An explicit request that cannot be honoured throws
// std::runtime_error saying why (e.g. "io_uring unavailable: ...").
std::unique_ptr<Driver> make_driver(DriverOptions options = {});

// Whether io_uring can be used here; when not, `why` (if given) says why.
bool io_uring_available(std::string* why = nullptr);

}  // namespace coronet::backend
