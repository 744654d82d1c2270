// UNIXSocketStream: a SocketStream over an AF_UNIX stream socket, plus file
// descriptor passing (SCM_RIGHTS), as AnyIO's UNIXSocketStream.
//
//     // server: hand an open file to the client
//     co_await client.send_fds("this message is ignored", std::array{file_fd});
//     // client
//     auto [message, fds] = co_await client.receive_fds(0, 1);
//     FILE* f = ::fdopen(fds[0].release(), "r");
//
// Received descriptors arrive as owned net::FileDescriptor values
// (close-on-exec): whatever the caller drops is closed, so none leaks. The
// sender's descriptors are borrowed (not closed by send_fds).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "coronet/net/file_descriptor.hpp"
#include "coronet/stream/socket_stream.hpp"

namespace coronet {

struct ReceivedFds {
    Bytes message;
    std::vector<net::FileDescriptor> fds;
};

class UNIXSocketStream : public SocketStream {
  public:
    explicit UNIXSocketStream(net::Socket socket);

    // Sends `message` (not empty) with `fds` (not empty) attached to its
    // first byte; the rest of a partially sent message follows without them.
    Task<void> send_fds(BytesView message, std::span<const int> fds);
    // Receives up to `msglen` bytes and up to `maxfds` descriptors (one
    // recvmsg). EndOfStream when neither arrives. Descriptors beyond
    // `maxfds` are closed by the kernel's truncation (and reported as
    // BrokenResourceError, since the sender's message was cut).
    Task<ReceivedFds> receive_fds(std::size_t msglen, std::size_t maxfds);
};

}  // namespace coronet
