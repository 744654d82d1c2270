#include "coronet/stream/byte_stream.hpp"

#include <cstring>
#include <stdexcept>

namespace coronet {

Task<std::size_t> ByteReceiveStream::do_receive_into(std::span<std::byte> buffer) {
    if (buffer.empty()) throw std::invalid_argument("receive_into: the buffer must not be empty");
    const Bytes data = co_await do_receive(buffer.size());
    // receive's contract (1..max_bytes); checked so a broken stream cannot
    // write past the caller's buffer.
    if (data.size() > buffer.size()) {
        throw std::logic_error("receive_into: the stream returned more than was asked for");
    }
    std::memcpy(buffer.data(), data.data(), data.size());
    co_return data.size();
}

}  // namespace coronet
