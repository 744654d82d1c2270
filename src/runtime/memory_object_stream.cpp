#include "coronet/runtime/memory_object_stream.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace coronet::detail {

void throw_closed_stream(const char* what) {
    throw ClosedResourceError(std::string(what) +
                              ": this end of the memory object stream is closed");
}

void throw_moved_from_stream(const char* what) {
    throw ClosedResourceError(std::string(what) +
                              ": this memory object stream end was moved from (or never opened)");
}

void throw_broken_stream(const char* what) {
    throw BrokenResourceError(std::string(what) +
                              ": every receive end of the memory object stream is closed");
}

void throw_end_of_stream() {
    throw EndOfStream("end of stream: every send end of the memory object stream is closed");
}

void throw_stream_would_block(const char* what) {
    throw WouldBlock(std::string(what) + ": the operation would block");
}

void throw_negative_buffer_size(long long value) {
    throw std::invalid_argument(
        "create_memory_object_stream: max_buffer_size must not be "
        "negative (got " +
        std::to_string(value) + ")");
}

std::size_t checked_float_buffer_size(long double value) {
    // AnyIO accepts math.inf for "unbounded"; every other non-integer is a mistake.
    if (std::isinf(value) && value > 0) return std::numeric_limits<std::size_t>::max();
    std::ostringstream shown;
    shown << value;
    const auto fail = [&](const char* why) {
        throw std::invalid_argument(std::string("create_memory_object_stream: max_buffer_size ") +
                                    why + " (got " + shown.str() + ")");
    };
    if (std::isnan(value)) fail("must be a number");
    if (value < 0) fail("must not be negative");
    if (value != std::floor(value)) fail("must be a whole number or INFINITY");
    if (value >= std::ldexp(1.0L, 64)) fail("is too large (use kUnboundedBuffer)");
    return static_cast<std::size_t>(value);
}

}  // namespace coronet::detail
