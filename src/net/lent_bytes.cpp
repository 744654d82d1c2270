#include "coronet/net/lent_bytes.hpp"

namespace coronet::net {

void LentBytes::release() noexcept {
    if (driver_ && buffer_.valid()) driver_->release_buffer(buffer_);
    driver_ = nullptr;
    buffer_ = {};
    owned_ = Bytes();
    view_ = {};
}

void LentBytes::take(LentBytes& other) noexcept {
    driver_ = std::exchange(other.driver_, nullptr);
    buffer_ = std::exchange(other.buffer_, {});
    // A moved Bytes keeps its heap block, so an owned view stays valid.
    owned_ = std::move(other.owned_);
    view_ = std::exchange(other.view_, {});
}

}  // namespace coronet::net
