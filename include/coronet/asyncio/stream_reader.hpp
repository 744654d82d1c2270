// asyncio's StreamReader: the buffered reading half of a stream connection.
//
//     auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", 8888);
//     Bytes line = co_await reader.readline();        // empty at EOF, as asyncio
//     Bytes header = co_await reader.readexactly(4);  // IncompleteReadError at EOF
//
// In this layer, as in asyncio (and unlike coronet's byte streams), a read at
// EOF returns an empty buffer instead of raising EndOfStream.
//
// A StreamReader is a shared handle: copies read the same buffer. It is fed
// by its connection's protocol (feed_data / feed_eof / set_exception), or by
// hand (tests, parsers). Reading pauses the transport when the buffer holds
// more than 2 * limit bytes and resumes it once it is back to limit or less.
// Only one task may wait on a reader at a time (a second is std::logic_error,
// as asyncio's RuntimeError). Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>

#include "coronet/asyncio/transports.hpp"
#include "coronet/base/bytes.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::asyncio {

// EOF came before the read was complete. `partial` holds what was read (and
// is no longer in the buffer); `expected` is the count asked for (nullopt for
// readuntil).
class IncompleteReadError : public Error {
  public:
    IncompleteReadError(Bytes partial, std::optional<std::size_t> expected);
    Bytes partial;
    std::optional<std::size_t> expected;
};

// The separator was not found within the limit. The data stays in the
// buffer; `consumed` is how many bytes would have to be consumed.
class LimitOverrunError : public Error {
  public:
    LimitOverrunError(std::string message, std::size_t consumed);
    std::size_t consumed;
};

namespace detail {
struct ReaderState;
}

class StreamReader {
  public:
    static constexpr std::int64_t default_limit = 64 * 1024;

    // limit must be > 0 (std::invalid_argument otherwise).
    explicit StreamReader(std::int64_t limit = default_limit);
    explicit StreamReader(std::shared_ptr<detail::ReaderState> state) noexcept;

    // Up to n bytes (n < 0: everything until EOF; n == 0: empty at once).
    // Waits for at least one byte unless at EOF, where it returns empty.
    Task<Bytes> read(std::int64_t n = -1);
    // One line including its "\n"; at EOF the incomplete last line (maybe
    // empty). A line over the limit: the buffer is discarded up to and
    // including the separator if it was seen (all of it otherwise), and
    // LimitOverrunError is raised.
    Task<Bytes> readline();
    // Exactly n bytes (n >= 0, else std::invalid_argument), or
    // IncompleteReadError at EOF.
    Task<Bytes> readexactly(std::int64_t n);
    // Up to and including `separator` (not empty, else std::invalid_argument).
    // EOF first: IncompleteReadError with the whole buffer. The limit is hit
    // first: LimitOverrunError, with the data left in the buffer.
    Task<Bytes> readuntil(BytesView separator = "\n");

    // EOF was fed and the buffer is empty.
    bool at_eof() const noexcept;
    void feed_data(BytesView data);
    void feed_eof();
    // Makes waiting and later reads raise `exc`.
    void set_exception(std::exception_ptr exc);
    std::exception_ptr exception() const noexcept;
    // The transport to pause when the buffer is over 2 * limit (not owned).
    void set_transport(ReadTransport* transport);
    std::size_t limit() const noexcept;
    // Bytes buffered now.
    std::size_t buffered() const noexcept;

    const std::shared_ptr<detail::ReaderState>& state() const noexcept { return state_; }

  private:
    std::shared_ptr<detail::ReaderState> state_;
};

}  // namespace coronet::asyncio
