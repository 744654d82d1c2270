#include "coronet/runtime/from_thread.hpp"

#include <stdexcept>
#include <string>

namespace coronet::detail {

void check_not_loop_thread(const Loop& loop, const char* what) {
    if (Loop::current_or_null() == &loop) {
        throw std::logic_error(std::string(what) +
                               " called from the loop's own thread: it would block the loop "
                               "waiting for itself (co_await the task instead)");
    }
}

}  // namespace coronet::detail
