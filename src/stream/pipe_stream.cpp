#include "coronet/stream/pipe_stream.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <stdexcept>
#include <string>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/net/file_descriptor.hpp"
#include "coronet/runtime/fd_wait.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet {
namespace {

// A pipe holds 64 KiB by default (1 MiB at most unless raised by root), so
// a bigger read buffer would only be allocated to stay empty.
constexpr std::size_t kMaxRead = std::size_t{256} << 10;

struct ClearFlag {
    bool& flag;
    ~ClearFlag() { flag = false; }
};

int adopt_nonblocking(net::FileDescriptor fd, const char* what) {
    if (!fd.valid()) throw_os_error(EBADF, what, "fd " + std::to_string(fd.get()));
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
        throw_os_error(errno, what, "fd " + std::to_string(fd.get()));
    }
    return fd.release();
}

void close_fd(int& fd) noexcept {
    if (fd < 0) return;
    // Waiting tasks get ClosedResourceError, and the loop forgets the fd
    // before its number can be reused.
    if (Loop::current_or_null()) notify_closing(fd);
    ::close(std::exchange(fd, -1));
}

}  // namespace

// ------------------------------------------------------------ receive end

PipeReceiveStream::PipeReceiveStream(net::FileDescriptor fd)
    : fd_(adopt_nonblocking(std::move(fd), "PipeReceiveStream")) {}

PipeReceiveStream::PipeReceiveStream(PipeReceiveStream&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), receiving_(std::exchange(other.receiving_, false)) {}

PipeReceiveStream& PipeReceiveStream::operator=(PipeReceiveStream&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        receiving_ = std::exchange(other.receiving_, false);
    }
    return *this;
}

PipeReceiveStream::~PipeReceiveStream() {
    close();
}

void PipeReceiveStream::close() noexcept {
    close_fd(fd_);
}

Task<void> PipeReceiveStream::aclose() {
    close();
    co_return;
}

Task<Bytes> PipeReceiveStream::do_receive(std::size_t max_bytes) {
    if (max_bytes == 0) throw std::invalid_argument("receive: max_bytes must be at least 1");
    if (receiving_) throw BusyResourceError("receiving");
    if (fd_ < 0) throw ClosedResourceError("receive on a closed pipe");
    receiving_ = true;
    ClearFlag clear{receiving_};
    const std::size_t size = std::min(max_bytes, kMaxRead);
    for (;;) {
        Bytes buffer;
        buffer.resize_uninitialized(size);
        const long n = ::read(fd_, buffer.data(), size);
        if (n > 0) {
            const auto got = static_cast<std::size_t>(n);
            // A short read is copied out rather than keeping a mostly empty
            // buffer alive for as long as the caller keeps the bytes.
            if (got < size / 2) co_return Bytes(buffer.view().subview(0, got));
            buffer.resize_uninitialized(got);
            co_return buffer;
        }
        if (n == 0) throw EndOfStream();
        if (errno == EINTR) continue;
        if (errno != EAGAIN) throw_os_error(errno, "read from pipe", "fd " + std::to_string(fd_));
        // Wait without holding a buffer; a cancellation here consumed nothing.
        buffer = Bytes();
        try {
            co_await wait_readable(fd_);
        } catch (const ClosedResourceError&) {
            throw ClosedResourceError("pipe closed while receive was waiting");
        }
        if (fd_ < 0) throw ClosedResourceError("pipe closed while receive was waiting");
    }
}

// --------------------------------------------------------------- send end

PipeSendStream::PipeSendStream(net::FileDescriptor fd)
    : fd_(adopt_nonblocking(std::move(fd), "PipeSendStream")) {}

PipeSendStream::PipeSendStream(PipeSendStream&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), sending_(std::exchange(other.sending_, false)) {}

PipeSendStream& PipeSendStream::operator=(PipeSendStream&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        sending_ = std::exchange(other.sending_, false);
    }
    return *this;
}

PipeSendStream::~PipeSendStream() {
    close();
}

void PipeSendStream::close() noexcept {
    close_fd(fd_);
}

Task<void> PipeSendStream::aclose() {
    close();
    co_return;
}

Task<void> PipeSendStream::do_send(BytesView data) {
    if (sending_) throw BusyResourceError("sending");
    if (fd_ < 0) throw ClosedResourceError("send on a closed pipe");
    sending_ = true;
    ClearFlag clear{sending_};
    while (!data.empty()) {
        const long n = net::write_without_sigpipe(fd_, data.data(), data.size());
        if (n >= 0) {
            data = data.subview(static_cast<std::size_t>(n));
            continue;
        }
        if (n == -EINTR) continue;
        if (n == -EPIPE) {
            throw BrokenResourceError("send: the reading end of the pipe was closed (EPIPE)",
                                      EPIPE);
        }
        if (n != -EAGAIN) {
            throw_os_error(static_cast<int>(-n), "write to pipe", "fd " + std::to_string(fd_));
        }
        try {
            co_await wait_writable(fd_);
        } catch (const ClosedResourceError&) {
            throw ClosedResourceError("pipe closed while send was waiting");
        }
        if (fd_ < 0) throw ClosedResourceError("pipe closed while send was waiting");
    }
}

}  // namespace coronet
