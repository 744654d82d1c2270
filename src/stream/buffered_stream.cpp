#include "coronet/stream/buffered_stream.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>

namespace coronet {

IncompleteRead::IncompleteRead(Bytes partial, std::size_t expected)
    : Error(expected ? "the stream ended after " + std::to_string(partial.size()) + " of " +
                           std::to_string(expected) + " expected bytes"
                     : "the stream ended after " + std::to_string(partial.size()) +
                           " bytes, before the delimiter"),
      partial_(std::move(partial)),
      expected_(expected) {}

void BufferedByteReceiveStream::feed_data(BytesView data) {
    Bytes merged;
    merged.reserve(data.size() + buffer().size());
    merged.append(data);
    merged.append(buffer());
    buffer_ = std::move(merged);
    start_ = 0;
}

Bytes BufferedByteReceiveStream::take(std::size_t count) {
    Bytes out(buffer().subview(0, count));
    start_ += out.size();
    if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    }
    return out;
}

Task<bool> BufferedByteReceiveStream::fill() {
    Bytes more;
    try {
        more = co_await stream_->receive();
    } catch (const EndOfStream&) {
        co_return false;
    }
    if (start_ > 0 && start_ * 2 >= buffer_.size()) {  // compact before growing
        buffer_.erase_front(start_);
        start_ = 0;
    }
    if (buffer_.empty()) {
        buffer_ = std::move(more);
    } else {
        buffer_.append(more);
    }
    co_return true;
}

Task<Bytes> BufferedByteReceiveStream::do_receive(std::size_t max_bytes) {
    if (max_bytes == 0) throw std::invalid_argument("receive: max_bytes must be at least 1");
    if (!buffer().empty()) co_return take(max_bytes);
    co_return co_await stream_->receive(max_bytes);
}

Task<Bytes> BufferedByteReceiveStream::receive_exactly(std::size_t nbytes) {
    while (buffer().size() < nbytes) {
        // Not `if (!co_await fill()) throw ...`: g++ 12 miscompiles that
        // into an illegal instruction.
        const bool more = co_await fill();
        if (!more) throw IncompleteRead(take(SIZE_MAX), nbytes);
    }
    co_return take(nbytes);
}

Task<Bytes> BufferedByteReceiveStream::receive_until(BytesView delimiter, std::size_t max_bytes) {
    if (delimiter.empty()) throw std::invalid_argument("receive_until: empty delimiter");
    std::size_t searched = 0;
    for (;;) {
        const std::string_view text = buffer().str();
        const std::size_t from = searched >= delimiter.size() ? searched - delimiter.size() + 1 : 0;
        const std::size_t at = text.find(delimiter.str(), from);
        if (at != std::string_view::npos && at <= max_bytes) {
            Bytes out = take(at);
            take(delimiter.size());
            co_return out;
        }
        if (text.size() >= max_bytes) throw DelimiterNotFound(max_bytes);
        searched = text.size();
        const bool more = co_await fill();
        if (!more) throw IncompleteRead(take(SIZE_MAX), 0);
    }
}

}  // namespace coronet
