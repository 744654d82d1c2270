// pidfd_open / pidfd_send_signal as raw system calls: glibc 2.36's
// <sys/pidfd.h> declares them without extern "C", so C++ cannot link them.
#pragma once

#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace coronet::stream_detail {

inline int pidfd_open(pid_t pid) noexcept {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0u));
}

inline int pidfd_send_signal(int pidfd, int signal) noexcept {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0u));
}

}  // namespace coronet::stream_detail
