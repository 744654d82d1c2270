#include "uring_driver.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <chrono>
#include <exception>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

#include "syscall_ops.hpp"
#include "uring_driver_impl.hpp"

namespace coronet::backend {
namespace {

// user_data tags in the low bits of an 8-aligned pointer.
constexpr std::uint64_t kTagMask = 7;
constexpr std::uint64_t kTagOp = 0;
constexpr std::uint64_t kTagListener = 1;
constexpr std::uint64_t kTagWake = 2;
constexpr std::uint64_t kTagIgnore = 3;    // cancels: only the target's CQE matters
constexpr std::uint64_t kTagReceiver = 4;  // fd << 32 | generation << 3 | tag
static_assert(alignof(Operation) >= 8);

// attempt()'s "not ready: poll and retry" (-EAGAIN can be a final connect error).
constexpr int kNotReady = INT_MIN;
constexpr std::uint16_t kBufferGroup = 0;
constexpr int kAcceptFlags = SOCK_NONBLOCK | SOCK_CLOEXEC;

// How many connections a listener's multishot accept may take ahead of the
// accept calls that want them. Unbounded, a listener nobody accepts on turns
// every arriving connection into an fd of ours: the listen backlog never
// fills, so its back-pressure (the kernel dropping SYNs while the accept
// queue is full) stops working and a flood runs the process out of fds.
// Small, because the stash is only there so a burst arriving between two
// accept calls costs no SQE each. At the limit the multishot is cancelled and
// connections wait in the kernel's queue again. One wakeup of a multishot
// accept drains that whole queue, so the stash can overshoot by at most the
// listen backlog, once, before the cancel stops it.
constexpr std::size_t kAcceptStashLimit = 16;
// Re-arm once the stash has drained to this: re-arming just below the limit
// would cancel and resubmit the multishot on every accept of a busy listener.
constexpr std::size_t kAcceptStashResume = kAcceptStashLimit / 2;

// What a byte stream's multishot recv may take ahead of its reader. It is
// stopped once this many chunks wait (the kernel's socket buffer, and TCP's
// window, hold the rest, as they would with no request armed), and at most
// kRingStashLimit of them stay in ring buffers: the rest are copied to pool
// buffers, so connections nobody reads (a paused transport) cannot take the
// ring from those that do. A multishot can post a few more chunks before
// the cancel lands; those are copies too.
constexpr std::size_t kReceiveStashLimit = 2;
constexpr std::size_t kRingStashLimit = 1;
// A stashed chunk stays in its ring buffer only while more than this share
// of the ring is free for the receives in flight.
constexpr std::uint32_t kRingReserveDivisor = 8;

std::uint64_t receiver_data(int fd, std::uint16_t generation) noexcept {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(fd)) << 32) |
           (static_cast<std::uint64_t>(generation) << 3) | kTagReceiver;
}

std::uint64_t tagged(const void* p, std::uint64_t tag) noexcept {
    return reinterpret_cast<std::uint64_t>(p) | tag;
}

bool waits_for_output(const Operation& op) noexcept {
    switch (op.code) {
        case OpCode::connect:
        case OpCode::send:
        case OpCode::sendmsg:
        case OpCode::sendto:
            return true;
        default:
            return false;
    }
}

// The send family's fast path: one non-blocking try before submitting.
int try_send(Operation& op) noexcept {
    const int flags = op.flags | MSG_NOSIGNAL | MSG_DONTWAIT;
    for (;;) {
        long n = -1;
        switch (op.code) {
            case OpCode::send:
                n = ::send(op.fd, op.buffer, op.length, flags);
                break;
            case OpCode::sendmsg:
                n = ::sendmsg(op.fd, op.message, flags);
                break;
            case OpCode::sendto:
                n = ::sendto(op.fd, op.buffer, op.length, flags, op.connect_address,
                             op.connect_length);
                break;
            default:
                errno = EINVAL;
        }
        if (n >= 0) return static_cast<int>(n);
        if (errno != EINTR) return -errno;
    }
}

void fill_peer(Operation& op, int fd) noexcept {
    if (!op.address || !op.address_length) return;
    if (::getpeername(fd, op.address, op.address_length) < 0) *op.address_length = 0;
}

}  // namespace

std::unique_ptr<Driver> make_uring_driver(const DriverOptions& options, std::string* why) {
    return UringDriver::create(options, why);
}

std::unique_ptr<Driver> UringDriver::create(const DriverOptions& options, std::string* why) {
    std::unique_ptr<UringDriver> driver(new UringDriver(options));
    std::string error = driver->init(options);
    if (!error.empty()) {
        if (why) *why = std::move(error);
        return nullptr;
    }
    return driver;
}

UringDriver::UringDriver(const DriverOptions& options)
    : clock_(options.clock ? *options.clock : MonotonicClock::instance()),
      pool_(options.provided_buffer_size, options.provided_buffer_count) {}

std::string UringDriver::init(const DriverOptions& options) {
    std::string why;
    const unsigned entries =
        static_cast<unsigned>(std::min<std::size_t>(options.ring_entries, 32768));
    if (init_ring(ring_, entries, caps_.setup_flags, why) < 0) return why;
    ring_ready_ = true;
    if (!probe_ring(ring_, caps_, why)) return why;

    // Testing hook: run the emulated paths on a kernel that does not need
    // them. "features": no multishot accept, no buffer ring; "ops": also
    // every operation as syscall + POLL_ADD.
    const char* emulate = std::getenv("CORONET_URING_EMULATE");
    const std::string_view mode = emulate ? emulate : "";
    if (mode == "features" || mode == "ops") caps_.multishot_accept = false;
    // "single_recv": everything but multishot recv (for A/B measurements).
    if (mode == "ops") {
        caps_.native.fill(false);
        caps_.native[static_cast<std::size_t>(OpCode::poll)] = true;
    }

    if (mode.empty() || mode == "single_recv") {
        const int rc = buffers_.setup(ring_, options.provided_buffer_size,
                                      options.provided_buffer_count, kBufferGroup);
        if (rc < 0 && rc != -EINVAL)
            return std::string("io_uring_register_buf_ring: ") + std::strerror(-rc);
    }
    multishot_recv_ = caps_.multishot_recv && buffers_.active() && mode.empty();

    // Blocking on purpose: io_uring's READ waits on a blocking eventfd
    // instead of failing with -EAGAIN.
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) return std::string("eventfd: ") + std::strerror(errno);
    arm_wake();
    return {};
}

UringDriver::~UringDriver() {
    for (auto& [fd, listener] : listeners_)
        for (int accepted : listener->stash)
            ::close(accepted);
    while (Listener* l = retired_) {
        retired_ = l->next;
        delete l;
    }
    for (Receiver& receiver : receivers_)
        drop_stash(receiver);
    for (auto* spare : spare_stashes_)
        delete spare;
    // Closing the ring cancels whatever is still in flight; buffers_ and
    // messages_ are freed after it (members destroyed after this body).
    if (ring_ready_) io_uring_queue_exit(&ring_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

DriverFeatures UringDriver::features() const noexcept {
    DriverFeatures f;
    f.native_operations = true;
    f.multishot_accept = caps_.multishot_accept;
    f.multishot_recv = multishot_recv_;
    f.batched_stream_sends = native(OpCode::send);
    f.provided_buffer_ring = buffers_.active();
    f.provided_buffer_size = buffers_.active() ? buffers_.buffer_size() : pool_.buffer_size();
    return f;
}

// --- submission -----------------------------------------------------------

bool UringDriver::ensure_enabled() noexcept {
    if (enabled_) return true;
    if (caps_.setup_flags & IORING_SETUP_R_DISABLED) {
        // liburing 2.3 declares io_uring_enable_rings but does not export it.
        if (io_uring_register(static_cast<unsigned>(ring_.ring_fd), IORING_REGISTER_ENABLE_RINGS,
                              nullptr, 0) < 0)
            return false;
    }
    enabled_ = true;
    return true;
}

void UringDriver::submit_now() noexcept {
    if (ensure_enabled()) io_uring_submit(&ring_);
}

io_uring_sqe* UringDriver::get_sqe() noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe) return sqe;
    // The SQ holds more than one loop iteration's worth: send this part now.
    submit_now();
    return io_uring_get_sqe(&ring_);
}

void UringDriver::fd_started(int fd) {
    if (fd < 0) return;  // the kernel fails the request with -EBADF
    const auto index = static_cast<std::size_t>(fd);
    if (index >= fd_in_kernel_.size())
        fd_in_kernel_.resize(std::max(index + 1, fd_in_kernel_.size() * 2));
    ++fd_in_kernel_[index];
}

void UringDriver::fd_finished(int fd) noexcept {
    if (fd < 0) return;
    const auto index = static_cast<std::size_t>(fd);
    if (index < fd_in_kernel_.size() && fd_in_kernel_[index] > 0) --fd_in_kernel_[index];
}

void UringDriver::prepare(io_uring_sqe* sqe, Operation& op, UringMsg* message) noexcept {
    const int fd = op.fd;
    const auto length = static_cast<unsigned>(std::min<std::size_t>(op.length, UINT_MAX));
    switch (op.code) {
        case OpCode::accept:
            io_uring_prep_accept(sqe, fd, op.address, op.address_length, kAcceptFlags);
            break;
        case OpCode::connect:
            io_uring_prep_connect(sqe, fd, op.connect_address, op.connect_length);
            break;
        case OpCode::recv:
            io_uring_prep_recv(sqe, fd, op.buffer, length, op.flags);
            break;
        case OpCode::recv_provided:
            io_uring_prep_recv(sqe, fd, nullptr, std::min(length, buffers_.buffer_size()),
                               op.flags);
            sqe->flags |= IOSQE_BUFFER_SELECT;
            sqe->buf_group = buffers_.group();
            break;
        case OpCode::recvmsg:
            io_uring_prep_recvmsg(sqe, fd, op.message,
                                  static_cast<unsigned>(op.flags | MSG_CMSG_CLOEXEC));
            break;
        case OpCode::recvfrom: {
            UringMsg& msg = *message;
            msg.iov = {op.buffer, op.length};
            msg.header.msg_iov = &msg.iov;
            msg.header.msg_iovlen = 1;
            msg.header.msg_name = op.address;
            msg.header.msg_namelen = op.address && op.address_length ? *op.address_length : 0;
            io_uring_prep_recvmsg(sqe, fd, &msg.header, static_cast<unsigned>(op.flags));
            break;
        }
        case OpCode::send:
            io_uring_prep_send(sqe, fd, op.buffer, length, op.flags | MSG_NOSIGNAL);
            break;
        case OpCode::sendmsg:
            io_uring_prep_sendmsg(sqe, fd, op.message,
                                  static_cast<unsigned>(op.flags | MSG_NOSIGNAL));
            break;
        case OpCode::sendto: {
            UringMsg& msg = *message;
            msg.iov = {op.buffer, op.length};
            msg.header.msg_iov = &msg.iov;
            msg.header.msg_iovlen = 1;
            // The kernel only reads the destination.
            msg.header.msg_name = const_cast<sockaddr*>(op.connect_address);
            msg.header.msg_namelen = op.connect_length;
            io_uring_prep_sendmsg(sqe, fd, &msg.header,
                                  static_cast<unsigned>(op.flags | MSG_NOSIGNAL));
            break;
        }
        case OpCode::poll:
            io_uring_prep_poll_add(sqe, fd, static_cast<unsigned short>(op.poll_events));
            break;
        case OpCode::timeout:
            break;
    }
}

void UringDriver::submit_op(Operation& op) {
    // Everything that can throw happens before an SQE is taken: a taken SQE
    // is submitted whatever it holds.
    UringMsg* message = nullptr;
    if (op.code == OpCode::recvfrom || op.code == OpCode::sendto) message = &messages_.acquire(op);
    fd_started(op.fd);
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) {
        fd_finished(op.fd);
        messages_.release(op);
        throw std::system_error(EBUSY, std::generic_category(), "io_uring: no SQE");
    }
    prepare(sqe, op, message);
    io_uring_sqe_set_data64(sqe, tagged(&op, kTagOp));
    op.state = in_kernel;
}

void UringDriver::arm_poll(Operation& op) {
    fd_started(op.fd);
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) {
        fd_finished(op.fd);
        throw std::system_error(EBUSY, std::generic_category(), "io_uring: no SQE");
    }
    io_uring_prep_poll_add(sqe, op.fd, waits_for_output(op) ? POLLOUT : POLLIN);
    io_uring_sqe_set_data64(sqe, tagged(&op, kTagOp));
    op.state = polling;
}

void UringDriver::arm_wake() noexcept {
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) return;
    io_uring_prep_read(sqe, wake_fd_, &wake_value_, sizeof wake_value_, 0);
    io_uring_sqe_set_data64(sqe, kTagWake);
}

void UringDriver::arm_listener(Listener& listener) {
    fd_started(listener.fd);
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) {
        fd_finished(listener.fd);
        throw std::system_error(EBUSY, std::generic_category(), "io_uring: no SQE");
    }
    io_uring_prep_multishot_accept(sqe, listener.fd, nullptr, nullptr, kAcceptFlags);
    io_uring_sqe_set_data64(sqe, tagged(&listener, kTagListener));
    listener.armed = true;
}

// Ends the multishot accept; its final CQE (usually -ECANCELED) clears
// `armed`, and until then more accepted fds may still arrive.
void UringDriver::stop_listener(Listener& listener) noexcept {
    if (!listener.armed || listener.stopping) return;
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) return;  // tried again at the next stashed connection
    io_uring_prep_cancel64(sqe, tagged(&listener, kTagListener), 0);
    io_uring_sqe_set_data64(sqe, kTagIgnore);
    listener.stopping = true;
}

void UringDriver::arm_receiver(int fd, Receiver& receiver) {
    fd_started(fd);
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) {
        fd_finished(fd);
        throw std::system_error(EBUSY, std::generic_category(), "io_uring: no SQE");
    }
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = buffers_.group();
    io_uring_sqe_set_data64(sqe, receiver_data(fd, receiver.generation));
    receiver.armed = true;
}

// As stop_listener: the final CQE clears `armed`; chunks may come until then.
void UringDriver::stop_receiver(int fd, Receiver& receiver) noexcept {
    if (!receiver.armed || receiver.stopping) return;
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) return;  // tried again at the next stashed chunk
    io_uring_prep_cancel64(sqe, receiver_data(fd, receiver.generation), 0);
    io_uring_sqe_set_data64(sqe, kTagIgnore);
    receiver.stopping = true;
}

UringDriver::Receiver* UringDriver::receiver_of(int fd, std::uint16_t generation) noexcept {
    if (fd < 0 || static_cast<std::size_t>(fd) >= receivers_.size()) return nullptr;
    Receiver& receiver = receivers_[static_cast<std::size_t>(fd)];
    return receiver.generation == generation ? &receiver : nullptr;
}

UringDriver::Receiver& UringDriver::receiver_for(int fd) {
    const auto index = static_cast<std::size_t>(fd);
    if (index >= receivers_.size()) {
        // Grown by doubling, but only the slots in use are constructed (and
        // so touched): an idle connection costs sizeof(Receiver) here.
        if (index >= receivers_.capacity())
            receivers_.reserve(std::max(index + 1, receivers_.capacity() * 2));
        receivers_.resize(index + 1);
    }
    return receivers_[index];
}

// --- start ------------------------------------------------------------------

bool UringDriver::start(Operation& op) {
    op.cancel_requested = 0;
    op.provided = {};
    switch (op.code) {
        case OpCode::timeout:
            if (op.deadline <= clock_.now()) {
                op.result = 0;
                return true;
            }
            op.state = waiting_timer;
            timers_.add(op);
            ++pending_;
            return false;
        case OpCode::accept:
            if (caps_.multishot_accept) return start_accept(op);
            break;
        case OpCode::poll:
            // The kernel cannot see what a multishot already took, nor tell
            // a poll about bytes the multishot takes first.
            if ((op.poll_events & POLLIN) && holds_input(op.fd)) {
                op.result = POLLIN;
                return true;
            }
            if (op.poll_events == POLLIN && op.fd >= 0 &&
                static_cast<std::size_t>(op.fd) < receivers_.size() &&
                receivers_[static_cast<std::size_t>(op.fd)].armed) {
                receiver_polls_[op.fd].push_back(op);
                op.state = waiting_input;
                ++pending_;
                return false;
            }
            break;
        case OpCode::send:
        case OpCode::sendmsg:
        case OpCode::sendto:
            if (op.byte_stream && op.code == OpCode::send && native(op.code)) break;
            if (native(op.code)) {
                const int result = try_send(op);
                if (result != -EAGAIN) {
                    op.result = result;
                    return true;
                }
                // The socket is full: wait for POLLOUT and retry the plain
                // call, as epoll does. A native sendmsg submitted now is
                // retried by the kernel in a way that completes a UNIX
                // datagram send with EMSGSIZE once the peer's queue drains;
                // a full socket is the rare path, so nothing is lost here.
                op.state = idle;
                arm_poll(op);
                ++pending_;
                return false;
            }
            break;
        case OpCode::recv:
        case OpCode::recv_provided:
        case OpCode::recvmsg:
        case OpCode::recvfrom: {
            // Whatever a multishot took comes first, to any receive of the
            // byte stream (a peek leaves it there; MSG_WAITALL gets what is
            // held, as a short read). MSG_OOB and MSG_ERRQUEUE read other
            // queues, which the multishot does not touch.
            const bool plain = (op.flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL)) == 0;
            Receiver* receiver = nullptr;
            if (plain && op.fd >= 0 && static_cast<std::size_t>(op.fd) < receivers_.size() &&
                receivers_[static_cast<std::size_t>(op.fd)].active()) {
                receiver = &receivers_[static_cast<std::size_t>(op.fd)];
            } else if (multishot_recv_ && op.code == OpCode::recv_provided && op.byte_stream &&
                       op.flags == 0 && op.fd >= 0) {
                receiver = &receiver_for(op.fd);
            }
            if (receiver) {
                const Handled handled = start_receive(*receiver, op);
                if (handled == Handled::inline_result) return true;
                if (handled == Handled::pending) return false;
            }
            if (op.code == OpCode::recv_provided && !buffers_.active()) return start_emulated(op);
            break;
        }
        default:
            break;
    }
    if (!native(op.code)) return start_emulated(op);
    submit_op(op);
    ++pending_;
    return false;
}

bool UringDriver::start_accept(Operation& op) {
    std::unique_ptr<Listener>& slot = listeners_[op.fd];
    if (!slot) {
        slot = std::make_unique<Listener>();
        slot->fd = op.fd;
    }
    Listener& listener = *slot;
    if (!listener.stash.empty()) {
        // The stash is draining: let the kernel accept ahead again (before
        // taking the fd, so a throwing arm_listener loses nothing). A stopping
        // multishot is re-armed by its final CQE instead.
        if (!listener.armed && listener.stash.size() - 1 <= kAcceptStashResume)
            arm_listener(listener);
        const int fd = listener.stash.front();
        listener.stash.pop_front();
        fill_peer(op, fd);
        op.result = fd;
        return true;
    }
    if (!listener.armed) arm_listener(listener);
    op.state = waiting_accept;
    listener.waiters.push_back(op);
    ++pending_;
    return false;
}

// A receive on a byte stream with a multishot recv: from the stash, or as
// its waiter. Not here: a peek while no multishot reads (the socket has the
// bytes), or a second receive while one waits (as with two plain receives,
// which of them gets the next bytes is not defined).
UringDriver::Handled UringDriver::start_receive(Receiver& receiver, Operation& op) {
    if (hand_over(receiver, op)) return Handled::inline_result;
    if (receiver.waiter()) return Handled::not_here;
    const bool peek = op.flags & MSG_PEEK;
    if (peek && !receiver.armed) return Handled::not_here;
    const int fd = op.fd;
    if (!receiver.armed) arm_receiver(fd, receiver);
    receiver.set_waiter(op);
    op.state = waiting_recv;
    ++pending_;
    return Handled::pending;
}

// Copies up to `available` bytes into the buffers of a recv, recvfrom or
// recvmsg, filling in what the kernel would for a TCP socket (no address,
// no control messages). Returns the count.
static std::size_t copy_out(Operation& op, const std::byte* bytes, std::size_t available) noexcept {
    switch (op.code) {
        case OpCode::recvmsg: {
            msghdr& message = *op.message;
            std::size_t done = 0;
            for (std::size_t i = 0; i < message.msg_iovlen && done < available; ++i) {
                const std::size_t k = std::min(message.msg_iov[i].iov_len, available - done);
                if (k > 0) std::memcpy(message.msg_iov[i].iov_base, bytes + done, k);
                done += k;
            }
            message.msg_namelen = 0;
            message.msg_controllen = 0;
            message.msg_flags = 0;
            return done;
        }
        case OpCode::recvfrom:
            if (op.address_length) *op.address_length = 0;
            [[fallthrough]];
        default: {
            const std::size_t k = std::min(op.length, available);
            if (k > 0) std::memcpy(op.buffer, bytes, k);
            return k;
        }
    }
}

// Gives `op` the stash's first bytes (or the end that follows them). A
// ring-buffer chunk is lent whole when it fits; anything else is copied,
// into the caller's buffer for recv, into a pool buffer for recv_provided.
bool UringDriver::hand_over(Receiver& receiver, Operation& op) noexcept {
    std::deque<Stashed>* stash = receiver.stash();
    if (!stash) {
        if (!receiver.has_end) return false;
        if (op.code != OpCode::recv_provided) copy_out(op, nullptr, 0);
        op.result = receiver.end_result;
        if (!(op.flags & MSG_PEEK) && !receiver.broken) receiver.has_end = false;
        return true;
    }
    Stashed& chunk = stash->front();
    std::byte* bytes = chunk.base + chunk.offset;
    const bool peek = op.flags & MSG_PEEK;
    std::size_t n = 0;
    if (op.code == OpCode::recv_provided) {
        n = std::min<std::size_t>({chunk.length, op.length, pool_.buffer_size()});
        if (!peek && n == chunk.length && (chunk.ring ? chunk.offset == 0 : true)) {
            // Lent as it is: a ring buffer by its id, a pool buffer whole.
            if (chunk.ring) {
                op.provided = {bytes, chunk.id};
            } else {
                op.provided = {chunk.base, 0};
                if (chunk.offset > 0) std::memmove(chunk.base, bytes, n);
            }
            op.result = static_cast<int>(n);
            stash->pop_front();
            if (stash->empty()) give_back_stash(receiver);
            return true;
        }
        try {
            op.provided = pool_.take();
        } catch (...) {
            op.result = -ENOMEM;
            return true;
        }
        std::memcpy(op.provided.data, bytes, n);
    } else {
        n = copy_out(op, bytes, chunk.length);
    }
    op.result = static_cast<int>(n);
    if (peek) return true;
    chunk.offset += static_cast<std::uint32_t>(n);
    chunk.length -= static_cast<std::uint32_t>(n);
    if (chunk.length == 0) {
        if (chunk.ring) {
            buffers_.give_back({chunk.base, chunk.id});
        } else {
            pool_.give_back({chunk.base, 0});
        }
        stash->pop_front();
        if (stash->empty()) give_back_stash(receiver);
    }
    return true;
}

// Appends a chunk the multishot took (`buffer`, lent from the ring).
void UringDriver::stash(Receiver& receiver, const ProvidedBuffer& buffer, int length,
                        bool keep_ring) {
    std::deque<Stashed>* stash = receiver.stash();
    if (!stash) {
        if (spare_stashes_.empty()) {
            stash = new std::deque<Stashed>;
        } else {
            stash = spare_stashes_.back();
            spare_stashes_.pop_back();
        }
        receiver.set_stash(stash);
    }
    const auto n = static_cast<std::uint32_t>(length);
    if (keep_ring) {
        stash->push_back({buffer.data, 0, n, static_cast<std::uint16_t>(buffer.id), true});
        return;
    }
    // Taken before the ring buffer goes back, so a failure loses nothing
    // that the caller cannot still recycle.
    ProvidedBuffer copy = pool_.take();
    std::memcpy(copy.data, buffer.data, n);
    try {
        stash->push_back({copy.data, 0, n, 0, false});
    } catch (...) {
        pool_.give_back(copy);
        throw;
    }
    buffers_.give_back(buffer);
}

void UringDriver::drop_stash(Receiver& receiver) noexcept {
    std::deque<Stashed>* stash = receiver.stash();
    if (!stash) return;
    for (const Stashed& chunk : *stash) {
        if (chunk.ring) {
            buffers_.give_back({chunk.base, chunk.id});
        } else {
            pool_.give_back({chunk.base, 0});
        }
    }
    stash->clear();
    give_back_stash(receiver);
}

// An emptied stash is kept for the next one (no allocation per episode).
void UringDriver::give_back_stash(Receiver& receiver) noexcept {
    std::deque<Stashed>* stash = receiver.stash();
    receiver.set_stash(nullptr);
    try {
        spare_stashes_.push_back(stash);
    } catch (...) {
        delete stash;
    }
}

bool UringDriver::start_emulated(Operation& op) {
    op.state = idle;
    const int result = attempt(op);
    if (result != kNotReady) {
        op.result = result;
        return true;
    }
    arm_poll(op);
    ++pending_;
    return false;
}

int UringDriver::attempt(Operation& op) {
    switch (op.code) {
        case OpCode::connect: {
            if (op.state == polling) return finish_connect(op.fd);
            const int result = perform_syscall(op);
            return result == -EINPROGRESS ? kNotReady : result;
        }
        case OpCode::recv_provided: {
            const int result = recv_into_pool(pool_, op);
            return result == -EAGAIN ? kNotReady : result;
        }
        default: {
            const int result = perform_syscall(op);
            return result == -EAGAIN ? kNotReady : result;
        }
    }
}

// --- cancellation -----------------------------------------------------------

void UringDriver::cancel(Operation& op) noexcept {
    switch (op.state) {
        case waiting_timer:
            timers_.remove(op);
            break;
        case waiting_buffer:
            starved_.remove(op);
            break;
        case waiting_accept: {
            auto it = listeners_.find(op.fd);
            if (it == listeners_.end()) return;
            it->second->waiters.remove(op);
            break;
        }
        case waiting_input: {
            auto it = receiver_polls_.find(op.fd);
            if (it == receiver_polls_.end()) return;
            it->second.remove(op);
            if (it->second.empty()) receiver_polls_.erase(it);
            break;
        }
        case waiting_recv: {
            // The multishot stays armed: what comes next is stashed, not lost.
            Receiver& receiver = receivers_[static_cast<std::size_t>(op.fd)];
            if (receiver.waiter() != &op) return;
            receiver.take_waiter();
            break;
        }
        case in_kernel:
        case polling: {
            if (op.cancel_requested) return;
            io_uring_sqe* sqe = get_sqe();
            // No SQE even after submitting: the op still completes with its
            // real result, which cancel() allows.
            if (!sqe) return;
            op.cancel_requested = 1;
            io_uring_prep_cancel64(sqe, tagged(&op, kTagOp), 0);
            io_uring_sqe_set_data64(sqe, kTagIgnore);
            return;
        }
        default:
            return;
    }
    op.cancel_requested = 1;
    defer_completion(op, -ECANCELED);
}

bool UringDriver::remove_timer(Operation& op) noexcept {
    if (op.state != waiting_timer || !timers_.remove(op)) return false;
    op.state = idle;
    --pending_;
    return true;
}

void UringDriver::forget_fd(int fd) noexcept {
    if (fd < 0) return;
    if (auto it = listeners_.find(fd); it != listeners_.end()) {
        Listener& listener = *it->second;
        while (Operation* op = listener.waiters.pop_front())
            defer_completion(*op, -ECANCELED);
        for (int accepted : listener.stash)
            ::close(accepted);
        listener.stash.clear();
        if (listener.armed) {
            // Its multishot accept still names it in user_data until the
            // final CQE, so it outlives the map entry.
            retire(*it->second.release());
        }
        listeners_.erase(it);
    }
    if (static_cast<std::size_t>(fd) < receivers_.size()) {
        Receiver& receiver = receivers_[static_cast<std::size_t>(fd)];
        if (Operation* op = receiver.take_waiter()) defer_completion(*op, -ECANCELED);
        drop_stash(receiver);
        // Its multishot (ended by the cancel below) now posts stale CQEs.
        receiver.armed = receiver.stopping = receiver.has_end = receiver.broken = false;
        ++receiver.generation;
    }
    if (auto it = receiver_polls_.find(fd); it != receiver_polls_.end()) {
        while (Operation* op = it->second.pop_front())
            defer_completion(*op, -ECANCELED);
        receiver_polls_.erase(it);
    }
    for (Operation* op = starved_.front(); op;) {
        Operation* next = op->next;
        if (op->fd == fd) {
            starved_.remove(*op);
            defer_completion(*op, -ECANCELED);
        }
        op = next;
    }
    const auto index = static_cast<std::size_t>(fd);
    if (index < fd_in_kernel_.size() && fd_in_kernel_[index] > 0) {
        if (io_uring_sqe* sqe = get_sqe()) {
            io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
            io_uring_sqe_set_data64(sqe, kTagIgnore);
        }
        // Now, not at the next poll: the caller closes fd when we return, and
        // a cancel by fd resolves the number when the kernel runs it.
        submit_now();
    }
}

bool UringDriver::holds_input(int fd) const noexcept {
    if (fd < 0 || static_cast<std::size_t>(fd) >= receivers_.size()) return false;
    const Receiver& receiver = receivers_[static_cast<std::size_t>(fd)];
    return receiver.stash() || receiver.has_end;
}

void UringDriver::retire(Listener& listener) noexcept {
    listener.retired = true;
    listener.prev = nullptr;
    listener.next = retired_;
    if (retired_) retired_->prev = &listener;
    retired_ = &listener;
}

// --- buffers ----------------------------------------------------------------

void UringDriver::release_buffer(const ProvidedBuffer& buffer) noexcept {
    if (!buffer.valid()) return;
    if (!buffers_.give_back(buffer)) {
        pool_.give_back(buffer);
        return;
    }
    resume_starved();
}

void UringDriver::resume_starved() noexcept {
    std::uint32_t budget = buffers_.available();
    while (budget > 0 && !starved_.empty()) {
        io_uring_sqe* sqe = get_sqe();
        if (!sqe) return;
        Operation& op = *starved_.pop_front();
        prepare(sqe, op, nullptr);
        io_uring_sqe_set_data64(sqe, tagged(&op, kTagOp));
        // Cannot allocate: the op's first submission already sized fd_in_kernel_.
        fd_started(op.fd);
        op.state = in_kernel;
        --budget;
    }
}

// --- completion -------------------------------------------------------------

std::size_t UringDriver::poll(std::optional<Duration> timeout) {
    std::size_t ran = 0;
    if (!finished_.empty()) timeout = Duration::zero();
    if (auto deadline = timers_.next_deadline(); deadline && !clock_.is_mock()) {
        const Duration until = std::max(Duration::zero(), *deadline - clock_.now());
        if (!timeout || until < *timeout) timeout = until;
    }
    if (!ensure_enabled()) {
        throw std::system_error(EBUSY, std::generic_category(), "io_uring: cannot enable ring");
    }

    int rc;
    if (timeout && *timeout <= Duration::zero()) {
        rc = io_uring_submit_and_get_events(&ring_);
    } else {
        const auto wait_start = std::chrono::steady_clock::now();
        std::optional<Duration> left = timeout;
        for (;;) {
            __kernel_timespec ts{};
            if (left) {
                ts.tv_sec = left->count() / 1'000'000'000;
                ts.tv_nsec = left->count() % 1'000'000'000;
            }
            io_uring_cqe* first = nullptr;
            rc = io_uring_submit_and_wait_timeout(&ring_, &first, 1, left ? &ts : nullptr, nullptr);
            // Interrupted (a signal, or task work) with nothing to reap:
            // wait out the rest, so poll() returns only at its timeout, after
            // a wake(), or with completions (signals are read from signalfds).
            // liburing reports an interrupted wait as -EINTR, or as the count
            // of what it submitted first.
            const bool interrupted = rc == -EINTR || rc >= 0;
            if (!interrupted || io_uring_cq_ready(&ring_) > 0) break;
            if (timeout) {
                left = *timeout - (std::chrono::steady_clock::now() - wait_start);
                if (*left <= Duration::zero()) break;
            }
        }
    }
    // ETIME: the wait ran out; EINTR: interrupted at the very end; EAGAIN,
    // EBUSY: the kernel is short of memory or CQ room: reap and come back.
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
        throw std::system_error(-rc, std::generic_category(), "io_uring_enter");

    reap(ran);
    resume_starved();

    const TimePoint now = clock_.now();
    while (Operation* timer = timers_.pop_expired(now))
        complete(*timer, 0, ran);

    // Callbacks below may cancel more operations; those wait for the next
    // poll so one poll call is bounded.
    OpList cancelled = finished_.take();
    while (Operation* op = cancelled.pop_front())
        complete(*op, op->result, ran);
    return ran;
}

void UringDriver::reap(std::size_t& ran) {
    // Callbacks may queue SQEs and even submit them (SQ full, forget_fd);
    // neither recycles CQ slots, which only our cq_advance below does.
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    // A handler that throws (no SQE to re-arm a listener, even after
    // submitting) must not leave the CQEs already handled in the ring, or the
    // next poll would complete their operations a second time.
    struct AdvanceOnUnwind {
        io_uring* ring;
        const unsigned& seen;
        int exceptions = std::uncaught_exceptions();
        ~AdvanceOnUnwind() {
            if (std::uncaught_exceptions() > exceptions) io_uring_cq_advance(ring, seen);
        }
    } advance_on_unwind{&ring_, seen};
    io_uring_for_each_cqe(&ring_, head, cqe) {
        ++seen;
        const std::uint64_t data = cqe->user_data;
        const int res = cqe->res;
        const std::uint32_t flags = cqe->flags;
        if (data == LIBURING_UDATA_TIMEOUT) continue;  // liburing's own wait timeout
        switch (data & kTagMask) {
            case kTagOp:
                on_op_cqe(*reinterpret_cast<Operation*>(data), res, flags, ran);
                break;
            case kTagListener:
                on_listener_cqe(*reinterpret_cast<Listener*>(data & ~kTagMask), res, flags, ran);
                break;
            case kTagReceiver:
                on_receiver_cqe(data, res, flags, ran);
                break;
            case kTagWake:
                wake_pending_.store(false, std::memory_order_release);
                if (res != -ECANCELED) arm_wake();
                break;
            default:
                break;
        }
    }
    io_uring_cq_advance(&ring_, seen);
}

void UringDriver::on_op_cqe(Operation& op, int res, std::uint32_t flags, std::size_t& ran) {
    fd_finished(op.fd);
    if (op.cancel_requested && res == -EINTR) res = -ECANCELED;
    if (op.state == polling) {
        if (res >= 0) {
            res = attempt(op);
            if (res == kNotReady) {
                if (!op.cancel_requested) {
                    arm_poll(op);
                    return;
                }
                res = -ECANCELED;
            }
        }
        complete(op, res, ran);
        return;
    }
    switch (op.code) {
        case OpCode::recv_provided:
            if (flags & IORING_CQE_F_BUFFER) {
                if (res >= 0) {
                    op.provided = buffers_.lend(flags);
                } else {
                    buffers_.recycle(flags);
                }
            }
            if (res == -ENOBUFS) {
                if (op.cancel_requested) {
                    res = -ECANCELED;
                    break;
                }
                // Never an error for the caller: wait for a buffer and retry.
                op.state = waiting_buffer;
                starved_.push_back(op);
                return;
            }
            break;
        case OpCode::recvfrom:
            if (UringMsg* msg = messages_.release(op); msg && res >= 0 && op.address_length)
                *op.address_length = msg->header.msg_namelen;
            break;
        case OpCode::sendto:
            messages_.release(op);
            break;
        default:
            break;
    }
    complete(op, res, ran);
}

void UringDriver::on_listener_cqe(Listener& listener, int res, std::uint32_t flags,
                                  std::size_t& ran) {
    const bool more = flags & IORING_CQE_F_MORE;
    const int fd = listener.fd;
    bool stopped = false;  // this is the end of a multishot we cancelled
    if (!more) {
        listener.armed = false;
        stopped = std::exchange(listener.stopping, false);
        fd_finished(listener.fd);
    }
    if (listener.retired) {
        if (res >= 0) ::close(res);
        if (!more) {
            (listener.prev ? listener.prev->next : retired_) = listener.next;
            if (listener.next) listener.next->prev = listener.prev;
            // Safe: this was its last CQE, nothing else names it.
            delete &listener;
        }
        return;
    }
    if (res >= 0) {
        if (Operation* op = listener.waiters.pop_front()) {
            fill_peer(*op, res);
            complete(*op, res, ran);
        } else {
            listener.stash.push_back(res);
            if (more && listener.stash.size() >= kAcceptStashLimit) stop_listener(listener);
        }
    } else if (stopped && res == -ECANCELED) {
        // Our own stop, not a failed accept: no waiter hears of it.
    } else if (Operation* op = listener.waiters.pop_front()) {
        // The accept itself failed (EMFILE, EINVAL...): tell one waiter, as
        // accept4 would.
        complete(*op, res, ran);
    }
    // complete() ran a callback that may have forgotten (and freed) this
    // listener: find the fd's current one instead of trusting the reference.
    auto it = listeners_.find(fd);
    if (it == listeners_.end() || it->second.get() != &listener) return;
    // Re-arm for waiters, or when accepts drained the stash while our cancel
    // was in flight (they could not re-arm a multishot that was still armed).
    if (!listener.armed &&
        (!listener.waiters.empty() || (stopped && listener.stash.size() <= kAcceptStashResume)))
        arm_listener(listener);
}

void UringDriver::on_receiver_cqe(std::uint64_t data, int res, std::uint32_t flags,
                                  std::size_t& ran) {
    const int fd = static_cast<int>(data >> 32);
    const auto generation = static_cast<std::uint16_t>(data >> 3);
    const bool more = flags & IORING_CQE_F_MORE;
    if (!more) fd_finished(fd);
    Receiver* receiver = receiver_of(fd, generation);
    if (!receiver) {
        // The fd was forgotten: nobody is left to read what it took.
        if (flags & IORING_CQE_F_BUFFER) buffers_.recycle(flags);
        return;
    }
    bool stopped = false;  // this is the end of a multishot we cancelled
    if (!more) {
        receiver->armed = false;
        stopped = receiver->stopping;
        receiver->stopping = false;
    }
    Operation* ready = nullptr;
    if (res > 0 && (flags & IORING_CQE_F_BUFFER)) {
        ProvidedBuffer buffer = buffers_.lend(flags);
        // A waiter means nothing is held: the chunk is the next bytes.
        Operation* waiter = receiver->take_waiter();
        if (waiter && waiter->code == OpCode::recv_provided && !(waiter->flags & MSG_PEEK) &&
            static_cast<std::size_t>(res) <= waiter->length) {
            // The common case: the chunk is the waiter's whole.
            waiter->provided = buffer;
            waiter->result = res;
            ready = waiter;
        } else {
            std::size_t in_ring = 0;
            if (const auto* held = receiver->stash())
                for (const Stashed& chunk : *held)
                    in_ring += chunk.ring;
            const bool keep_ring =
                in_ring < kRingStashLimit &&
                buffers_.available() > buffers_.buffer_count() / kRingReserveDivisor;
            try {
                stash(*receiver, buffer, res, keep_ring);
            } catch (...) {
                // No memory for a copy: the bytes cannot be kept, so the
                // stream is broken for its reader rather than silently cut.
                buffers_.give_back(buffer);
                drop_stash(*receiver);
                receiver->has_end = receiver->broken = true;
                receiver->end_result = -ENOMEM;
                stop_receiver(fd, *receiver);
            }
            if (waiter) {
                ready = waiter;
                hand_over(*receiver, *ready);
            } else if (more && receiver->stash() &&
                       receiver->stash()->size() >= kReceiveStashLimit) {
                stop_receiver(fd, *receiver);
            }
        }
    } else {
        if (flags & IORING_CQE_F_BUFFER) buffers_.recycle(flags);
        if (res > 0) res = -EIO;  // data without a buffer: not what was asked for
        if (stopped && res == -ECANCELED) {
            // Our own stop: nothing ended for the reader.
        } else if (res == -ENOBUFS) {
            // The ring ran dry and the multishot ended. A waiter retries as a
            // single receive once a buffer is free (resume_starved), as any
            // recv_provided does; without one, the next receive re-arms.
            if (Operation* waiter = receiver->take_waiter()) {
                if (waiter->code == OpCode::recv_provided) {
                    waiter->state = waiting_buffer;
                    starved_.push_back(*waiter);
                } else {
                    try {
                        submit_op(*waiter);  // a recv into its own buffer needs none
                    } catch (...) {
                        defer_completion(*waiter, -ENOMEM);
                    }
                }
            }
        } else if (Operation* waiter = receiver->take_waiter()) {
            waiter->result = res;
            ready = waiter;
        } else {
            receiver->has_end = true;
            receiver->end_result = static_cast<std::int16_t>(res);  // 0 or -errno
        }
    }
    if (!receiver->armed && receiver->waiter()) {
        try {
            arm_receiver(fd, *receiver);
        } catch (...) {
            defer_completion(*receiver->take_waiter(), -EBUSY);  // no SQE even after a submit
        }
    }
    const bool readable = receiver->stash() || receiver->has_end;
    const bool unread = !receiver->armed;  // nothing takes the fd's bytes now
    if (ready) complete(*ready, ready->result, ran);
    if ((readable || unread) && !receiver_polls_.empty()) settle_polls(fd, readable);
}

// The polls waiting on `fd` while its multishot read it: readable now, or
// handed to the kernel's poll once the multishot has ended.
// Completions are deferred to the end of this poll(), not run here: a
// callback could otherwise cancel a poll still in our local list.
void UringDriver::settle_polls(int fd, bool readable) {
    auto it = receiver_polls_.find(fd);
    if (it == receiver_polls_.end()) return;
    OpList polls = it->second.take();
    receiver_polls_.erase(it);
    while (Operation* op = polls.pop_front()) {
        if (readable) {
            defer_completion(*op, POLLIN);
            continue;
        }
        try {
            submit_op(*op);
        } catch (...) {
            defer_completion(*op, -EBUSY);
        }
    }
}

void UringDriver::complete(Operation& op, int result, std::size_t& ran) noexcept {
    op.result = result;
    op.state = idle;
    --pending_;
    ++ran;
    op.on_complete(op);  // may reuse or free op: nothing touches it after
}

void UringDriver::defer_completion(Operation& op, int result) noexcept {
    op.result = result;
    op.state = finished;
    finished_.push_back(op);
}

void UringDriver::wake() noexcept {
    if (wake_pending_.exchange(true, std::memory_order_acq_rel)) return;
    const std::uint64_t one = 1;
    while (::write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

}  // namespace coronet::backend
