#include "coronet/runtime/run_multi.hpp"

#include <pthread.h>
#include <sched.h>

#include <exception>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/signal_receiver.hpp"
#include "coronet/runtime/signals.hpp"
#include "coronet/runtime/task_group.hpp"

namespace coronet {

struct LoopGroup::Slot {
    Loop* loop = nullptr;          // set while the worker's loop runs (group mutex)
    CancelScope* scope = nullptr;  // touched only on the worker's own thread
    std::exception_ptr error;
};

LoopGroup::LoopGroup(std::size_t size) {
    loops_.reserve(size);
    for (std::size_t i = 0; i < size; ++i)
        loops_.push_back(std::make_unique<Slot>());
}

LoopGroup::~LoopGroup() = default;

bool LoopGroup::call_soon_threadsafe(std::size_t index, std::function<void()> fn) {
    if (index >= loops_.size()) {
        throw std::out_of_range("LoopGroup::call_soon_threadsafe: no worker " +
                                std::to_string(index) + " in a group of " +
                                std::to_string(loops_.size()));
    }
    // Holding the lock keeps the loop from being destroyed under us.
    std::lock_guard lock(mutex_);
    Loop* loop = loops_[index]->loop;
    if (!loop) return false;
    loop->call_soon_threadsafe(std::move(fn));
    return true;
}

void LoopGroup::stop() noexcept {
    if (stop_requested_.exchange(true)) return;
    for (auto& slot : loops_) {
        Slot* s = slot.get();
        try {
            std::lock_guard lock(mutex_);
            // A worker that has not entered its scope yet sees the flag itself.
            if (s->loop)
                s->loop->call_soon_threadsafe([s] {
                    if (s->scope) s->scope->cancel();
                });
        } catch (...) {
            // Out of memory queueing the call: the worker still sees the flag
            // at its next start, and a running one is cancelled by others'
            // failures; nothing better can be done in a noexcept stop.
        }
    }
}

namespace {

std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (::sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
    return cpus;
}

void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (const int rc = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set); rc != 0)
        throw_os_error(rc, "pthread_setaffinity_np", "cpu " + std::to_string(cpu));
}

// Blocks every asynchronous signal in the calling thread while alive, so
// that threads started meanwhile inherit a fully blocked mask.
class BlockAllSignals {
  public:
    BlockAllSignals() {
        sigset_t all;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_BLOCK, &all, &previous_);
    }
    ~BlockAllSignals() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

  private:
    sigset_t previous_;
};

}  // namespace

void run_multi(MultiLoopOptions options, std::function<Task<void>(LoopWorker)> main) {
    if (!main) throw std::invalid_argument("run_multi: main is empty");
    if (options.loop.driver.clock) {
        throw std::invalid_argument("run_multi: a clock cannot be shared by several loops");
    }
    for (int sig : options.stop_signals)
        check_catchable_signal(sig, "run_multi");
    const std::vector<int> cpus = allowed_cpus();
    std::size_t count = options.threads;
    if (count == 0) count = cpus.empty() ? 1 : cpus.size();

    LoopGroup group(count);
    // Every loop is registered before any main runs, so a worker can post to
    // any other from its first line.
    std::latch registered(static_cast<std::ptrdiff_t>(count));
    auto run_worker = [&](std::size_t index) {
        LoopGroup::Slot& slot = *group.loops_[index];
        bool arrived = false;
        try {
            if (options.pin_threads && !cpus.empty()) pin_to(cpus[index % cpus.size()]);
            Loop loop(options.loop);
            {
                std::lock_guard lock(group.mutex_);
                slot.loop = &loop;
            }
            struct Unregister {
                LoopGroup& group;
                LoopGroup::Slot& slot;
                ~Unregister() {
                    std::lock_guard lock(group.mutex_);
                    slot.loop = nullptr;
                }
            } unregister{group, slot};
            arrived = true;
            registered.arrive_and_wait();
            const LoopWorker worker{index, count, &group};
            auto body = [&](TaskGroup& tg) -> Task<void> {
                if (index == 0 && !options.stop_signals.empty()) {
                    auto receiver = std::make_shared<SignalReceiver>(
                        open_signal_receiver(options.stop_signals));
                    tg.spawn([receiver, &group]() -> Task<void> {
                        co_await receiver->next();
                        group.stop();
                    });
                }
                CancelScope scope;
                slot.scope = &scope;
                if (group.stop_requested()) scope.cancel();
                try {
                    co_await scope.run(main(worker));
                } catch (...) {
                    slot.scope = nullptr;
                    throw;
                }
                slot.scope = nullptr;
                tg.cancel_scope().cancel();  // the signal watcher, if any
            };
            loop.run_until_complete(with_task_group(body));
        } catch (const ExceptionGroup& failures) {
            if (!arrived) registered.count_down();
            // with_task_group wraps the main's failure; one failure is
            // reported as itself.
            slot.error = failures.size() == 1 ? failures.exceptions()[0] : std::current_exception();
            group.stop();
        } catch (...) {
            if (!arrived) registered.count_down();
            slot.error = std::current_exception();
            group.stop();
        }
    };

    std::vector<std::thread> threads;
    threads.reserve(count - 1);
    cpu_set_t caller_affinity;
    const bool restore_affinity =
        options.pin_threads &&
        ::pthread_getaffinity_np(::pthread_self(), sizeof caller_affinity, &caller_affinity) == 0;
    {
        BlockAllSignals blocked;
        try {
            for (std::size_t i = 1; i < count; ++i)
                threads.emplace_back(run_worker, i);
        } catch (...) {
            // The workers that started wait for the ones that never will.
            registered.count_down(static_cast<std::ptrdiff_t>(count - threads.size()));
            group.stop();
            for (auto& t : threads)
                t.join();
            throw;
        }
    }
    run_worker(0);
    for (auto& t : threads)
        t.join();
    if (restore_affinity)
        ::pthread_setaffinity_np(::pthread_self(), sizeof caller_affinity, &caller_affinity);

    std::vector<std::exception_ptr> errors;
    for (auto& slot : group.loops_)
        if (slot->error) errors.push_back(slot->error);
    if (errors.size() == 1) std::rethrow_exception(errors[0]);
    if (!errors.empty())
        throw ExceptionGroup("run_multi: " + std::to_string(errors.size()) + " workers failed",
                             std::move(errors));
}

}  // namespace coronet
