#include "coronet/runtime/sleep.hpp"

#include "coronet/runtime/loop.hpp"

namespace coronet {

SleepAwaiter sleep_until(TimePoint deadline) {
    return SleepAwaiter(deadline);
}

SleepAwaiter sleep(Duration delay) {
    return SleepAwaiter(deadline_after(delay, "sleep"));
}

bool CheckpointAwaiter::await_ready() const {
    detail::current_task("checkpoint").checkpoint_cancel();
    return false;
}

void CheckpointAwaiter::await_suspend(std::coroutine_handle<> h) const noexcept {
    detail::TaskContext& task = *detail::tl_current_task;
    task.suspend(h, nullptr);
    task.wake();
}

}  // namespace coronet
