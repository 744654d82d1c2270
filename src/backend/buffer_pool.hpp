// Receive buffers lent out only while data is being handed over: the epoll
// side of `recv_provided`. A connection waiting for data holds none; a buffer
// is taken when the socket is readable and returned once the bytes are used.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include "coronet/backend/operation.hpp"
#include "syscall_ops.hpp"

namespace coronet::backend {

class BufferPool {
  public:
    BufferPool(std::size_t buffer_size, std::size_t keep) : size_(buffer_size), keep_(keep) {
        free_.reserve(keep);  // so give_back never allocates
    }
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;
    ~BufferPool() {
        for (std::byte* b : free_)
            std::free(b);
    }

    std::size_t buffer_size() const noexcept { return size_; }

    ProvidedBuffer take() {
        if (!free_.empty()) {
            std::byte* b = free_.back();
            free_.pop_back();
            return {b, 0};
        }
        auto* b = static_cast<std::byte*>(std::malloc(size_));
        if (!b) throw std::bad_alloc();
        return {b, 0};
    }

    void give_back(const ProvidedBuffer& buffer) noexcept {
        if (!buffer.data) return;
        if (free_.size() < keep_) {
            free_.push_back(buffer.data);
        } else {
            std::free(buffer.data);
        }
    }

  private:
    std::size_t size_;
    std::size_t keep_;
    std::vector<std::byte*> free_;
};

// recv_provided done with a plain recv into a pool buffer (epoll, and
// io_uring without a buffer ring): bytes read, with op.provided set, or
// -errno (-EAGAIN: nothing yet). A buffer is taken only for the attempt and
// given back unless data arrived, so a waiting operation holds none; at end of
// stream (0) none is provided either, as with io_uring's buffer ring.
inline int recv_into_pool(BufferPool& pool, Operation& op) {
    ProvidedBuffer buffer = pool.take();
    const std::size_t length = op.length < pool.buffer_size() ? op.length : pool.buffer_size();
    const int result = recv_into(op.fd, buffer.data, length, op.flags);
    if (result <= 0) {
        pool.give_back(buffer);
        return result;
    }
    op.provided = buffer;
    return result;
}

}  // namespace coronet::backend
