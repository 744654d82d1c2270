// The reference's TCP server: for each connection, reads up to 1024 bytes as
// a name and answers "Hello, " + name + "\n"; serves forever.
//
//     tcp_server PORT       (every address, IPv4 and IPv6, as AnyIO does)
//
// The Python original (AnyIO):
//     async def handle(client):
//         async with client:
//             name = await client.receive(1024)
//             await client.send(b'Hello, %s\n' % name)
//
//     listener = await create_tcp_listener(local_port=1234)
//     await listener.serve(handle)
//
// One deliberate difference: a client that closes without sending anything
// is just closed (the Python version's EndOfStream ends the whole server).
#include <coronet/coronet.hpp>
#include <cstdio>

#include "python_bytes.hpp"

using namespace coronet;

namespace {

Task<void> handle(SocketStream client) {
    Bytes name;
    try {
        name = co_await client.receive(1024);
    } catch (const EndOfStream&) {
        co_return;
    }
    co_await client.send(concat("Hello, ", name, "\n"));
}  // the stream closes here, as `async with client` does

Task<void> serve(int port) {
    auto listener = co_await create_tcp_listener({.local_port = port});
    co_await listener.serve(handle);
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 2 || !examples::parse_port(argv[1], port, 0)) {
        std::fprintf(stderr, "usage: tcp_server PORT  (PORT: 0..65535)\n");
        return 2;
    }
    try {
        return run(serve, port);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tcp_server: %s\n", examples::one_line(e.what()).c_str());
        return 1;
    }
}
