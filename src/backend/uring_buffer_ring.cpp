#include "uring_buffer_ring.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace coronet::backend {
namespace {
// Buffer ids are 16 bits wide and the kernel caps a ring at 32768 entries.
constexpr std::size_t kMaxEntries = 32768;

std::uint32_t round_up_pow2(std::size_t n) noexcept {
    std::uint32_t p = 1;
    while (p < n && p < kMaxEntries)
        p <<= 1;
    return p;
}
}  // namespace

int UringBufferRing::setup(io_uring& ring, std::size_t size, std::size_t count,
                           std::uint16_t group) {
    const std::uint32_t entries = round_up_pow2(std::max<std::size_t>(count, 1));
    const std::uint32_t buffer_size =
        static_cast<std::uint32_t>(std::clamp<std::size_t>(size, 1, 1u << 30));
    const std::size_t ring_bytes = entries * sizeof(io_uring_buf);
    // The kernel wants the ring page-aligned; mmap gives that and zeroed memory.
    void* mapped =
        ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mapped == MAP_FAILED) return -errno;
    auto* memory = static_cast<std::byte*>(std::malloc(std::size_t{entries} * buffer_size));
    if (!memory) {
        ::munmap(mapped, ring_bytes);
        return -ENOMEM;
    }
    auto* br = static_cast<io_uring_buf_ring*>(mapped);
    io_uring_buf_ring_init(br);

    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(br);
    reg.ring_entries = entries;
    reg.bgid = group;
    const int rc = io_uring_register_buf_ring(&ring, &reg, 0);
    if (rc < 0) {
        std::free(memory);
        ::munmap(mapped, ring_bytes);
        return rc;
    }
    ring_ = br;
    ring_bytes_ = ring_bytes;
    memory_ = memory;
    size_ = buffer_size;
    count_ = entries;
    group_ = group;
    const int mask = io_uring_buf_ring_mask(entries);
    for (std::uint32_t i = 0; i < entries; ++i) {
        io_uring_buf_ring_add(ring_, memory_ + std::size_t{i} * size_, size_,
                              static_cast<unsigned short>(i), mask, static_cast<int>(i));
    }
    io_uring_buf_ring_advance(ring_, static_cast<int>(entries));
    return 0;
}

UringBufferRing::~UringBufferRing() {
    // Runs after the ring is closed: the kernel pinned the ring's pages at
    // registration and terminates pending receives at ring exit, so neither
    // the ring nor the buffers are touched once we unmap and free them.
    if (ring_) ::munmap(ring_, ring_bytes_);
    std::free(memory_);
}

ProvidedBuffer UringBufferRing::lend(std::uint32_t cqe_flags) noexcept {
    const auto id = static_cast<std::uint16_t>(cqe_flags >> IORING_CQE_BUFFER_SHIFT);
    ++lent_;
    return {memory_ + std::size_t{id} * size_, id};
}

void UringBufferRing::recycle(std::uint32_t cqe_flags) noexcept {
    publish(static_cast<std::uint16_t>(cqe_flags >> IORING_CQE_BUFFER_SHIFT));
}

bool UringBufferRing::give_back(const ProvidedBuffer& buffer) noexcept {
    if (!active() || buffer.id >= count_ || buffer.data != memory_ + std::size_t{buffer.id} * size_)
        return false;
    --lent_;
    publish(static_cast<std::uint16_t>(buffer.id));
    return true;
}

void UringBufferRing::publish(std::uint16_t id) noexcept {
    io_uring_buf_ring_add(ring_, memory_ + std::size_t{id} * size_, size_, id,
                          io_uring_buf_ring_mask(count_), 0);
    io_uring_buf_ring_advance(ring_, 1);
}

}  // namespace coronet::backend
