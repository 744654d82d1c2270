// The plain non-blocking system call behind each operation code: what epoll
// runs directly, and what io_uring falls back to where the kernel lacks an
// opcode. Returns the call's value, or -errno (-EAGAIN: not ready yet;
// -EINPROGRESS from connect: wait for writability, then finish_connect).
#pragma once

#include <cstddef>

#include "coronet/backend/operation.hpp"

namespace coronet::backend {

// Runs op's call once (retrying EINTR). Handles every code except timeout,
// poll and recv_provided, which need the driver.
int perform_syscall(Operation& op) noexcept;

// Reads the outcome of a non-blocking connect that became writable:
// 0 on success or -errno (SO_ERROR).
int finish_connect(int fd) noexcept;

// recv(2) into `buffer`, retrying EINTR: bytes read or -errno.
int recv_into(int fd, void* buffer, std::size_t length, int flags) noexcept;

// send(2) of `buffer` with MSG_NOSIGNAL, retrying EINTR: bytes sent or -errno.
int send_from(int fd, const void* buffer, std::size_t length, int flags) noexcept;

}  // namespace coronet::backend
