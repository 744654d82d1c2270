// The provided-buffer ring behind io_uring's recv_provided: the kernel picks a
// buffer only when data arrives, so a connection waiting for data holds none.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>

#include "coronet/backend/operation.hpp"

namespace coronet::backend {

class UringBufferRing {
  public:
    UringBufferRing() = default;
    UringBufferRing(const UringBufferRing&) = delete;
    UringBufferRing& operator=(const UringBufferRing&) = delete;
    ~UringBufferRing();

    // Registers `count` buffers (rounded up to a power of two) of `size`
    // bytes as buffer group `group`. Returns 0 or -errno (-EINVAL: the kernel
    // has no buffer rings).
    int setup(io_uring& ring, std::size_t size, std::size_t count, std::uint16_t group);

    bool active() const noexcept { return ring_ != nullptr; }
    std::uint16_t group() const noexcept { return group_; }
    std::uint32_t buffer_size() const noexcept { return size_; }
    // Buffers neither lent to a caller nor known to be consumed by the kernel.
    std::uint32_t available() const noexcept { return count_ - lent_; }
    std::uint32_t buffer_count() const noexcept { return count_; }

    // The buffer named by a CQE's flags, now lent to the caller.
    ProvidedBuffer lend(std::uint32_t cqe_flags) noexcept;
    // Gives a buffer the kernel selected back without lending it.
    void recycle(std::uint32_t cqe_flags) noexcept;
    // Buffer `id`'s memory.
    std::byte* address(std::uint16_t id) const noexcept {
        return memory_ + std::size_t{id} * size_;
    }
    // Returns a lent buffer to the kernel; false if it is not one of ours.
    bool give_back(const ProvidedBuffer& buffer) noexcept;

  private:
    void publish(std::uint16_t id) noexcept;

    io_uring_buf_ring* ring_ = nullptr;
    std::size_t ring_bytes_ = 0;
    std::byte* memory_ = nullptr;
    std::uint32_t size_ = 0;
    std::uint32_t count_ = 0;
    std::uint32_t lent_ = 0;
    std::uint16_t group_ = 0;
};

}  // namespace coronet::backend
