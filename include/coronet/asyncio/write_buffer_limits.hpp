// The water marks of a transport's write buffer and asyncio's rules for them.
//
//     auto limits = WriteBufferLimits::from(64 * 1024, std::nullopt);  // low = high / 4
//     if (limits.should_pause(size)) ...
//
// Rules (asyncio's set_write_buffer_limits):
//  - neither given: high = 64 KiB, low = 16 KiB;
//  - only low given: high = 4 * low; only high given: low = high / 4, so
//    high = 0 forces low = 0;
//  - a negative value, or low greater than high, is std::invalid_argument.
// The transport pauses its protocol when the buffer grows past `high`
// (strictly greater) and resumes it when the buffer is at or below `low`;
// with both at zero it pauses whenever anything is buffered and resumes once
// the buffer is empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace coronet::asyncio {

struct WriteBufferLimits {
    std::size_t low = 16 * 1024;
    std::size_t high = 64 * 1024;

    static WriteBufferLimits from(std::optional<std::int64_t> high,
                                  std::optional<std::int64_t> low);
    bool should_pause(std::size_t buffered) const noexcept { return buffered > high; }
    bool should_resume(std::size_t buffered) const noexcept { return buffered <= low; }
};

}  // namespace coronet::asyncio
