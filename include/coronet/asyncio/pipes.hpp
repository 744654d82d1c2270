// asyncio's connect_read_pipe / connect_write_pipe: transports over a pipe
// (or a FIFO, a character device, a socket) given as a file descriptor.
//
//     int fds[2]; ::pipe2(fds, O_CLOEXEC);
//     auto r = co_await asyncio::connect_read_pipe(reader_factory, fds[0]);
//     auto w = co_await asyncio::connect_write_pipe(writer_factory, fds[1]);
//     w.transport->write("hello");   // r's protocol: data_received("hello")
//     w.transport->close();          // r's protocol: eof_received, connection_lost
//
// The transport takes the fd over (as asyncio takes the pipe object): it is
// made non-blocking and closed when the transport is. Reading and writing
// use read(2)/write(2) when the fd is ready, waiting through a backend poll
// operation otherwise (pipes have no recv/send). get_extra_info("pipe") is
// the fd (int) while the transport is open.
//
// Read side: connection_made, data_received*, then on EOF eof_received()
// (its result is ignored: a read pipe has nothing to keep open) and
// connection_lost(nullptr). pause_reading/resume_reading as for sockets.
// Write side: write() tries the write at once and buffers the rest, with
// the usual water marks (pause_writing/resume_writing); write_eof() closes
// the pipe once the buffer is flushed (a pipe cannot be half-closed);
// when the reader goes away, connection_lost gets BrokenResourceError
// (asyncio's BrokenPipeError) if data was pending, nullptr otherwise.
// Writing never raises SIGPIPE.
//
// Errors: a closed or invalid fd is OSError(EBADF) (the fd is not taken);
// an fd that is not a pipe, FIFO, socket or character device (a regular
// file) is std::invalid_argument, as in asyncio.
#pragma once

#include <memory>

#include "coronet/asyncio/connection.hpp"
#include "coronet/asyncio/protocols.hpp"
#include "coronet/asyncio/transports.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::asyncio {

struct ReadPipeConnection {
    std::shared_ptr<ReadTransport> transport;
    BaseProtocol* protocol = nullptr;
};

struct WritePipeConnection {
    std::shared_ptr<WriteTransport> transport;
    BaseProtocol* protocol = nullptr;
};

// The factory's protocol must be a Protocol (or a BufferedProtocol for the
// read side is not supported: asyncio's pipes call data_received).
Task<ReadPipeConnection> connect_read_pipe(ProtocolFactory factory, int fd);
Task<WritePipeConnection> connect_write_pipe(ProtocolFactory factory, int fd);

}  // namespace coronet::asyncio
