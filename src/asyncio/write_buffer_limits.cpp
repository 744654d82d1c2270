#include "coronet/asyncio/write_buffer_limits.hpp"

#include <stdexcept>
#include <string>

namespace coronet::asyncio {

WriteBufferLimits WriteBufferLimits::from(std::optional<std::int64_t> high,
                                          std::optional<std::int64_t> low) {
    std::int64_t h = 0;
    if (high) {
        h = *high;
    } else {
        h = low ? *low * 4 : 64 * 1024;
    }
    const std::int64_t l = low ? *low : h / 4;
    if (h < 0 || l < 0 || l > h) {
        throw std::invalid_argument("set_write_buffer_limits: high (" + std::to_string(h) +
                                    ") must be >= low (" + std::to_string(l) + ") must be >= 0");
    }
    return {static_cast<std::size_t>(l), static_cast<std::size_t>(h)};
}

}  // namespace coronet::asyncio
