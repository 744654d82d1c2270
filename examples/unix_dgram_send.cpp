// The reference's connected UNIX datagram client: sends one datagram from an
// unnamed socket and exits.
//
//     unix_dgram_send PATH MESSAGE     (PATH: "@name" for an abstract name)
//
// The Python original (AnyIO):
//     async with await create_connected_unix_datagram_socket(remote_path='/dev/log') as unix_dg:
//         await unix_dg.send(b'Hi there!\n')
#include <coronet/coronet.hpp>
#include <coronet/stream/unix_datagram_socket.hpp>
#include <cstdio>
#include <string>

using namespace coronet;

namespace {

Task<void> send_once(std::string path, std::string message) {
    ConnectedUNIXDatagramSocket dg =
        co_await create_connected_unix_datagram_socket({.remote_path = path});
    co_await dg.send(message);
    co_await dg.aclose();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || argv[1][0] == '\0') {
        std::fprintf(stderr,
                     "usage: unix_dgram_send PATH MESSAGE  (\"@name\" for an abstract name)\n");
        return 2;
    }
    std::string path = argv[1];
    if (path.front() == '@') path.front() = '\0';
    try {
        return run(send_once, path, std::string(argv[2]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "unix_dgram_send: %s\n", e.what());
        return 1;
    }
}
