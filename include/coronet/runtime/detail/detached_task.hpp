// A task with no parent group: the root of a chain that the loop runs until it
// finishes. Used where a task has to be started from plain code (a callback,
// another thread): from_thread::run and EventLoop::create_task. The loop keeps
// them in a scope of its own and, when it is destroyed, cancels the ones still
// running and runs until they have finished, so none outlives it. A detached
// task's failure goes to the loop's exception handler unless the task reports
// it itself.
#pragma once

#include "coronet/runtime/task.hpp"

namespace coronet {
class Loop;
}

namespace coronet::detail {

// Starts `task` at the loop's next iteration. Loop thread only.
void spawn_detached(Loop& loop, Task<void> task);

}  // namespace coronet::detail
