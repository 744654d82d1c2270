// What EventLoop::create_task returns: asyncio's Task, a Future that a
// coroutine completes.
//
//     TaskHandle<int> t = loop.create_task(compute());
//     ...
//     int v = co_await t;          // or t.result() once t.done()
//     t.cancel();                  // cancels the task (at its next await)
//
// cancel() cancels the task's own cancel scope: the coroutine receives
// Cancelled at its next await and the handle ends cancelled (result() then
// raises CancelledError), unless the coroutine swallowed it and returned.
// A task that failed and whose exception nobody read is reported to the
// loop's exception handler when its last handle goes ("task exception was
// never retrieved", as asyncio); in debug mode, so is a task whose result
// nobody awaited or read.
#pragma once

#include <memory>

#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/future.hpp"

namespace coronet {

class EventLoop;

namespace detail {
// Shared by a task's handles and its running coroutine.
struct TaskControl {
    TaskControl(EventLoop& loop, std::shared_ptr<FutureCore> future);
    TaskControl(const TaskControl&) = delete;
    TaskControl& operator=(const TaskControl&) = delete;
    ~TaskControl();  // reports an unretrieved result (see above)

    EventLoop* loop;  // null once the EventLoop is gone
    std::shared_ptr<FutureCore> future;
    CancelScope* scope = nullptr;  // while the coroutine runs
    bool cancel_requested = false;
    TaskControl* next = nullptr;  // the EventLoop's registry
    TaskControl* prev = nullptr;
};
}  // namespace detail

template <class T = void>
class TaskHandle : public Future<T> {
  public:
    // Requests cancellation; false if the task is already done.
    bool cancel() noexcept {
        if (this->done()) return false;
        control_->cancel_requested = true;
        if (control_->scope) control_->scope->cancel();
        return true;
    }

  private:
    friend class EventLoop;
    explicit TaskHandle(EventLoop& loop, Loop& core_loop)
        : Future<T>(core_loop),
          control_(std::make_shared<detail::TaskControl>(loop, this->state_)) {}
    std::shared_ptr<detail::TaskControl> control_;
};

}  // namespace coronet
