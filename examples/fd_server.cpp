// The reference's descriptor-passing server: for each client connecting to
// PATH, opens FILE for reading and sends its descriptor, attached to the
// message "this message is ignored"; serves forever.
//
//     fd_server PATH FILE   (PATH: a filesystem path; "@name" for an abstract one)
//
// FILE may also be a UNIX stream socket's path: then each client gets a
// fresh connection to that socket instead of an open file (descriptors of
// sockets pass the same way), left blocking as a newly opened file is, so a
// receiver that simply reads it (Python's os.fdopen(fd).read()) works.
//
// The Python original (AnyIO):
//     async def handle(client):
//         async with client:
//             with path.open('r') as file:
//                 await client.send_fds(b'this message is ignored', [file])
//
//     listener = await create_unix_listener('/tmp/mysock')
//     await listener.serve(handle)
//
//     path = Path('/tmp/examplefile')
//     path.write_text('Test file')
//
// Deliberate differences: FILE comes from the command line and is sent as it
// is (the Python version first writes 'Test file' into its fixed file); a
// FILE that cannot be opened is an error at start (exit status 1). The
// socket file at PATH is left behind on exit and replaced at start when
// nobody listens on it any more (see unix_server.cpp).
#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <coronet/coronet.hpp>
#include <cstdio>
#include <string>

#include "python_bytes.hpp"

using namespace coronet;

namespace {

// Set once in main, before the loop starts; handlers only read them.
std::string g_file;
bool g_file_is_socket = false;

net::FileDescriptor open_file() {
    net::FileDescriptor file(::open(g_file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file) throw OSError(errno, "open", g_file);
    return file;
}

Task<void> handle(UNIXSocketStream client) {
    if (g_file_is_socket) {
        UNIXSocketStream peer = co_await connect_unix(g_file);
        const int fd = peer.extra<attr::raw_socket>()->fileno();
        // The receiver shares this file description; we close our copy
        // right after sending, so clearing O_NONBLOCK costs us nothing.
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
            throw OSError(errno, "fcntl(F_SETFL)", g_file);
        co_await client.send_fds("this message is ignored", std::array{fd});
    } else {
        net::FileDescriptor file = open_file();
        co_await client.send_fds("this message is ignored", std::array{file.get()});
    }
}

Task<void> serve(std::string path) {
    auto listener = co_await create_unix_listener(path, {.replace_stale = true});
    co_await listener.serve(handle);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || argv[1][0] == '\0' || argv[2][0] == '\0') {
        std::fprintf(stderr,
                     "usage: fd_server PATH FILE  (FILE: a file to open, or a UNIX socket to "
                     "connect to)\n");
        return 2;
    }
    try {
        g_file = argv[2];
        struct stat info {};
        if (::stat(g_file.c_str(), &info) != 0) throw OSError(errno, "stat", g_file);
        g_file_is_socket = S_ISSOCK(info.st_mode);
        if (!g_file_is_socket) open_file();  // fail now rather than in every handler
        return run(serve, std::string(argv[1]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fd_server: %s\n", examples::one_line(e.what()).c_str());
        return 1;
    }
}
