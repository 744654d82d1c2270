// The reference's TCP client: connects, sends "Client\n" and prints the
// response as Python's print() shows a bytes object (b'Hello, Client\n\n'
// against tcp_server).
//
//     tcp_client HOST PORT        (HOST: a name or a numeric address)
//
// The Python original (AnyIO):
//     async with await connect_tcp('hostname', 1234) as client:
//         await client.send(b'Client\n')
//         response = await client.receive()
//         print(response)
//
// Where Python would end with a traceback (connection refused, a server that
// closes without answering) this prints one line on stderr; the exit status
// is 1 in both.
#include <coronet/coronet.hpp>
#include <cstdio>
#include <string>

#include "python_bytes.hpp"

using namespace coronet;

namespace {

Task<void> ask(std::string host, int port) {
    SocketStream client = co_await connect_tcp(host, port);
    co_await client.send("Client\n");
    Bytes response;
    try {
        response = co_await client.receive();
    } catch (const EndOfStream&) {
        throw std::runtime_error("the server closed the connection without replying");
    }
    const std::string line = examples::python_bytes_repr(response.str()) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    co_await client.aclose();
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    if (argc != 3 || argv[1][0] == '\0' || !examples::parse_port(argv[2], port, 1)) {
        std::fprintf(stderr, "usage: tcp_client HOST PORT  (PORT: 1..65535)\n");
        return 2;
    }
    try {
        return run(ask, std::string(argv[1]), port);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tcp_client: %s\n", examples::one_line(e.what()).c_str());
        return 1;
    }
}
