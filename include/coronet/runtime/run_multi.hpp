// Thread-per-core: one loop per thread, each running its own copy of `main`.
//
//     coronet::run_multi({.threads = 4, .pin_threads = true},
//                        [](LoopWorker worker) -> Task<void> {
//         // Every worker binds the same port with SO_REUSEPORT: the kernel
//         // spreads incoming connections over the loops.
//         auto listener = co_await create_tcp_listener(
//             {.local_host = "127.0.0.1", .local_port = 8080, .reuse_port = true});
//         co_await listener.serve(handle);
//     });
//
// Nothing is shared between the loops: each worker creates its own
// listeners, connections and tasks, and talks to another loop only through
// LoopGroup::call_soon_threadsafe (or thread-safe channels). The calling
// thread runs worker 0; the others get threads of their own.
//
// Stopping: LoopGroup::stop() (from any thread) cancels every worker's main
// task; run_multi returns once every worker has finished. A worker whose
// main fails stops the others too, and run_multi rethrows the failure (an
// ExceptionGroup when several failed). SIGINT and SIGTERM (stop_signals)
// stop the group: they are received by worker 0's loop through a signalfd,
// and blocked in every other worker's thread, so no signal lands on a loop
// that does not expect it.
#pragma once

#include <signal.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

struct MultiLoopOptions {
    // Number of loops; 0 means one per CPU this process may run on.
    unsigned threads = 0;
    // Pins worker i to the i-th CPU of the process's affinity mask (modulo
    // its size); the calling thread's affinity is restored afterwards.
    bool pin_threads = false;
    // Signals that stop the group (empty: none are watched).
    std::vector<int> stop_signals{SIGINT, SIGTERM};
    // Options of every loop (a mock clock cannot be shared: leave it unset).
    LoopOptions loop{};
};

class LoopGroup;

// What a worker's main receives.
struct LoopWorker {
    std::size_t index = 0;  // 0 .. size-1; worker 0 runs on the calling thread
    std::size_t size = 0;
    LoopGroup* group = nullptr;
};

class LoopGroup {
  public:
    LoopGroup(const LoopGroup&) = delete;
    LoopGroup& operator=(const LoopGroup&) = delete;

    std::size_t size() const noexcept { return loops_.size(); }
    // Runs `fn` on worker `index`'s loop thread, from any thread. Returns
    // false when that worker has already finished (fn is dropped).
    // std::out_of_range for an index >= size().
    bool call_soon_threadsafe(std::size_t index, std::function<void()> fn);
    // Cancels every worker's main task. Any thread, idempotent.
    void stop() noexcept;
    bool stop_requested() const noexcept { return stop_requested_.load(); }

  private:
    friend void run_multi(MultiLoopOptions, std::function<Task<void>(LoopWorker)>);
    struct Slot;
    explicit LoopGroup(std::size_t size);
    ~LoopGroup();

    std::mutex mutex_;  // guards every Slot's loop pointer
    std::vector<std::unique_ptr<Slot>> loops_;
    std::atomic<bool> stop_requested_{false};
};

// Runs `main` on `options.threads` loops and returns when all have finished.
// std::invalid_argument for a mock clock in the options or an invalid stop
// signal; rethrows what the workers raised (see above).
void run_multi(MultiLoopOptions options, std::function<Task<void>(LoopWorker)> main);

}  // namespace coronet
