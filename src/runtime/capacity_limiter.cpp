#include "coronet/runtime/capacity_limiter.hpp"

#include <stdexcept>
#include <string>

namespace coronet {

CapacityLimiter::CapacityLimiter(std::size_t total_tokens) : total_(total_tokens) {
    if (total_tokens == 0) {
        throw std::invalid_argument("CapacityLimiter: total_tokens must be at least 1");
    }
}

std::size_t CapacityLimiter::available_tokens() const noexcept {
    return total_ > borrowers_.size() ? total_ - borrowers_.size() : 0;
}

bool CapacityLimiter::try_borrow(const void* borrower, const char* what) {
    if (!borrower) throw std::invalid_argument(std::string(what) + ": the borrower is null");
    if (borrowers_.contains(borrower)) {
        throw std::logic_error(std::string(what) +
                               ": this borrower already holds one of this CapacityLimiter's "
                               "tokens");
    }
    // Queued tasks come first (fairness), even if tokens just appeared.
    if (!lot_.empty() || available_tokens() == 0) return false;
    borrowers_.insert(borrower);
    return true;
}

bool CapacityLimiter::AcquireAwaiter::await_ready() {
    detail::TaskContext& task = begin("CapacityLimiter::acquire");
    if (!borrower_) borrower_ = &task;
    return ready(limiter_->try_borrow(borrower_, "CapacityLimiter::acquire"));
}

void CapacityLimiter::acquire_nowait() {
    acquire_on_behalf_of_nowait(&detail::current_task("CapacityLimiter::acquire_nowait"));
}

void CapacityLimiter::acquire_on_behalf_of_nowait(const void* borrower) {
    if (!try_borrow(borrower, "CapacityLimiter::acquire_nowait")) {
        throw WouldBlock("CapacityLimiter::acquire_nowait: no token is available");
    }
}

void CapacityLimiter::release() {
    release_on_behalf_of(&detail::current_task("CapacityLimiter::release"));
}

void CapacityLimiter::release_on_behalf_of(const void* borrower) {
    if (!borrowers_.erase(borrower)) {
        throw std::logic_error(
            "CapacityLimiter::release: this borrower does not hold any of this "
            "CapacityLimiter's tokens");
    }
    wake_waiters();
}

void CapacityLimiter::set_total_tokens(std::size_t total_tokens) {
    if (total_tokens == 0) {
        throw std::invalid_argument(
            "CapacityLimiter::set_total_tokens: total_tokens must be at "
            "least 1");
    }
    total_ = total_tokens;
    wake_waiters();
}

void CapacityLimiter::wake_waiters() {
    while (available_tokens() > 0 && !lot_.empty()) {
        auto& next = static_cast<AcquireAwaiter&>(*lot_.front());
        // Recorded before waking: the token is the waiter's even if it is
        // cancelled before it runs.
        if (!borrowers_.insert(next.borrower_).second) {
            // The same borrower queued twice and its first request got a
            // token meanwhile: fail this one rather than stall the queue.
            next.duplicate_ = true;
        }
        lot_.unpark(next);
    }
}

CapacityLimiter::Statistics CapacityLimiter::statistics() const {
    return {borrowers_.size(), total_, {borrowers_.begin(), borrowers_.end()}, lot_.size()};
}

void CapacityLimiter::AcquireAwaiter::await_resume() const {
    throw_if_cancelled();
    if (duplicate_) {
        throw std::logic_error(
            "CapacityLimiter::acquire: this borrower already holds one of this "
            "CapacityLimiter's tokens");
    }
}

}  // namespace coronet
