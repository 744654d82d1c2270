// FileDescriptor: sole owner of one file descriptor, closed when dropped.
//
// File descriptors received over a UNIX socket (SCM_RIGHTS) arrive in this
// type, so none can leak: whatever the caller does not keep is closed.
//
//     for (FileDescriptor& fd : message.ancillary.fds) use(fd.get());
//     int raw = fd.release();   // take it over; now yours to close
#pragma once

#include <cstddef>
#include <utility>

namespace coronet::net {

class FileDescriptor {
  public:
    FileDescriptor() noexcept = default;
    explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() { reset(); }

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }

    // Gives up ownership: the caller closes the returned fd.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
    // Closes the owned fd (if any) and owns `fd` instead.
    void reset(int fd = -1) noexcept;

  private:
    int fd_ = -1;
};

// write(2) to `fd` without raising SIGPIPE (pipes have no MSG_NOSIGNAL):
// the byte count, or -errno (-EPIPE once the reader is gone).
long write_without_sigpipe(int fd, const std::byte* data, std::size_t size) noexcept;

}  // namespace coronet::net
