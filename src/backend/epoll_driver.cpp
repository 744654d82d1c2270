#include "epoll_driver.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <system_error>

#include "syscall_ops.hpp"

namespace coronet::backend {
namespace {

constexpr int kMaxEvents = 256;
constexpr std::uint64_t kWakeToken = UINT64_MAX;
// Put in place of the fd in an event still to be dispatched whose fd a
// completion forgot: the event was about the old file. Never a valid fd
// index, so the dispatch loop passes over it.
constexpr std::uint64_t kForgottenToken = UINT64_MAX - 1;
// attempt()'s "not ready: wait for readiness and retry". Distinct from
// -EAGAIN, which a connect to a UNIX listener with a full backlog returns as
// a final error.
constexpr int kNotReady = INT_MIN;

// How long a wait on an fd registered before it may go without any event
// before the registration is re-checked (one EPOLL_CTL_ADD: EEXIST means it is
// live). The check is for fds closed without forget_fd and reused: the kernel
// dropped the old file's registration, the new file has none, and without a
// check its operations would wait forever. Checking every wait would put an
// epoll_ctl on the hot path (DESIGN.md section 3); checking only waits that
// have been quiet this long costs at most one syscall per such wait, and
// nothing for a wait that an event ends sooner. Each wait already costs a
// syscall and an epoll_wait, so this is noise next to a quiet 100 ms. An
// identity check at wait time (fstat, SO_COOKIE) would itself be a syscall
// per wait, and nothing cheaper names the file behind an fd number.
constexpr auto kRegistrationCheckDelay = std::chrono::milliseconds(100);

epoll_event registration_event(int fd) noexcept {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u64 = static_cast<std::uint32_t>(fd);
    return event;
}

int not_ready_if_eagain(int result) noexcept {
    return result == -EAGAIN ? kNotReady : result;
}

short poll_bits(std::uint32_t epoll_events) noexcept {
    short bits = 0;
    if (epoll_events & EPOLLIN) bits |= POLLIN;
    if (epoll_events & EPOLLOUT) bits |= POLLOUT;
    if (epoll_events & EPOLLERR) bits |= POLLERR;
    if (epoll_events & EPOLLHUP) bits |= POLLHUP;
    if (epoll_events & EPOLLRDHUP) bits |= POLLRDHUP;
    if (epoll_events & EPOLLPRI) bits |= POLLPRI;
    return bits;
}

bool waits_for_output(const Operation& op) noexcept {
    switch (op.code) {
        case OpCode::connect:
        case OpCode::send:
        case OpCode::sendmsg:
        case OpCode::sendto:
            return true;
        case OpCode::poll:
            return (op.poll_events & POLLOUT) && !(op.poll_events & POLLIN);
        default:
            return false;
    }
}

// recv/recv_provided whose result says something about the receive queue:
// MSG_PEEK leaves the data there, MSG_OOB and MSG_ERRQUEUE read other queues.
bool is_plain_read(const Operation& op) noexcept {
    return (op.code == OpCode::recv || op.code == OpCode::recv_provided) &&
           (op.flags & (MSG_PEEK | MSG_OOB | MSG_ERRQUEUE)) == 0;
}

bool is_stream_socket(int fd) noexcept {
    int type = 0;
    socklen_t length = sizeof type;
    return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == SOCK_STREAM;
}

}  // namespace

EpollDriver::EpollDriver(const DriverOptions& options)
    : clock_(options.clock ? *options.clock : MonotonicClock::instance()),
      pool_(options.provided_buffer_size, options.provided_buffer_count) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        const int error = errno;
        ::close(epoll_fd_);
        throw std::system_error(error, std::generic_category(), "eventfd");
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kWakeToken;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) < 0) {
        const int error = errno;
        ::close(wake_fd_);
        ::close(epoll_fd_);
        throw std::system_error(error, std::generic_category(), "epoll_ctl(eventfd)");
    }
}

EpollDriver::~EpollDriver() {
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

DriverFeatures EpollDriver::features() const noexcept {
    DriverFeatures f;
    f.provided_buffer_size = pool_.buffer_size();
    return f;
}

EpollDriver::FdState& EpollDriver::fd_state(int fd) {
    if (static_cast<std::size_t>(fd) >= fds_.size()) {
        fds_.resize(std::max<std::size_t>(static_cast<std::size_t>(fd) + 1, fds_.size() * 2));
    }
    return fds_[static_cast<std::size_t>(fd)];
}

int EpollDriver::attempt(Operation& op, std::uint32_t ready_events) {
    // Receives and sends are nearly every attempt, so they are decided
    // first and call recv(2) and send(2) themselves rather than through
    // perform_syscall's switch over every code; the rest are in attempt_other.
    switch (op.code) {
        case OpCode::recv_provided: {
            const int result = recv_into_pool(pool_, op);
            note_read(op, std::min(op.length, pool_.buffer_size()), result);
            return not_ready_if_eagain(result);
        }
        case OpCode::recv: {
            const int result = recv_into(op.fd, op.buffer, op.length, op.flags);
            note_read(op, op.length, result);
            return not_ready_if_eagain(result);
        }
        case OpCode::send:
            return not_ready_if_eagain(send_from(op.fd, op.buffer, op.length, op.flags));
        default:
            return attempt_other(op, ready_events);
    }
}

int EpollDriver::attempt_other(Operation& op, std::uint32_t ready_events) {
    switch (op.code) {
        case OpCode::poll: {
            short revents = 0;
            if (ready_events) {
                revents = poll_bits(ready_events);
            } else {
                // First try: ask the kernel, because an edge that already
                // happened will not be reported again.
                pollfd probe{op.fd, op.poll_events, 0};
                const int rc = ::poll(&probe, 1, 0);
                if (rc < 0) return -errno;
                revents = probe.revents;
            }
            if (revents & POLLNVAL) return -EBADF;
            revents &= static_cast<short>(op.poll_events | POLLERR | POLLHUP);
            return revents ? revents : kNotReady;
        }
        case OpCode::connect: {
            if (op.state == waiting_fd) return finish_connect(op.fd);
            const int result = perform_syscall(op);
            return result == -EINPROGRESS ? kNotReady : result;
        }
        case OpCode::timeout:
            return -EINVAL;
        default:
            return not_ready_if_eagain(perform_syscall(op));
    }
}

bool EpollDriver::known_empty(const Operation& op) const noexcept {
    if (!is_plain_read(op) || op.fd < 0 || static_cast<std::size_t>(op.fd) >= fds_.size()) {
        return false;
    }
    const FdState& state = fds_[static_cast<std::size_t>(op.fd)];
    return state.registered && state.stream && state.drained;
}

void EpollDriver::note_read(const Operation& op, std::size_t asked, int result) noexcept {
    if (!is_plain_read(op) || static_cast<std::size_t>(op.fd) >= fds_.size()) return;
    FdState& state = fds_[static_cast<std::size_t>(op.fd)];
    if (!state.registered || !state.stream || state.hung_up) return;
    // 0 is end of stream, which stays readable; an error is left to the caller.
    if (result == -EAGAIN || (result > 0 && static_cast<std::size_t>(result) < asked)) {
        state.drained = true;
    }
}

bool EpollDriver::start(Operation& op) {
    op.cancel_requested = 0;
    op.provided = {};
    if (op.code == OpCode::timeout) {
        if (op.deadline <= clock_.now()) {
            op.result = 0;
            return true;
        }
        op.state = waiting_timer;
        timers_.add(op);
        ++pending_;
        return false;
    }
    op.state = idle;
    if (known_empty(op)) {
        wait_on_fd(op);
        return false;
    }
    const int result = attempt(op, 0);
    if (result != kNotReady) {
        op.result = result;
        return true;
    }
    wait_on_fd(op);
    return false;
}

void EpollDriver::wait_on_fd(Operation& op) {
    FdState& state = fd_state(op.fd);
    if (state.registered) {
        // Registered earlier, maybe for a file closed since without forget_fd:
        // re-checked if this wait goes quiet (kRegistrationCheckDelay).
        if (!state.check_queued) queue_check(op.fd, state);
    } else {
        epoll_event event = registration_event(op.fd);
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, op.fd, &event) < 0 && errno != EEXIST) {
            // Not pollable (a regular file) or a bad fd: finish with the error
            // through the normal completion path.
            op.state = waiting_fd;
            ++pending_;
            defer_completion(op, -errno);
            return;
        }
        state.registered = true;
        state.stream = is_stream_socket(op.fd);
        state.drained = false;
        state.hung_up = false;
    }
    op.state = waiting_fd;
    ++pending_;
    (waits_for_output(op) ? state.writers : state.readers).push_back(op);
}

void EpollDriver::cancel(Operation& op) noexcept {
    op.cancel_requested = 1;
    if (op.state == waiting_timer) {
        timers_.remove(op);
        defer_completion(op, -ECANCELED);
    } else if (op.state == waiting_fd) {
        // The waiters still to be retried are the front of the list up to
        // retrying_last_, so the one before it is the new last.
        if (&op == retrying_last_) retrying_last_ = op.prev;
        FdState& state = fds_[static_cast<std::size_t>(op.fd)];
        (waits_for_output(op) ? state.writers : state.readers).remove(op);
        defer_completion(op, -ECANCELED);
    }
}

bool EpollDriver::remove_timer(Operation& op) noexcept {
    if (op.state != waiting_timer || !timers_.remove(op)) return false;
    op.state = idle;
    --pending_;
    return true;
}

void EpollDriver::defer_completion(Operation& op, int result) noexcept {
    op.result = result;
    op.state = finished;
    finished_.push_back(op);
}

void EpollDriver::complete(Operation& op, int result, std::size_t& ran) noexcept {
    op.result = result;
    op.state = idle;
    --pending_;
    ++ran;
    op.on_complete(op);
}

void EpollDriver::retry_waiters(int fd, bool readers, std::uint32_t events, std::size_t& ran) {
    const auto index = static_cast<std::size_t>(fd);
    const std::uint32_t generation = fds_[index].generation;
    // Retried in place, from the front up to the waiter that was last when the
    // event came. A completion may run user code (an asyncio protocol's
    // callback) that starts operations on this fd (they queue behind that last
    // one), cancels one still to be retried (cancel() keeps retrying_last_
    // right), forgets the fd, or grows fds_ (so the state is looked up afresh
    // each time). Detached into a local list instead, a waiter cancelled from
    // there was unlinked from a list it was not in and completed twice.
    auto waiters = [&]() -> OpList& {
        FdState& state = fds_[index];
        return readers ? state.readers : state.writers;
    };
    retrying_last_ = waiters().back();
    while (retrying_last_) {
        // Forgotten by a completion: forget_fd gave every waiter back, and the
        // fd number may now be another file's.
        if (fds_[index].generation != generation) break;
        Operation* op = waiters().pop_front();
        if (!op) break;
        if (op == retrying_last_) retrying_last_ = nullptr;
        const int result = attempt(*op, op->code == OpCode::poll ? events : 0);
        if (result == kNotReady) {
            waiters().push_back(*op);
            continue;
        }
        complete(*op, result, ran);
    }
    retrying_last_ = nullptr;
}

// With a thousand connections, what an event touches is rarely in cache: its
// fd's state, the operation waiting there, and the owner the completion goes
// to. A miss on each, in turn, costs more than the rest of the event's user
// space work, so while event i runs, the next three are fetched a step each:
// i+3's fd state, i+2's waiting operation (whose fd state came a step
// earlier), i+1's owner (whose operation came a step earlier).
const Operation* EpollDriver::first_waiter(const epoll_event& event) const noexcept {
    const std::size_t fd = static_cast<std::size_t>(event.data.u64);
    if (event.data.u64 == kWakeToken || fd >= fds_.size()) return nullptr;
    const FdState& state = fds_[fd];
    return (event.events & EPOLLIN) ? state.readers.front() : state.writers.front();
}

void EpollDriver::prefetch_ahead(const epoll_event* events, int at, int count) const noexcept {
    if (at + 3 < count && events[at + 3].data.u64 < fds_.size()) {
        __builtin_prefetch(&fds_[static_cast<std::size_t>(events[at + 3].data.u64)], 1);
    }
    if (at + 2 < count) {
        if (const Operation* op = first_waiter(events[at + 2])) {
            // Operations sit in their owners at any 8-byte boundary: the hot
            // first 64 bytes may span two lines.
            __builtin_prefetch(op, 1);
            __builtin_prefetch(reinterpret_cast<const char*>(op) + 63, 1);
        }
    }
    if (at + 1 < count) {
        // Reading op->context is safe: an operation on a wait list is alive
        // (the ownership rule). What it points to is only a hint, and a
        // prefetch never faults.
        if (const Operation* op = first_waiter(events[at + 1])) __builtin_prefetch(op->context, 1);
    }
}

void EpollDriver::queue_check(int fd, FdState& state) {
    checks_.push_back({fd, state.generation, poll_time_ + kRegistrationCheckDelay});
    state.check_queued = true;
    state.quiet = true;
}

void EpollDriver::check_registrations(std::chrono::steady_clock::time_point now) noexcept {
    while (!checks_.empty() && checks_.front().due <= now) {
        const RegistrationCheck check = checks_.front();
        checks_.pop_front();
        FdState& state = fds_[static_cast<std::size_t>(check.fd)];
        if (state.generation != check.generation) continue;  // forgotten since
        state.check_queued = false;
        if (state.readers.empty() && state.writers.empty()) continue;
        if (!state.quiet) {
            // An event came, so the registration was live then; the fd may
            // have been reused since, so the wait in progress gets its turn.
            try {
                queue_check(check.fd, state);
            } catch (...) {
                // No memory for the entry: the next wait on this fd queues one.
            }
            continue;
        }
        epoll_event event = registration_event(check.fd);
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, check.fd, &event) == 0 || errno == EEXIST) {
            // A fresh registration reports what is ready at the next wait; no
            // knowledge about the old file's queue carries over.
            state.drained = false;
            state.hung_up = false;
            // Live (EEXIST), or stale and now registered: edge-triggered, the
            // add reports what is already ready at the next wait.
            continue;
        }
        // EBADF: closed and not reused; EPERM: reused by a file epoll cannot
        // watch. Either way the waiters would wait forever: tell them.
        const int error = errno;
        while (Operation* op = state.readers.pop_front())
            defer_completion(*op, -error);
        while (Operation* op = state.writers.pop_front())
            defer_completion(*op, -error);
        state.registered = false;
    }
}

// One epoll wait: the number of events, or -1 when a signal interrupted it.
int EpollDriver::wait_for_events(epoll_event* events, std::optional<Duration> timeout) {
    int count;
    for (;;) {
        if (have_epoll_pwait2_) {
            timespec ts{};
            timespec* tsp = nullptr;
            if (timeout) {
                const auto ns = timeout->count();
                ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
                ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
                tsp = &ts;
            }
            count = ::epoll_pwait2(epoll_fd_, events, kMaxEvents, tsp, nullptr);
            if (count < 0 && errno == ENOSYS) {
                have_epoll_pwait2_ = false;
                continue;
            }
        } else {
            int ms = -1;
            if (timeout) {
                // Round up so a timer is never woken before its deadline.
                const auto us = (timeout->count() + 999'999) / 1'000'000;
                ms = static_cast<int>(std::min<long long>(us, INT_MAX));
            }
            count = ::epoll_wait(epoll_fd_, events, kMaxEvents, ms);
        }
        if (count >= 0) break;
        if (errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "epoll_wait");
        }
        // Interrupted: the caller decides whether to wait again.
        count = -1;
        break;
    }
    return count;
}

std::size_t EpollDriver::poll(std::optional<Duration> timeout) {
    using SteadyClock = std::chrono::steady_clock;
    std::size_t ran = 0;
    if (!finished_.empty()) timeout = Duration::zero();
    if (auto deadline = timers_.next_deadline(); deadline && !clock_.is_mock()) {
        const Duration until = std::max(Duration::zero(), *deadline - clock_.now());
        if (!timeout || until < *timeout) timeout = until;
    }

    epoll_event events[kMaxEvents];
    int count;
    // What is left of the timeout after a check or an interruption is
    // measured from here. Only a bounded, non-zero wait needs it (a zero
    // timeout ends after one wait, an unbounded one has nothing to measure):
    // a busy loop polls with zero or no timeout, and skips the clock read.
    const bool timed = timeout && *timeout > Duration::zero();
    const auto wait_start = timed ? SteadyClock::now() : poll_time_;
    std::optional<Duration> left = timeout;
    for (;;) {
        // A due registration check shortens the wait; when it (or an
        // interruption) is what ended the wait, run it and wait out the rest,
        // so the caller still sees poll() return only at its timeout, after a
        // wake(), or with callbacks run.
        std::optional<Duration> slice = left;
        bool for_check = false;
        if (!checks_.empty()) {
            const Duration until = std::max<Duration>(
                Duration::zero(), checks_.front().due - std::max(poll_time_, wait_start));
            if (!slice || until < *slice) {
                slice = until;
                for_check = true;
            }
        }
        count = wait_for_events(events, slice);
        poll_time_ = SteadyClock::now();
        if (count > 0) break;
        if (count == 0 && !for_check) break;
        // Interrupted (a signal, or io_uring task work aimed at this thread,
        // which interrupts waits with no signal at all): nothing happened
        // here, so keep waiting; signals are read from signalfds, not here.
        if (count == 0) check_registrations(poll_time_);
        if (!finished_.empty()) break;
        if (timeout) {
            if (!timed) break;
            left = *timeout - (poll_time_ - wait_start);
            if (*left <= Duration::zero()) break;
        }
    }
    count = std::max(count, 0);

    dispatching_events_ = events;
    dispatch_count_ = count;
    for (int i = 0; i < count; ++i) {
        epoll_event& event = events[i];
        if (count > 1) prefetch_ahead(events, i, count);  // one event: nothing to fetch ahead
        if (event.data.u64 == kWakeToken) {
            // Drain first, then clear: cleared first, a wake() landing in
            // between would write, have its write drained here, and leave the
            // flag set with the eventfd empty, so every later wake() skipped
            // its write and the loop slept through them all. In this order a
            // wake() that sees the flag still set was queued before it, and
            // whatever it announced is handled after this poll.
            std::uint64_t drained;
            while (::read(wake_fd_, &drained, sizeof drained) < 0 && errno == EINTR) {
            }
            wake_pending_.store(false, std::memory_order_release);
            continue;
        }
        if (event.data.u64 == kForgottenToken || event.data.u64 >= fds_.size()) continue;
        const int fd = static_cast<int>(event.data.u64);
        dispatching_at_ = i;
        const std::uint32_t e = event.events;
        FdState& state = fds_[static_cast<std::size_t>(fd)];
        state.quiet = false;
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR | EPOLLPRI)) state.drained = false;
        if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) state.hung_up = true;
        // Edge-triggered events carry every ready bit, so a readable socket
        // also reports EPOLLOUT: most events have one side with no waiter.
        if ((e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR | EPOLLPRI)) &&
            !state.readers.empty()) {
            retry_waiters(fd, true, e, ran);
        }
        // A reader's completion may have forgotten the fd (forget_fd marked
        // this event) and a new file taken its number: the event says nothing
        // about that one's writers. It may also have grown fds_, so `state`
        // is not used past it.
        if ((e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && event.data.u64 != kForgottenToken &&
            !fds_[static_cast<std::size_t>(fd)].writers.empty()) {
            retry_waiters(fd, false, e, ran);
        }
    }

    dispatching_events_ = nullptr;

    if (!checks_.empty() && checks_.front().due <= poll_time_) check_registrations(poll_time_);

    if (!timers_.empty()) {
        // The real clock was read just after the wait (poll_time_): timers
        // fire no earlier than due, at most by this poll's callbacks later.
        const TimePoint now = &clock_ == &MonotonicClock::instance()
                                  ? std::chrono::time_point_cast<Duration>(poll_time_)
                                  : clock_.now();
        while (Operation* timer = timers_.pop_expired(now))
            complete(*timer, 0, ran);
    }

    // Callbacks below may cancel more operations; those wait for the next poll
    // so one poll call is bounded.
    OpList cancelled = finished_.take();
    while (Operation* op = cancelled.pop_front())
        complete(*op, op->result, ran);
    return ran;
}

void EpollDriver::wake() noexcept {
    if (wake_pending_.exchange(true, std::memory_order_acq_rel)) return;
    const std::uint64_t one = 1;
    while (::write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

void EpollDriver::forget_fd(int fd) noexcept {
    if (fd < 0 || static_cast<std::size_t>(fd) >= fds_.size()) return;
    if (dispatching_events_) {
        // From a completion: this poll's events for the fd, the one being
        // dispatched and any later one, were about the file being forgotten,
        // and its number may be reused before they are done.
        for (int k = dispatching_at_; k < dispatch_count_; ++k) {
            if (dispatching_events_[k].data.u64 == static_cast<std::uint64_t>(fd)) {
                dispatching_events_[k].data.u64 = kForgottenToken;
            }
        }
    }
    FdState& state = fds_[static_cast<std::size_t>(fd)];
    while (Operation* op = state.readers.pop_front())
        defer_completion(*op, -ECANCELED);
    while (Operation* op = state.writers.pop_front())
        defer_completion(*op, -ECANCELED);
    if (state.registered) {
        // Explicit removal: a dup of this fd would otherwise keep the
        // registration alive and report events for a reused fd number.
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
        state.registered = false;
    }
    state.check_queued = false;  // its entry in checks_ is now of an old generation
    state.drained = false;
    state.hung_up = false;
    ++state.generation;
}

std::optional<TimePoint> EpollDriver::next_deadline() const noexcept {
    return timers_.next_deadline();
}

}  // namespace coronet::backend
