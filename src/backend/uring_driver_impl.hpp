// The io_uring Driver: every operation is submitted as a kernel operation.
//
// SQEs are only queued by start/cancel and go to the kernel in one batch at
// the next poll() (io_uring_submit_and_wait_timeout: one syscall per loop
// iteration). Timers stay in user space as on epoll. user_data carries the
// Operation* with its low bits free (Operation is 8-aligned), which tag the
// driver's own requests: multishot accepts and receives, the wake read,
// cancels.
#pragma once

#include <liburing.h>

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "buffer_pool.hpp"
#include "coronet/backend/driver.hpp"
#include "op_list.hpp"
#include "timer_queue.hpp"
#include "uring_buffer_ring.hpp"
#include "uring_msg_pool.hpp"
#include "uring_setup.hpp"

namespace coronet::backend {

class UringDriver final : public Driver {
  public:
    // Returns nullptr with `why` set when io_uring cannot be used here.
    static std::unique_ptr<Driver> create(const DriverOptions& options, std::string* why);
    ~UringDriver() override;

    std::string_view name() const noexcept override { return "io_uring"; }
    DriverFeatures features() const noexcept override;
    Clock& clock() noexcept override { return clock_; }
    bool start(Operation& op) override;
    void cancel(Operation& op) noexcept override;
    bool remove_timer(Operation& op) noexcept override;
    std::size_t poll(std::optional<Duration> timeout) override;
    void wake() noexcept override;
    void forget_fd(int fd) noexcept override;
    bool holds_input(int fd) const noexcept override;
    void release_buffer(const ProvidedBuffer& buffer) noexcept override;
    std::optional<TimePoint> next_deadline() const noexcept override {
        return timers_.next_deadline();
    }
    std::size_t pending() const noexcept override { return pending_; }

  private:
    enum State : std::uint8_t {
        idle = 0,
        in_kernel,       // its own SQE is queued or in flight
        polling,         // emulated: a POLL_ADD waits for the fd, then the syscall runs
        waiting_timer,   // in timers_
        waiting_buffer,  // recv_provided got -ENOBUFS: in starved_ until a buffer is free
        waiting_accept,  // in a Listener's waiters, fed by its multishot accept
        waiting_recv,    // a Receiver's waiter, fed by its multishot recv
        waiting_input,   // a POLLIN poll in receiver_polls_: the multishot reads the fd
        finished,        // in finished_: completes at the next poll
    };

    // A listening fd with a multishot accept: fds it accepts while nobody
    // waits are stashed and handed to the next accept at once. The stash is
    // bounded (kAcceptStashLimit in uring_driver.cpp): at the limit the
    // multishot is cancelled, and an accept that finds the stash low re-arms it.
    struct Listener {
        int fd = -1;
        OpList waiters;
        std::deque<int> stash;
        bool armed = false;        // its multishot accept is in the kernel
        bool stopping = false;     // armed, and we asked the kernel to end it
        bool retired = false;      // forgotten; freed when its last CQE arrives
        Listener* prev = nullptr;  // retired_ list
        Listener* next = nullptr;
    };

    // Bytes a multishot recv took while no receive waited: a ring buffer
    // (`ring`), or a pool buffer holding a copy, so that an fd nobody reads
    // pins at most kRingStashLimit ring buffers (uring_driver.cpp).
    struct Stashed {
        std::byte* base = nullptr;
        std::uint32_t offset = 0;
        std::uint32_t length = 0;
        std::uint16_t id = 0;
        bool ring = false;
    };

    // Per fd (receivers_ is indexed by fd), for byte streams: one multishot
    // recv armed while someone receives, and what it took ahead of them. Its
    // CQEs carry the fd and `generation` rather than a pointer (receivers_
    // moves when it grows); forget_fd bumps the generation, which makes the
    // old request's late CQEs stale. 16 bytes: every idle connection has one.
    class Receiver {
      public:
        // A receive waits only while nothing is held, so the waiter and the
        // stash share one word (the stash tagged by its low bit).
        Operation* waiter() const noexcept {
            return (slot_ & 1) ? nullptr : reinterpret_cast<Operation*>(slot_);
        }
        std::deque<Stashed>* stash() const noexcept {
            return (slot_ & 1) ? reinterpret_cast<std::deque<Stashed>*>(slot_ & ~std::uintptr_t{1})
                               : nullptr;
        }
        Operation* take_waiter() noexcept {
            Operation* op = waiter();
            if (op) slot_ = 0;
            return op;
        }
        void set_waiter(Operation& op) noexcept { slot_ = reinterpret_cast<std::uintptr_t>(&op); }
        void set_stash(std::deque<Stashed>* stash) noexcept {
            slot_ = stash ? reinterpret_cast<std::uintptr_t>(stash) | 1 : 0;
        }
        bool active() const noexcept { return armed || (slot_ & 1) || has_end; }

        std::int16_t end_result = 0;  // after the stash: EOF (0) or -errno
        std::uint16_t generation = 0;
        bool armed : 1 = false;     // its multishot recv is in the kernel
        bool stopping : 1 = false;  // armed, and we asked the kernel to end it
        bool has_end : 1 = false;
        bool broken : 1 = false;  // the end is for good (no memory to keep bytes)

      private:
        std::uintptr_t slot_ = 0;
    };
    static_assert(sizeof(Receiver) <= 16, "every idle connection has a Receiver");
    enum class Handled { inline_result, pending, not_here };

    UringDriver(const DriverOptions& options);
    std::string init(const DriverOptions& options);

    io_uring_sqe* get_sqe() noexcept;
    void submit_now() noexcept;
    bool ensure_enabled() noexcept;
    void submit_op(Operation& op);
    void prepare(io_uring_sqe* sqe, Operation& op, UringMsg* message) noexcept;
    void arm_poll(Operation& op);
    void arm_wake() noexcept;
    void arm_listener(Listener& listener);
    void stop_listener(Listener& listener) noexcept;
    void arm_receiver(int fd, Receiver& receiver);
    void stop_receiver(int fd, Receiver& receiver) noexcept;
    Receiver* receiver_of(int fd, std::uint16_t generation) noexcept;
    Receiver& receiver_for(int fd);
    Handled start_receive(Receiver& receiver, Operation& op);
    bool hand_over(Receiver& receiver, Operation& op) noexcept;
    void stash(Receiver& receiver, const ProvidedBuffer& buffer, int length, bool keep_ring);
    void drop_stash(Receiver& receiver) noexcept;
    void give_back_stash(Receiver& receiver) noexcept;
    void on_receiver_cqe(std::uint64_t data, int res, std::uint32_t flags, std::size_t& ran);
    void settle_polls(int fd, bool readable);
    void fd_started(int fd);
    void fd_finished(int fd) noexcept;

    bool start_accept(Operation& op);
    bool start_emulated(Operation& op);
    int attempt(Operation& op);

    void reap(std::size_t& ran);
    void on_op_cqe(Operation& op, int res, std::uint32_t flags, std::size_t& ran);
    void on_listener_cqe(Listener& listener, int res, std::uint32_t flags, std::size_t& ran);
    void resume_starved() noexcept;
    void retire(Listener& listener) noexcept;

    void complete(Operation& op, int result, std::size_t& ran) noexcept;
    void defer_completion(Operation& op, int result) noexcept;
    bool native(OpCode code) const noexcept { return caps_.native[static_cast<std::size_t>(code)]; }

    Clock& clock_;
    io_uring ring_{};
    bool ring_ready_ = false;
    bool enabled_ = false;
    UringCapabilities caps_;
    int wake_fd_ = -1;
    std::uint64_t wake_value_ = 0;  // the wake read's target
    std::atomic<bool> wake_pending_{false};
    TimerQueue timers_;
    OpList finished_;
    OpList starved_;
    std::unordered_map<int, std::unique_ptr<Listener>> listeners_;
    Listener* retired_ = nullptr;
    std::vector<std::uint32_t> fd_in_kernel_;  // requests in flight per fd
    std::vector<Receiver> receivers_;          // by fd
    std::vector<std::deque<Stashed>*> spare_stashes_;
    // POLLIN polls on fds whose multishot recv is armed: the kernel's poll
    // could miss bytes the multishot takes first, so these wait here.
    std::unordered_map<int, OpList> receiver_polls_;
    bool multishot_recv_ = false;
    std::size_t pending_ = 0;
    UringBufferRing buffers_;
    BufferPool pool_;  // recv_provided when the kernel has no buffer rings
    UringMsgPool messages_;
};

}  // namespace coronet::backend
