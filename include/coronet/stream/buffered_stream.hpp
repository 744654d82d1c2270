// BufferedByteReceiveStream (AnyIO's): receive_exactly / receive_until over
// any ByteReceiveStream.
//
//     BufferedByteReceiveStream in(client);             // borrows `client`
//     Bytes header = co_await in.receive_until("\r\n\r\n", 8192);
//     Bytes body = co_await in.receive_exactly(length);
//
// It borrows the wrapped stream (which must outlive it); aclose() closes the
// wrapped stream. Bytes read past what a call returns stay in buffer() for
// the next call.
#pragma once

#include <cstddef>
#include <string>

#include "coronet/base/bytes.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/stream/byte_stream.hpp"

namespace coronet {

// The stream ended before receive_exactly/receive_until had what it needed.
// partial() holds what had arrived (it is no longer in the buffer).
class IncompleteRead : public Error {
  public:
    IncompleteRead(Bytes partial, std::size_t expected);
    const Bytes& partial() const noexcept { return partial_; }
    std::size_t expected() const noexcept { return expected_; }  // 0 for receive_until

  private:
    Bytes partial_;
    std::size_t expected_;
};

// receive_until saw max_bytes without the delimiter (the data stays buffered).
class DelimiterNotFound : public Error {
  public:
    explicit DelimiterNotFound(std::size_t max_bytes)
        : Error("delimiter not found within the first " + std::to_string(max_bytes) + " bytes") {}
};

class BufferedByteReceiveStream : public ByteReceiveStream {
  public:
    explicit BufferedByteReceiveStream(ByteReceiveStream& stream) noexcept : stream_(&stream) {}

    // The bytes received but not yet returned.
    BytesView buffer() const noexcept { return buffer_.view().subview(start_); }
    // Adds bytes to the front of what the next call returns (AnyIO's feed_data
    // appends; this is the same for an empty buffer).
    void feed_data(BytesView data);

    // Exactly `nbytes` bytes, or IncompleteRead at end of stream.
    Task<Bytes> receive_exactly(std::size_t nbytes);
    // The bytes before the next `delimiter` (which is consumed, not returned).
    // DelimiterNotFound once max_bytes arrived without it; IncompleteRead at
    // end of stream.
    Task<Bytes> receive_until(BytesView delimiter, std::size_t max_bytes);

    Task<void> aclose() override { return stream_->aclose(); }
    std::any extra_attribute(AttributeId id) const override { return stream_->extra_attribute(id); }

  protected:
    Task<Bytes> do_receive(std::size_t max_bytes) override;

  private:
    Bytes take(std::size_t count);
    // Receives more into the buffer; false at end of stream.
    Task<bool> fill();

    ByteReceiveStream* stream_;
    Bytes buffer_;
    std::size_t start_ = 0;
};

}  // namespace coronet
