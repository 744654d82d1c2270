// asyncio's high-level stream functions: open_connection, start_server and
// their UNIX variants, on top of the transports (no coroutine per read: the
// protocol feeds the StreamReader from the transport's callbacks).
//
//     Task<void> handle(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
//         Bytes data = co_await reader.read(100);
//         writer.write(data);
//         co_await writer.drain();
//         writer.close();
//         co_await writer.wait_closed();
//     }
//     asyncio::Server server = co_await asyncio::start_server(handle, "127.0.0.1", 8888);
//     co_await server.serve_forever();
//
// TLS: ConnectionOptions::ssl / ServerOptions::ssl (see start_tls.hpp); a
// TLS connection cannot be half-closed, so write_eof() is a logic_error there
// and the reader sees EOF when the peer sends close_notify.
//
// The handler runs as a task of its own per connection; one that throws is
// reported through the loop's exception handler (the connection is not closed
// for it: close the writer in the handler, as in asyncio). Handler tasks
// still running when the loop ends are cancelled.
#pragma once

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "coronet/asyncio/connection.hpp"
#include "coronet/asyncio/server.hpp"
#include "coronet/asyncio/stream_reader.hpp"
#include "coronet/asyncio/stream_writer.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::asyncio {

struct Streams {
    StreamReader reader;
    StreamWriter writer;
};

using ClientConnectedCallback = std::function<Task<void>(StreamReader, StreamWriter)>;

struct StreamOptions {
    std::int64_t limit = StreamReader::default_limit;  // the readers' limit (> 0)
};

Task<Streams> open_connection(std::string host, int port, StreamOptions options = {},
                              ConnectionOptions connection = {});
Task<Streams> open_unix_connection(std::string path, StreamOptions options = {},
                                   TLSConnectionOptions tls = {});
Task<Server> start_server(ClientConnectedCallback handler, std::string host, int port,
                          StreamOptions options = {}, ServerOptions server = {});
Task<Server> start_unix_server(ClientConnectedCallback handler, std::string path,
                               StreamOptions options = {}, ServerOptions server = {});

}  // namespace coronet::asyncio
