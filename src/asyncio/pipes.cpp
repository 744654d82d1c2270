#include "coronet/asyncio/pipes.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "asyncio/pipe_transport.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio {
namespace {

// asyncio accepts pipes, sockets and character devices only: a regular
// file is always "ready" and would spin.
void check_pipe_fd(int fd, const char* what) {
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) < 0) {
        throw_os_error(fd < 0 ? EBADF : errno, what, "fd " + std::to_string(fd));
    }
    if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode) && !S_ISCHR(st.st_mode)) {
        throw std::invalid_argument(std::string(what) + ": fd " + std::to_string(fd) +
                                    " is not a pipe, socket or character device");
    }
}

}  // namespace

Task<ReadPipeConnection> connect_read_pipe(ProtocolFactory factory, int fd) {
    if (!factory) throw std::invalid_argument("connect_read_pipe: empty protocol factory");
    check_pipe_fd(fd, "connect_read_pipe");
    net::FileDescriptor owned(fd);
    std::unique_ptr<BaseProtocol> protocol = factory();
    BaseProtocol* raw = protocol.get();
    auto t = detail::start_read_pipe(Loop::current(), std::move(owned), std::move(protocol));
    co_return ReadPipeConnection{std::move(t), raw};
}

Task<WritePipeConnection> connect_write_pipe(ProtocolFactory factory, int fd) {
    if (!factory) throw std::invalid_argument("connect_write_pipe: empty protocol factory");
    check_pipe_fd(fd, "connect_write_pipe");
    net::FileDescriptor owned(fd);
    std::unique_ptr<BaseProtocol> protocol = factory();
    BaseProtocol* raw = protocol.get();
    auto t = detail::start_write_pipe(Loop::current(), std::move(owned), std::move(protocol));
    co_return WritePipeConnection{std::move(t), raw};
}

}  // namespace coronet::asyncio
