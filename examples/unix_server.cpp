// The reference's UNIX socket server: for each connection, reads up to 1024
// bytes as a name and answers "Hello, " + name + "\n"; serves forever.
//
//     unix_server PATH      (PATH: a filesystem path; "@name" for an abstract one)
//
// The Python original (AnyIO):
//     async def handle(client):
//         async with client:
//             name = await client.receive(1024)
//             await client.send(b'Hello, %s\n' % name)
//
//     listener = await create_unix_listener('/tmp/mysock')
//     await listener.serve(handle)
//
// The socket file is left behind on exit (the reference's note). AnyIO
// removes a socket file already at PATH before binding, so the program can
// be started again; this one does too, but only when nobody listens there
// any more (replace_stale): a live server's socket, or a path that is not a
// socket, is an error (exit status 1). A client that closes without sending
// is just closed (in Python its EndOfStream would end the server).
#include <coronet/coronet.hpp>
#include <cstdio>
#include <string>

#include "python_bytes.hpp"

using namespace coronet;

namespace {

Task<void> handle(UNIXSocketStream client) {
    Bytes name;
    try {
        name = co_await client.receive(1024);
    } catch (const EndOfStream&) {
        co_return;
    }
    co_await client.send(concat("Hello, ", name, "\n"));
}

Task<void> serve(std::string path) {
    auto listener = co_await create_unix_listener(path, {.replace_stale = true});
    co_await listener.serve(handle);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || argv[1][0] == '\0') {
        std::fprintf(stderr, "usage: unix_server PATH  (\"@name\" for an abstract name)\n");
        return 2;
    }
    try {
        return run(serve, std::string(argv[1]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "unix_server: %s\n", examples::one_line(e.what()).c_str());
        return 1;
    }
}
