#include "coronet/runtime/concurrent_future.hpp"

namespace coronet::detail {

bool ConcurrentCore::cancel() {
    std::lock_guard lock(mutex);
    if (done) return false;
    if (cancel_requested) return true;
    cancel_requested = true;
    // Before the task exists the flag is enough: the loop cancels it as it
    // creates it. Afterwards, the cancellation is posted to the loop. Posted
    // under the mutex: the done callback (which clears canceller) waits.
    if (canceller) loop->call_soon_threadsafe([fn = canceller] { fn(); });
    return true;
}

void ConcurrentCore::check_locked() const {
    if (cancelled) throw CancelledError();
    if (error) std::rethrow_exception(error);
}

}  // namespace coronet::detail
