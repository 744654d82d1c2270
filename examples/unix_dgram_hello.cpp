// The reference's UNIX datagram "hello" service: answers every datagram with
// "Hello, " + the datagram, to its sender's path, forever.
//
//     unix_dgram_hello PATH     (PATH: a filesystem path; "@name" for an abstract one)
//
// The Python original (AnyIO):
//     async with await create_unix_datagram_socket(local_path='/tmp/mysock') as unix_dg:
//         async for packet, path in unix_dg:
//             await unix_dg.sendto(b'Hello, ' + packet, path)
//
// One deliberate difference: a sender with no path (an unnamed socket, as
// unix_dgram_send uses) cannot be answered; the Python version dies on it
// with a TypeError, this one says so on stderr and keeps serving. As in
// AnyIO, the socket file is left behind on exit.
#include <coronet/coronet.hpp>
#include <coronet/stream/unix_datagram_socket.hpp>
#include <cstdio>
#include <string>

using namespace coronet;

namespace {

Task<void> serve(std::string path) {
    UNIXDatagramSocket dg = co_await create_unix_datagram_socket({.local_path = path});
    while (auto packet = co_await dg.next()) {
        if (packet->path.empty()) {
            std::fprintf(stderr, "unix_dgram_hello: a datagram from an unnamed socket: no reply\n");
            continue;
        }
        co_await dg.sendto(concat("Hello, ", packet->data), packet->path);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || argv[1][0] == '\0') {
        std::fprintf(stderr, "usage: unix_dgram_hello PATH  (\"@name\" for an abstract name)\n");
        return 2;
    }
    std::string path = argv[1];
    if (path.front() == '@') path.front() = '\0';
    try {
        return run(serve, path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "unix_dgram_hello: %s\n", e.what());
        return 1;
    }
}
