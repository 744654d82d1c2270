// How many file descriptors this process has open, to assert a test leaked
// none (sockets, eventfds, rings, accepted connections).
#pragma once

#include <dirent.h>

namespace coronet::test {

inline int open_fd_count() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return -1;
    int count = 0;
    while (::readdir(dir))
        ++count;
    ::closedir(dir);
    return count;  // includes ".", ".." and the directory's own fd: a constant
}

}  // namespace coronet::test
