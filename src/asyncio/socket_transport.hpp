// The stream socket transport (TCP, UNIX), driven straight from the backend.
#pragma once

#include <functional>
#include <memory>

#include "coronet/asyncio/protocols.hpp"
#include "coronet/asyncio/transports.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio::detail {

// Wraps a connected stream socket: calls protocol.connection_made at once
// (before returning), then starts reading from the next loop iteration.
// `on_gone` runs when the transport has released itself.
std::shared_ptr<Transport> start_socket_transport(Loop& loop, net::Socket socket,
                                                  std::unique_ptr<BaseProtocol> protocol,
                                                  std::function<void()> on_gone = {});

}  // namespace coronet::asyncio::detail
