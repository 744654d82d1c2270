// The reference's connected UDP client: sends one datagram and exits.
//
//     udp_send HOST PORT MESSAGE     (HOST: a name or a numeric address)
//
// The Python original (AnyIO):
//     async with await create_connected_udp_socket(remote_host='hostname', remote_port=1234) as
//     udp:
//         await udp.send(b'Hi there!\n')
#include <charconv>
#include <coronet/coronet.hpp>
#include <coronet/stream/udp_socket.hpp>
#include <cstdio>
#include <string>
#include <string_view>

using namespace coronet;

namespace {

Task<void> send_once(std::string host, int port, std::string message) {
    ConnectedUDPSocket udp =
        co_await create_connected_udp_socket({.remote_host = host, .remote_port = port});
    co_await udp.send(message);
    co_await udp.aclose();
}

bool parse_port(std::string_view text, int& port) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    return error == std::errc() && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 4 || argv[1][0] == '\0' || !parse_port(argv[2], port)) {
        std::fprintf(stderr, "usage: udp_send HOST PORT MESSAGE  (PORT: 1..65535)\n");
        return 2;
    }
    try {
        return run(send_once, std::string(argv[1]), port, std::string(argv[3]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "udp_send: %s\n", e.what());
        return 1;
    }
}
