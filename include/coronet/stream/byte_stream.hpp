// The byte-stream interfaces (AnyIO's abc): ByteReceiveStream,
// ByteSendStream and ByteStream.
//
//     Task<void> echo(ByteStream& s) {
//         try {
//             for (;;) co_await s.send(co_await s.receive());
//         } catch (const EndOfStream&) {}
//         co_await s.aclose();
//     }
//
// The contract every implementation keeps (and the conformance suite in
// coronet/testing checks):
//  * receive(max_bytes) returns 1..max_bytes bytes; at end of stream it raises
//    EndOfStream, never an empty buffer;
//  * receive_into(buffer) fills 1..buffer.size() bytes of the caller's buffer
//    and returns how many, with receive()'s rules (EndOfStream, never 0). The
//    default implementation receives and copies; streams that can read into
//    the caller's memory directly override do_receive_into (SocketStream does).
//    An empty buffer is std::invalid_argument;
//  * send(data) sends all of `data` before returning;
//  * send_eof() half-closes where supported (the peer's receive raises
//    EndOfStream, the other direction keeps working), else raises
//    std::logic_error;
//  * ClosedResourceError after our own aclose(), also for a task that was
//    waiting in receive/send when aclose() ran; BrokenResourceError when the
//    peer broke the stream; BusyResourceError when a second task receives (or
//    sends) while one already is.
//  * A cancelled receive loses no data. A cancelled send may have delivered a
//    prefix of its data (never more, never a duplicate).
//
// The calls are non-virtual wrappers (receive -> do_receive, ...) so that a
// concrete class such as SocketStream can offer a faster awaitable under the
// same name while the interface keeps working through a base reference.
#pragma once

#include <cstddef>
#include <span>

#include "coronet/base/bytes.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/stream/typed_attributes.hpp"

namespace coronet {

inline constexpr std::size_t kDefaultReceiveSize = 65536;

class ByteReceiveStream : public virtual TypedAttributeProvider {
  public:
    Task<Bytes> receive(std::size_t max_bytes = kDefaultReceiveSize) {
        return do_receive(max_bytes);
    }
    Task<std::size_t> receive_into(std::span<std::byte> buffer) {
        return do_receive_into(buffer);
    }
    // Closes the stream; idempotent. Tasks waiting on it get ClosedResourceError.
    virtual Task<void> aclose() = 0;

  protected:
    virtual Task<Bytes> do_receive(std::size_t max_bytes) = 0;
    virtual Task<std::size_t> do_receive_into(std::span<std::byte> buffer);
};

class ByteSendStream : public virtual TypedAttributeProvider {
  public:
    Task<void> send(BytesView data) { return do_send(data); }
    virtual Task<void> aclose() = 0;

  protected:
    virtual Task<void> do_send(BytesView data) = 0;
};

class ByteStream : public ByteReceiveStream, public ByteSendStream {
  public:
    using ByteReceiveStream::receive;
    using ByteSendStream::send;
    // Half-close: no more sends; the peer's receive raises EndOfStream.
    Task<void> send_eof() { return do_send_eof(); }
    Task<void> aclose() override = 0;

  protected:
    virtual Task<void> do_send_eof() = 0;
};

}  // namespace coronet
