// Text streams (AnyIO's TextReceiveStream / TextSendStream / TextStream):
// UTF-8 strings over a byte stream.
//
//     TextStream text(client);                   // borrows `client`
//     co_await text.send("héllo\n");
//     std::string s = co_await text.receive();   // whole characters only
//
// receive() never splits a multibyte character: an incomplete sequence at
// the end of what arrived is held until the rest comes. Invalid UTF-8 (and a
// stream that ends inside a character) raises UnicodeDecodeError; send()
// rejects invalid UTF-8 the same way before sending anything. They borrow
// the byte stream, which must outlive them; aclose() closes it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "coronet/base/errors.hpp"
#include "coronet/stream/byte_stream.hpp"

namespace coronet {

class UnicodeDecodeError : public Error {
  public:
    using Error::Error;
};

// Bytes of `text` that form complete, valid UTF-8 characters; a trailing
// incomplete (so far valid) sequence is not counted. Throws
// UnicodeDecodeError naming the offset of the first invalid byte.
std::size_t utf8_complete_prefix(std::string_view text);

class TextReceiveStream {
  public:
    explicit TextReceiveStream(ByteReceiveStream& stream) noexcept : stream_(&stream) {}
    // At least one character (EndOfStream at the end of the stream).
    Task<std::string> receive();
    Task<void> aclose() { return stream_->aclose(); }

  private:
    ByteReceiveStream* stream_;
    std::string pending_;  // an incomplete trailing sequence
};

class TextSendStream {
  public:
    explicit TextSendStream(ByteSendStream& stream) noexcept : stream_(&stream) {}
    Task<void> send(std::string_view text);
    Task<void> aclose() { return stream_->aclose(); }

  private:
    ByteSendStream* stream_;
};

class TextStream {
  public:
    explicit TextStream(ByteStream& stream) noexcept
        : stream_(&stream), receiver_(stream), sender_(stream) {}
    Task<std::string> receive() { return receiver_.receive(); }
    Task<void> send(std::string_view text) { return sender_.send(text); }
    Task<void> send_eof() { return stream_->send_eof(); }
    Task<void> aclose() { return stream_->aclose(); }

  private:
    ByteStream* stream_;
    TextReceiveStream receiver_;
    TextSendStream sender_;
};

}  // namespace coronet
