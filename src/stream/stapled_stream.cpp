#include "coronet/stream/stapled_stream.hpp"

#include <stdexcept>

namespace coronet {

StapledByteStream::StapledByteStream(std::unique_ptr<ByteSendStream> send_stream,
                                     std::unique_ptr<ByteReceiveStream> receive_stream)
    : send_(std::move(send_stream)), receive_(std::move(receive_stream)) {
    if (!send_ || !receive_) throw std::invalid_argument("StapledByteStream needs both halves");
}

Task<void> StapledByteStream::aclose() {
    co_await send_->aclose();
    co_await receive_->aclose();
}

std::any StapledByteStream::extra_attribute(AttributeId id) const {
    std::any value = receive_->extra_attribute(id);
    if (value.has_value()) return value;
    return send_->extra_attribute(id);
}

}  // namespace coronet
