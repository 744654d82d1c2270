#include "stdio.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace coronet::cli {

StdioFile::StdioFile(int fd, bool for_writing) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return;  // closed: reads see EOF, writes EBADF
    fd_ = fd;
    if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISSOCK(st.st_mode)) return;
    const std::string proc = "/proc/self/fd/" + std::to_string(fd);
    const int flags = (for_writing ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    const int reopened = ::open(proc.c_str(), flags);
    if (reopened >= 0) {
        fd_ = reopened;
        owned_ = true;
        pollable_ = true;
    } else if (S_ISSOCK(st.st_mode)) {
        // A socket cannot be reopened: wait for readiness, then do the
        // (then non-blocking in practice) call on the shared descriptor.
        pollable_ = true;
    }
}

StdioFile::~StdioFile() {
    if (fd_ < 0 || !owned_) return;
    if (waited_) notify_closing(fd_);
    ::close(fd_);
}

Task<std::optional<Bytes>> StdioFile::read(std::size_t max_bytes) {
    if (fd_ < 0) co_return std::nullopt;
    Bytes buffer;
    buffer.resize_uninitialized(max_bytes);
    for (;;) {
        if (pollable_ && !owned_) {
            waited_ = true;
            co_await wait_readable(fd_);
        }
        const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
        if (n > 0) {
            buffer.resize(static_cast<std::size_t>(n));
            co_return buffer;
        }
        if (n == 0) co_return std::nullopt;
        if (errno == EINTR) continue;
        if (errno == EAGAIN && pollable_) {
            waited_ = true;
            co_await wait_readable(fd_);
            continue;
        }
        throw_os_error(errno, "read", "standard input");
    }
}

Task<void> StdioFile::write(BytesView data) {
    if (fd_ < 0) throw_os_error(EBADF, "write", "standard output");
    while (!data.empty()) {
        if (pollable_ && !owned_) {
            waited_ = true;
            co_await wait_writable(fd_);
        }
        const ssize_t n = ::write(fd_, data.data(), data.size());
        if (n >= 0) {
            data = data.subview(static_cast<std::size_t>(n));
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN && pollable_) {
            waited_ = true;
            co_await wait_writable(fd_);
            continue;
        }
        if (errno == EPIPE) throw BrokenResourceError("standard output was closed", EPIPE);
        throw_os_error(errno, "write", "standard output");
    }
}

}  // namespace coronet::cli
