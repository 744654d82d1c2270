#include "coronet/net/file_descriptor.hpp"

#include <unistd.h>

namespace coronet::net {

void FileDescriptor::reset(int fd) noexcept {
    const int old = std::exchange(fd_, fd);
    // Not retried on EINTR: on Linux the fd is released even then, and a
    // retry could close a number another thread has just been given.
    if (old >= 0) ::close(old);
}

}  // namespace coronet::net
