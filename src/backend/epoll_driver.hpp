// The epoll implementation of Driver: "try the syscall; on EAGAIN wait for
// readiness; retry".
//
// Each fd is registered once, edge-triggered for both directions, the first
// time an operation on it has to wait; after that no epoll_ctl runs on the hot
// path. Waiting operations queue per fd and per direction; an edge retries
// them in order.
//
// Known-empty receive queues: once a stream socket's recv has come back
// short (fewer bytes than asked for) or with EAGAIN, its queue was empty at
// that moment, and any data arriving after it raises a new edge. Until that
// edge, a recv on it waits for readiness straight away instead of first
// trying a syscall that would fail with EAGAIN: a request/response server
// saves one recv per request. Only plain recv/recv_provided (no MSG_PEEK and
// the like) set or use this, and only on registered stream sockets (a short
// datagram read says nothing about the next datagram). Once the peer's FIN
// (or an error) has been reported, a short read is followed by end of stream
// with no further edge, so such an fd is never marked drained.
//
// A registration can go stale: if an fd is closed without forget_fd, the
// kernel drops its registration with the file, and a new file that gets the
// same number looks registered to us but is not. Waits on an fd registered
// earlier are therefore re-checked once they have gone kRegistrationCheckDelay
// without an event (see check_registrations in the .cpp).
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <vector>

#include "buffer_pool.hpp"
#include "coronet/backend/driver.hpp"
#include "op_list.hpp"
#include "timer_queue.hpp"

struct epoll_event;

namespace coronet::backend {

class EpollDriver final : public Driver {
  public:
    explicit EpollDriver(const DriverOptions& options);
    ~EpollDriver() override;

    std::string_view name() const noexcept override { return "epoll"; }
    DriverFeatures features() const noexcept override;
    Clock& clock() noexcept override { return clock_; }
    bool start(Operation& op) override;
    void cancel(Operation& op) noexcept override;
    bool remove_timer(Operation& op) noexcept override;
    std::size_t poll(std::optional<Duration> timeout) override;
    void wake() noexcept override;
    void forget_fd(int fd) noexcept override;
    bool holds_input(int) const noexcept override { return false; }
    void release_buffer(const ProvidedBuffer& buffer) noexcept override { pool_.give_back(buffer); }
    std::optional<TimePoint> next_deadline() const noexcept override;
    std::size_t pending() const noexcept override { return pending_; }

  private:
    struct FdState {
        OpList readers;
        OpList writers;
        std::uint32_t generation = 0;
        bool registered = false;
        bool check_queued = false;  // in checks_ (for this generation)
        bool quiet = false;         // no event since it was queued there
        bool stream = false;        // SOCK_STREAM (asked once, at registration)
        bool drained = false;       // receive queue known empty until the next edge
        bool hung_up = false;       // saw RDHUP/HUP/ERR: reads stay ready (EOF, error)
    };
    // A registration to re-check at `due` if the fd is still waiting then.
    struct RegistrationCheck {
        int fd;
        std::uint32_t generation;
        std::chrono::steady_clock::time_point due;
    };
    enum State : std::uint8_t { idle = 0, waiting_fd, waiting_timer, finished };

    // One attempt at op's call: its result, or kNotReady to wait for readiness.
    int attempt(Operation& op, std::uint32_t ready_events);
    // Every code but recv, recv_provided and send (poll, connect, accept, the
    // msg/to/from forms, timeout): kept out of line so that attempt, which
    // every receive and send runs, stays short.
    [[gnu::noinline]] int attempt_other(Operation& op, std::uint32_t ready_events);
    // Whether op is a plain read on a registered stream socket whose queue is
    // known empty: then trying it now would only return EAGAIN.
    bool known_empty(const Operation& op) const noexcept;
    // Records what a plain read's result says about its fd's receive queue.
    void note_read(const Operation& op, std::size_t asked, int result) noexcept;
    void wait_on_fd(Operation& op);
    FdState& fd_state(int fd);
    int wait_for_events(epoll_event* events, std::optional<Duration> timeout);
    void queue_check(int fd, FdState& state);
    void check_registrations(std::chrono::steady_clock::time_point now) noexcept;
    void retry_waiters(int fd, bool readers, std::uint32_t events, std::size_t& ran);
    const Operation* first_waiter(const epoll_event& event) const noexcept;
    void prefetch_ahead(const epoll_event* events, int at, int count) const noexcept;
    void complete(Operation& op, int result, std::size_t& ran) noexcept;
    void defer_completion(Operation& op, int result) noexcept;

    Clock& clock_;
    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::atomic<bool> wake_pending_{false};
    TimerQueue timers_;
    OpList finished_;  // cancelled operations whose callbacks run at the next poll
    // While retry_waiters runs: the last of the waiters it is retrying (they
    // are the front of their list, up to this one), or nullptr when done.
    Operation* retrying_last_ = nullptr;
    // While poll() dispatches: its events, and the one being dispatched
    // (forget_fd marks the fd's events from there on as stale).
    epoll_event* dispatching_events_ = nullptr;
    int dispatching_at_ = 0;
    int dispatch_count_ = 0;
    std::vector<FdState> fds_;
    // Oldest first (every entry is queued kRegistrationCheckDelay ahead).
    std::deque<RegistrationCheck> checks_;
    // Real time (a mock clock does not move the kernel), read once per poll.
    std::chrono::steady_clock::time_point poll_time_ = std::chrono::steady_clock::now();
    std::size_t pending_ = 0;
    BufferPool pool_;
    bool have_epoll_pwait2_ = true;
};

}  // namespace coronet::backend
