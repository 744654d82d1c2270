#include "coronet/runtime/task.hpp"

namespace coronet::detail {

void throw_task_misuse(const char* what) {
    throw std::logic_error(what);
}

}  // namespace coronet::detail
