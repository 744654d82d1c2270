// A fault-injecting backend for tests (in the spirit of Trio's fake network
// and Tokio's turmoil): it wraps the real driver and, driven by a seed, makes
// the kernel look hostile to every layer above it.
//
//     testing::FaultPlan plan{.seed = 7, .short_io = 0.3, .would_block = 0.2};
//     testing::FaultCounts counts;
//     testing::run_with_faults(plan, [&]() -> Task<void> {
//         ... the code under test, unchanged ...
//     }, &counts);
//
// Benign faults change nothing a correct program may rely on, so any code
// must behave exactly as without them:
//  * short_io: a recv or send on a stream socket moves fewer bytes than asked
//    (1..n, as the kernel may);
//  * would_block: an operation reports "not ready" (EAGAIN) for up to
//    `max_storm` consecutive loop iterations before it really runs;
//  * interrupt: as would_block, counted apart: what an EINTR inside the
//    driver amounts to (the drivers restart interrupted calls).
// Hard faults are errors the kernel may return; code must raise the right
// error (BrokenResourceError, OSError) and never hang, crash or duplicate
// data:
//  * reset: a stream recv fails with ECONNRESET, a stream send with EPIPE;
//  * no_buffers: a datagram send fails with ENOBUFS;
//  * accept_fd_limit: an accept fails with EMFILE or ENFILE.
// Probabilities are per operation, in [0, 1]. The same seed gives the same
// faults to the same sequence of operations (a program whose operations
// depend on timing, as most concurrent ones do, meets different ones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include "coronet/backend/driver.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::testing {

struct FaultPlan {
    std::uint64_t seed = 1;
    double short_io = 0;
    double would_block = 0;
    double interrupt = 0;
    unsigned max_storm = 8;
    double reset = 0;
    double no_buffers = 0;
    double accept_fd_limit = 0;
};

struct FaultCounts {
    std::size_t short_io = 0;
    std::size_t would_block = 0;
    std::size_t interrupt = 0;
    std::size_t reset = 0;
    std::size_t no_buffers = 0;
    std::size_t accept_fd_limit = 0;
    std::size_t total() const noexcept {
        return short_io + would_block + interrupt + reset + no_buffers + accept_fd_limit;
    }
};

class FaultInjectingDriver final : public backend::Driver {
  public:
    // std::invalid_argument when a probability is outside [0, 1] or inner is null.
    FaultInjectingDriver(std::unique_ptr<backend::Driver> inner, FaultPlan plan);
    ~FaultInjectingDriver() override;

    const FaultCounts& counts() const noexcept { return counts_; }

    std::string_view name() const noexcept override { return inner_->name(); }
    backend::DriverFeatures features() const noexcept override { return inner_->features(); }
    backend::Clock& clock() noexcept override { return inner_->clock(); }
    bool start(backend::Operation& op) override;
    void cancel(backend::Operation& op) noexcept override;
    bool remove_timer(backend::Operation& op) noexcept override { return inner_->remove_timer(op); }
    std::size_t poll(std::optional<Duration> timeout) override;
    void wake() noexcept override { inner_->wake(); }
    void forget_fd(int fd) noexcept override;
    bool holds_input(int fd) const noexcept override { return inner_->holds_input(fd); }
    void release_buffer(const backend::ProvidedBuffer& buffer) noexcept override {
        inner_->release_buffer(buffer);
    }
    std::optional<TimePoint> next_deadline() const noexcept override {
        return inner_->next_deadline();
    }
    std::size_t pending() const noexcept override;

  private:
    struct Held {
        backend::Operation* op;
        unsigned storm_left;
        bool cancelled;
    };
    struct Trimmed {
        FaultInjectingDriver* driver;
        backend::CompletionFn on_complete;
        void* context;
        std::size_t length;
    };

    bool chance(double probability);
    bool is_stream_socket(int fd) const noexcept;
    // Starts `op` on the inner driver, maybe trimmed; true if it finished inline.
    bool start_inner(backend::Operation& op);
    static void on_trimmed_complete(backend::Operation& op) noexcept;
    void restore(backend::Operation& op) noexcept;
    std::size_t run_held();

    std::unique_ptr<backend::Driver> inner_;
    FaultPlan plan_;
    FaultCounts counts_;
    std::mt19937_64 random_;
    std::vector<Held> held_;
    std::unordered_map<backend::Operation*, Trimmed> trimmed_;
};

// Runs `fn()` (a callable returning Task<void>) to completion on a loop whose
// driver (the one CORONET_BACKEND picks) is wrapped in a
// FaultInjectingDriver; `counts`, if given, receives what was injected.
void run_with_faults(const FaultPlan& plan, const std::function<Task<void>()>& fn,
                     FaultCounts* counts = nullptr);

}  // namespace coronet::testing
