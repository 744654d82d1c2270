// StapledByteStream (AnyIO's): one ByteStream made of a send stream and a
// receive stream, e.g. two pipes, or two halves of memory streams.
//
//     StapledByteStream both(std::move(to_peer), std::move(from_peer));
//
// It owns both halves. send_eof() closes the send half; aclose() closes both.
#pragma once

#include <memory>

#include "coronet/stream/byte_stream.hpp"

namespace coronet {

class StapledByteStream : public ByteStream {
  public:
    StapledByteStream(std::unique_ptr<ByteSendStream> send_stream,
                      std::unique_ptr<ByteReceiveStream> receive_stream);

    ByteSendStream& send_stream() noexcept { return *send_; }
    ByteReceiveStream& receive_stream() noexcept { return *receive_; }

    Task<void> aclose() override;
    // Attributes of the receive half first, then of the send half.
    std::any extra_attribute(AttributeId id) const override;

  protected:
    Task<Bytes> do_receive(std::size_t max_bytes) override { return receive_->receive(max_bytes); }
    Task<void> do_send(BytesView data) override { return send_->send(data); }
    Task<void> do_send_eof() override { return send_->aclose(); }

  private:
    std::unique_ptr<ByteSendStream> send_;
    std::unique_ptr<ByteReceiveStream> receive_;
};

}  // namespace coronet
