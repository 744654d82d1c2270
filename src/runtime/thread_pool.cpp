#include "coronet/runtime/thread_pool.hpp"

#include <pthread.h>
#include <signal.h>

#include <system_error>

namespace coronet {

namespace detail {

std::thread start_thread_without_signals(std::function<void()> body) {
    sigset_t all;
    sigset_t previous;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &previous);
    std::thread thread;
    try {
        thread = std::thread(std::move(body));
    } catch (...) {
        ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        throw;
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return thread;
}

}  // namespace detail

ThreadPool::ThreadPool(std::chrono::milliseconds idle_timeout) : idle_timeout_(idle_timeout) {}

ThreadPool::~ThreadPool() {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    // Workers drain the queue before exiting, so no submitted job is lost.
    for (Worker& worker : workers_) {
        if (!worker.thread.joinable()) continue;
        lock.unlock();
        worker.thread.join();
        lock.lock();
    }
}

void ThreadPool::submit(Job job) {
    std::unique_lock lock(mutex_);
    reap_exited_locked(lock);
    jobs_.push_back(std::move(job));
    if (idle_ >= jobs_.size()) {
        wake_.notify_one();
        return;
    }
    Worker& worker = workers_.emplace_back();
    try {
        worker.thread = detail::start_thread_without_signals([this, &worker] { work(worker); });
    } catch (...) {
        workers_.pop_back();
        jobs_.pop_back();
        throw;
    }
}

std::size_t ThreadPool::thread_count() const {
    std::lock_guard lock(mutex_);
    std::size_t alive = 0;
    for (const Worker& worker : workers_)
        alive += worker.exited ? 0 : 1;
    return alive;
}

void ThreadPool::reap_exited_locked(std::unique_lock<std::mutex>& lock) {
    // A worker that timed out cannot join itself; the next submitter does,
    // which is quick: it has already left work().
    for (auto it = workers_.begin(); it != workers_.end();) {
        if (!it->exited) {
            ++it;
            continue;
        }
        std::thread thread = std::move(it->thread);
        it = workers_.erase(it);
        lock.unlock();
        thread.join();
        lock.lock();
    }
}

void ThreadPool::work(Worker& self) {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (jobs_.empty()) {
            if (stopping_) break;
            ++idle_;
            const bool woken =
                wake_.wait_for(lock, idle_timeout_, [this] { return stopping_ || !jobs_.empty(); });
            --idle_;
            if (!woken) break;
            continue;
        }
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        job = nullptr;  // the job's captures die here, off the lock
        lock.lock();
    }
    self.exited = true;
}

ThreadPool& ThreadPool::for_this_thread() {
    // One loop per thread, so this is the loop's pool; it joins its workers
    // when the thread exits.
    thread_local ThreadPool pool;
    return pool;
}

}  // namespace coronet
