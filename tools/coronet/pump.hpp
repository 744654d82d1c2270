// Copying bytes one way, with end of stream passed on as a half-close.
// Each copy awaits its send before receiving again, so a slow reader slows
// the writer down (back-pressure) instead of growing a buffer.
#pragma once
#include <coronet/coronet.hpp>
#include <cstdint>

#include "stdio.hpp"

namespace coronet::cli {

// to.send_eof(), except over TLS 1.2, which cannot half-close (its
// close_notify ends both directions): there nothing is sent, and the peer's
// own end of stream ends the connection. Returns whether it half-closed.
Task<bool> half_close(ByteStream& to);

// from -> to until from's end of stream, then half_close(to). Returns the
// number of bytes copied.
Task<std::uint64_t> copy_stream(ByteReceiveStream& from, ByteStream& to);
// Standard input -> stream until end of file, then half_close(stream).
Task<std::uint64_t> copy_stdin(StdioFile& in, ByteStream& to);
// Stream -> standard output until the stream's end.
Task<std::uint64_t> copy_to_stdout(ByteStream& from, StdioFile& out);

// Both directions between standard input/output and `stream`, each ending in
// its own time; returns when both have. Closes the stream.
Task<void> stdio_session(StdioFile& in, StdioFile& out, ByteStream& stream);

}  // namespace coronet::cli
