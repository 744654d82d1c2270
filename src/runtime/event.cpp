#include "coronet/runtime/event.hpp"

namespace coronet {

void Event::set() noexcept {
    set_ = true;
    lot_.unpark_all();
}

}  // namespace coronet
