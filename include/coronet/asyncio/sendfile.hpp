// asyncio's loop.sendfile(transport, file, offset, count): sends part of a
// file through a write transport.
//
//     int file = ::open("big.bin", O_RDONLY | O_CLOEXEC);
//     std::size_t sent = co_await asyncio::sendfile(*conn.transport, file);
//     ::close(file);
//
// On a socket transport whose write buffer is empty, the bytes go straight
// from the file to the socket with sendfile(2) (zero-copy; the socket is
// used directly, so the protocol's data_received keeps running). Otherwise
// (data still buffered, or a pipe transport) the file is read in 64 KiB
// chunks with pread(2) and written with transport.write(), waiting after
// each chunk until the buffer is back at its low-water mark — checked
// each millisecond, since a transport's flow control talks only to its
// protocol. Do not write to the transport while sendfile runs (asyncio
// forbids it too).
//
// `count` nullopt sends up to the end of the file. The file's own position
// is neither used nor moved (the bytes come from `offset`), unlike
// Python's, which seeks the file object. Returns the bytes sent: fewer than
// count only at end of file. Errors: a negative offset is impossible by
// type; a bad file_fd is OSError(EBADF); a closing transport is
// ClosedResourceError, as are closes while it runs; send errors propagate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "coronet/asyncio/transports.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::asyncio {

Task<std::size_t> sendfile(WriteTransport& transport, int file_fd, std::uint64_t offset = 0,
                           std::optional<std::size_t> count = std::nullopt);

}  // namespace coronet::asyncio
