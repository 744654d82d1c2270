// The reference's UNIX socket client: the TCP client over a UNIX socket.
// Connects to PATH, sends "Client\n" and prints the response (up to 1024
// bytes) as Python's print() shows a bytes object.
//
//     unix_client PATH      (PATH: a filesystem path; "@name" for an abstract one)
//
// The Python original (AnyIO):
//     async with await connect_unix('/tmp/mysock') as client:
//         await client.send(b'Client\n')
//         response = await client.receive(1024)
//         print(response)
//
// Failures (no such socket, refused, closed without an answer) are one line
// on stderr and exit status 1, where Python prints a traceback.
#include <coronet/coronet.hpp>
#include <cstdio>
#include <string>

#include "python_bytes.hpp"

using namespace coronet;

namespace {

Task<void> ask(std::string path) {
    UNIXSocketStream client = co_await connect_unix(path);
    co_await client.send("Client\n");
    Bytes response;
    try {
        response = co_await client.receive(1024);
    } catch (const EndOfStream&) {
        throw std::runtime_error("the server closed the connection without replying");
    }
    const std::string line = examples::python_bytes_repr(response.str()) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    co_await client.aclose();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || argv[1][0] == '\0') {
        std::fprintf(stderr, "usage: unix_client PATH  (\"@name\" for an abstract name)\n");
        return 2;
    }
    try {
        return run(ask, std::string(argv[1]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "unix_client: %s\n", examples::one_line(e.what()).c_str());
        return 1;
    }
}
