// The worker threads behind to_thread::run_sync (AnyIO's worker threads,
// Trio's thread cache).
//
// Threads start lazily, one per job that finds no idle worker, and an idle
// worker exits after `idle_timeout` (10 s, as in Trio). How many jobs run at
// once is bounded by a ThreadLimiter, not here. Every thread the pool starts
// blocks all signals from birth, so signals reach the loop's signalfd instead
// of a worker.
//
// Each loop thread has its own pool (ThreadPool::for_this_thread()): there is
// one loop per thread, so it is the loop's pool. It is destroyed, and every
// worker joined, when that thread exits (for the main thread: at process
// exit), after the jobs still running finish, abandoned ones included.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace coronet {

class ThreadPool {
  public:
    using Job = std::function<void()>;

    explicit ThreadPool(std::chrono::milliseconds idle_timeout = std::chrono::seconds(10));
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;
    // Waits for queued and running jobs, then joins every worker.
    ~ThreadPool();

    // Runs `job` on a worker. The job must not throw (to_thread catches for
    // it); one that does terminates the process, as a thread would.
    void submit(Job job);

    // Workers alive now (idle or busy), for tests and diagnostics.
    std::size_t thread_count() const;

    // The pool of the calling thread, created on first use.
    static ThreadPool& for_this_thread();

  private:
    struct Worker {
        std::thread thread;
        bool exited = false;
    };
    void work(Worker& self);
    void reap_exited_locked(std::unique_lock<std::mutex>& lock);

    const std::chrono::milliseconds idle_timeout_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    std::list<Worker> workers_;  // std::list: a Worker's address is stable
    std::size_t idle_ = 0;
    bool stopping_ = false;
};

namespace detail {
// Starts a std::thread running `body` with every signal blocked from its
// first instruction (the mask is inherited, so no signal can slip in before
// the thread would have blocked it itself).
std::thread start_thread_without_signals(std::function<void()> body);
}  // namespace detail

}  // namespace coronet
