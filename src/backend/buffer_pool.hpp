// Receive buffers lent out only while data is being handed over: the epoll
// side of `recv_provided`. A connection waiting for data holds none; a buffer
// is taken when the socket is readable and returned once the bytes are used.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include "coronet/backend/operation.hpp"

namespace coronet::backend {

class BufferPool {
public:
    BufferPool(std::size_t buffer_size, std::size_t keep) : size_(buffer_size), keep_(keep) {
        free_.reserve(keep);  // so give_back never allocates
    }
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;
    ~BufferPool() {
        for (std::byte* b : free_) std::free(b);
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

}  // namespace coronet::backend
