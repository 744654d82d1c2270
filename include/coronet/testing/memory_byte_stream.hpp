// An in-memory, connected pair of ByteStreams for tests (Trio's
// memory_stream_pair, AnyIO's memory streams as bytes).
//
//     auto [client, server] = coronet::testing::create_memory_byte_stream_pair();
//     co_await client->send("ping");
//     Bytes got = co_await server->receive();
//
// Each direction buffers at most `max_buffer` bytes (flow control: a send
// waits for the peer to read once the buffer is full). The streams keep the
// whole ByteStream contract: EndOfStream after the peer's send_eof() or
// aclose(); BrokenResourceError when sending to a peer that closed;
// ClosedResourceError after our own aclose() (also for a task waiting in
// receive/send at that moment); BusyResourceError on concurrent receives or
// sends; a cancelled receive loses nothing; a cancelled send has delivered a
// prefix of its data.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

#include "coronet/stream/byte_stream.hpp"

namespace coronet::testing {

namespace detail {
struct MemoryPipe;
}

class MemoryByteStream : public ByteStream {
  public:
    MemoryByteStream(std::shared_ptr<detail::MemoryPipe> in,
                     std::shared_ptr<detail::MemoryPipe> out) noexcept;
    ~MemoryByteStream() override;
    MemoryByteStream(const MemoryByteStream&) = delete;
    MemoryByteStream& operator=(const MemoryByteStream&) = delete;

    Task<void> aclose() override;
    // Bytes sent to this stream and not yet received.
    std::size_t buffered() const noexcept;

  protected:
    Task<Bytes> do_receive(std::size_t max_bytes) override;
    Task<void> do_send(BytesView data) override;
    Task<void> do_send_eof() override;

  private:
    void close_now() noexcept;

    std::shared_ptr<detail::MemoryPipe> in_;
    std::shared_ptr<detail::MemoryPipe> out_;
    bool closed_ = false;
};

std::pair<std::unique_ptr<MemoryByteStream>, std::unique_ptr<MemoryByteStream>>
create_memory_byte_stream_pair(std::size_t max_buffer = 65536);

}  // namespace coronet::testing
