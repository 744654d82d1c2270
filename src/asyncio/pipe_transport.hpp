// The pipe transports (connect_read_pipe, connect_write_pipe, and the
// subprocess transport's stdin/stdout/stderr).
#pragma once

#include <memory>

#include "coronet/asyncio/protocols.hpp"
#include "coronet/asyncio/transports.hpp"
#include "coronet/net/file_descriptor.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio::detail {

// Both take `fd` over, make it non-blocking, call connection_made before
// returning and start their I/O from the next loop iteration. `protocol`
// must be a Protocol for the read side.
std::shared_ptr<ReadTransport> start_read_pipe(Loop& loop, net::FileDescriptor fd,
                                               std::unique_ptr<BaseProtocol> protocol);
std::shared_ptr<WriteTransport> start_write_pipe(Loop& loop, net::FileDescriptor fd,
                                                 std::unique_ptr<BaseProtocol> protocol);

}  // namespace coronet::asyncio::detail
