#include "coronet/base/bytes.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace coronet {

BytesView BytesView::subview(std::size_t offset, std::size_t count) const noexcept {
    offset = std::min(offset, size_);
    return {data_ + offset, std::min(count, size_ - offset)};
}

Bytes::Bytes(std::size_t size) {
    resize_uninitialized(size);
    if (size) std::memset(data(), 0, size);
}

Bytes::Bytes(BytesView view) {
    resize_uninitialized(view.size());
    if (!view.empty()) std::memcpy(data(), view.data(), view.size());
}

Bytes& Bytes::operator=(const Bytes& other) {
    if (this != &other) {
        resize_uninitialized(other.size_);
        if (other.size_) std::memcpy(data(), other.data(), other.size_);
    }
    return *this;
}

Bytes& Bytes::operator=(Bytes&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.size_ = other.capacity_ = 0;
    return *this;
}

void Bytes::reserve(std::size_t capacity) {
    if (capacity <= capacity_) return;
    // realloc keeps the payload and can often grow in place.
    void* grown = std::realloc(data_.get(), capacity);
    if (!grown) throw std::bad_alloc();
    (void)data_.release();
    data_.reset(static_cast<std::byte*>(grown));
    capacity_ = capacity;
}

void Bytes::resize_uninitialized(std::size_t size) {
    if (size > capacity_) reserve(std::max(size, capacity_ + capacity_ / 2));
    size_ = size;
}

void Bytes::resize(std::size_t size) {
    const std::size_t old = size_;
    resize_uninitialized(size);
    if (size > old) std::memset(data() + old, 0, size - old);
}

void Bytes::append(BytesView more) {
    if (more.empty()) return;
    const std::size_t old = size_;
    resize_uninitialized(old + more.size());
    std::memcpy(data() + old, more.data(), more.size());
}

void Bytes::erase_front(std::size_t count) noexcept {
    count = std::min(count, size_);
    if (count == 0) return;
    std::memmove(data(), data() + count, size_ - count);
    size_ -= count;
}

std::string escape_bytes(BytesView bytes, std::size_t max_chars) {
    std::string out;
    for (std::byte b : bytes) {
        if (out.size() >= max_chars) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(b);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out;
}

}  // namespace coronet
