#include "coronet/runtime/detail/detached_task.hpp"

#include <stdexcept>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::detail {
namespace {

struct DetachedTask final : TaskContext, RootObserver {
    std::coroutine_handle<> root;

    void root_finished(std::exception_ptr error) noexcept override {
        loop->release_detached(*this);
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const Cancelled&) {
                error = nullptr;  // the loop's own shutdown cancelled it
            } catch (...) {
            }
        }
        if (error) {
            loop->call_exception_handler({"exception in a detached task", std::move(error)});
        }
        // Safe: the root is suspended at its final point and the loop does not
        // touch this context after the resume that brought us here.
        root.destroy();
        delete this;
    }
};

}  // namespace

void spawn_detached(Loop& loop, Task<void> task) {
    loop.check_thread("spawn_detached");
    if (!task.valid()) throw std::invalid_argument("spawn_detached: empty Task");
    auto handle = task.release();
    auto* context = new DetachedTask;
    context->root = handle;
    context->loop = &loop;
    context->resume_point = handle;
    loop.adopt_detached(*context);
    handle.promise().mark_started();
    handle.promise().set_observer(context);
    loop.schedule(*context);
}

}  // namespace coronet::detail
