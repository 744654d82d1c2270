#include "coronet/net/file_descriptor.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace coronet::net {

void FileDescriptor::reset(int fd) noexcept {
    const int old = std::exchange(fd_, fd);
    // Not retried on EINTR: on Linux the fd is released even then, and a
    // retry could close a number another thread has just been given.
    if (old >= 0) ::close(old);
}

// write(2) without SIGPIPE: pipes have no MSG_NOSIGNAL. The signal is
// thread-directed, so blocking it in this thread and taking back the one
// our write raised is enough; one that was already pending is left alone.
long write_without_sigpipe(int fd, const std::byte* data, std::size_t size) noexcept {
    sigset_t pipe_only;
    ::sigemptyset(&pipe_only);
    ::sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    ::sigpending(&pending);
    const bool was_pending = ::sigismember(&pending, SIGPIPE) == 1;
    sigset_t previous;
    ::pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
    const long written = ::write(fd, data, size);
    const int error = errno;
    if (written < 0 && error == EPIPE && !was_pending) {
        const timespec zero{0, 0};
        while (::sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
        }
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return written < 0 ? -error : written;
}

}  // namespace coronet::net
