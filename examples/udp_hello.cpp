// The reference's UDP "hello" service: answers every datagram with
// "Hello, " + the datagram, to its sender, forever.
//
//     udp_hello PORT          (listens on 0.0.0.0:PORT)
//
// The Python original (AnyIO):
//     async with await create_udp_socket(family=socket.AF_INET, local_port=1234) as udp:
//         async for packet, (host, port) in udp:
//             await udp.sendto(b'Hello, ' + packet, host, port)
#include <charconv>
#include <coronet/coronet.hpp>
#include <coronet/stream/udp_socket.hpp>
#include <cstdio>
#include <string_view>

using namespace coronet;

namespace {

Task<void> serve(int port) {
    UDPSocket udp = co_await create_udp_socket({.family = AF_INET, .local_port = port});
    while (auto packet = co_await udp.next())
        co_await udp.sendto(concat("Hello, ", packet->data), packet->host, packet->port);
}

bool parse_port(std::string_view text, int& port) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    return error == std::errc() && end == text.data() + text.size() && port >= 0 && port <= 65535;
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 2 || !parse_port(argv[1], port)) {
        std::fprintf(stderr, "usage: udp_hello PORT  (PORT: 0..65535)\n");
        return 2;
    }
    try {
        return run(serve, port);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "udp_hello: %s\n", e.what());
        return 1;
    }
}
