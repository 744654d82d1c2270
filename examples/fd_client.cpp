// The reference's descriptor-passing client: connects to the server at PATH,
// receives one file descriptor and prints everything that can be read from
// it, as Python's print(os.fdopen(fd).read()) does: the text (UTF-8, with
// "\r\n" and "\r" read as "\n") and a newline. The descriptor may be a
// file, a pipe or a socket (read until its end).
//
//     fd_client PATH      (PATH: a filesystem path; "@name" for an abstract one)
//
// The Python original (AnyIO):
//     async with await connect_unix('/tmp/mysock') as client:
//         _, fds = await client.receive_fds(0, 1)
//         with os.fdopen(fds[0]) as file:
//             print(file.read())
//
// Failures (no server, no descriptor received, text that is not UTF-8) are
// one line on stderr and exit status 1, where Python prints a traceback.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <coronet/coronet.hpp>
#include <cstdio>
#include <string>

#include "python_bytes.hpp"

using namespace coronet;

namespace {

// All of `fd` until its end. The descriptor's file description is shared
// with the sender, which may have left it non-blocking: then poll waits.
// Runs on a worker thread, since reading a file blocks.
std::string read_all(int fd) {
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            text.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0) {
            return text;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            pollfd wait{.fd = fd, .events = POLLIN, .revents = 0};
            if (::poll(&wait, 1, -1) < 0 && errno != EINTR)
                throw OSError(errno, "poll on the received descriptor");
        } else if (errno != EINTR) {
            throw OSError(errno, "read from the received descriptor");
        }
    }
}

// Python's text mode: strict UTF-8, universal newlines.
std::string as_python_text(const std::string& raw) {
    if (utf8_complete_prefix(raw) != raw.size())
        throw UnicodeDecodeError("the received file ends inside a UTF-8 character");
    std::string text;
    text.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\r') {
            text += raw[i];
        } else {
            text += '\n';
            if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
        }
    }
    return text;
}

Task<void> receive_and_print(std::string path) {
    UNIXSocketStream client = co_await connect_unix(path);
    ReceivedFds received;
    try {
        received = co_await client.receive_fds(0, 1);
    } catch (const EndOfStream&) {
        throw std::runtime_error("the server closed the connection without sending a descriptor");
    }
    co_await client.aclose();
    if (received.fds.empty()) throw std::runtime_error("no file descriptor received");
    const int fd = received.fds[0].get();
    const std::string raw = co_await to_thread::run_sync([fd] { return read_all(fd); });
    const std::string text = as_python_text(raw) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || argv[1][0] == '\0') {
        std::fprintf(stderr, "usage: fd_client PATH  (\"@name\" for an abstract name)\n");
        return 2;
    }
    try {
        return run(receive_and_print, std::string(argv[1]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fd_client: %s\n", examples::one_line(e.what()).c_str());
        return 1;
    }
}
