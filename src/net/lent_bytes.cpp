#include "coronet/net/lent_bytes.hpp"

#include <cstdlib>

namespace coronet::net {

void LentBytes::give_back() noexcept {
    if (driver_) {
        driver_->release_buffer({data_, id_});
    } else {
        std::free(data_);
    }
    data_ = nullptr;
}

}  // namespace coronet::net
