// asyncio's StreamWriter: the writing half of a stream connection, over a
// Transport.
//
//     writer.write("GET / HTTP/1.0\r\n\r\n");
//     co_await writer.drain();        // waits while the transport is paused
//     writer.close();
//     co_await writer.wait_closed();
//
// A StreamWriter is a shared handle (copies drive the same transport) and
// keeps its transport object alive. drain() honours the transport's water
// marks (set_write_buffer_limits on transport()): it returns at once below
// the high mark and otherwise waits for resume_writing. drain() after the
// connection was lost raises the reader's exception if it has one, else
// BrokenResourceError("connection lost"). Loop thread only.
#pragma once

#include <any>
#include <memory>
#include <span>
#include <string_view>

#include "coronet/asyncio/stream_reader.hpp"
#include "coronet/asyncio/transports.hpp"
#include "coronet/base/bytes.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::asyncio {

namespace detail {
struct StreamProtocolState;
}

class StreamWriter {
  public:
    StreamWriter(std::shared_ptr<Transport> transport,
                 std::shared_ptr<detail::StreamProtocolState> protocol, StreamReader reader);

    void write(BytesView data) { transport_->write(data); }
    void writelines(std::span<const BytesView> pieces) { transport_->writelines(pieces); }
    void write_eof() { transport_->write_eof(); }
    bool can_write_eof() const noexcept { return transport_->can_write_eof(); }
    Task<void> drain();
    void close() { transport_->close(); }
    bool is_closing() const noexcept { return transport_->is_closing(); }
    // Completes once the connection is lost (after close(), or the peer's).
    Task<void> wait_closed();
    std::any get_extra_info(std::string_view name, std::any default_value = {}) const {
        return transport_->get_extra_info(name, std::move(default_value));
    }
    Transport& transport() const noexcept { return *transport_; }

  private:
    std::shared_ptr<Transport> transport_;
    std::shared_ptr<detail::StreamProtocolState> protocol_;
    StreamReader reader_;
};

}  // namespace coronet::asyncio
