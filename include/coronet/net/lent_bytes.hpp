// LentBytes: received bytes that still sit in the loop's receive buffer,
// lent to the caller instead of copied out.
//
//     net::LentBytes chunk = co_await net::ReceiveLentAwaiter(sock, 65536);
//     co_await net::SendAllAwaiter(sock, chunk.view());  // echo without a copy
//     // chunk's destructor gives the buffer back to the loop's pool
//
// A receive that returns `Bytes` must allocate and copy out of the driver's
// provided buffer (the buffer a connection borrows only while data is handed
// over, so an idle connection holds none). Lending skips both: the caller
// reads the bytes in place and the buffer goes back to the pool when the
// LentBytes is destroyed or release()d. Keep it short-lived: the pool is
// shared by every connection of the loop (io_uring's ring has a fixed number
// of buffers, and a receive that finds none waits for one to come back), so
// release it before waiting for anything but the send of its own bytes.
//
// Rules: a LentBytes belongs to the loop (thread) whose receive made it and
// must be released there, before that loop ends (a task's locals are; keep
// none in globals). Moving transfers the buffer; a moved-from or released
// LentBytes is empty. With a driver that provides no buffers (or a datagram
// larger than one) the bytes are in a block of their own instead (same
// interface).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "coronet/backend/driver.hpp"
#include "coronet/base/bytes.hpp"

namespace coronet::net {

class LentBytes {
  public:
    LentBytes() noexcept = default;
    // Takes over `buffer`, a finished recv_provided's buffer from `driver`
    // holding `size` bytes (the net layer's receive makes these).
    LentBytes(backend::Driver& driver, const backend::ProvidedBuffer& buffer,
              std::size_t size) noexcept
        : driver_(&driver),
          data_(buffer.data),
          id_(buffer.id),
          size_(static_cast<std::uint32_t>(size)) {}
    // Owns `data`, a block from std::malloc holding `size` bytes (the
    // receive's fallback where the driver provides no buffers); freed on release.
    static LentBytes adopt_malloced(std::byte* data, std::size_t size) noexcept {
        LentBytes owned;
        owned.data_ = data;
        owned.size_ = static_cast<std::uint32_t>(size);
        return owned;
    }

    LentBytes(LentBytes&& other) noexcept
        : driver_(other.driver_), data_(other.data_), id_(other.id_), size_(other.size_) {
        other.data_ = nullptr;
        other.size_ = 0;
    }
    LentBytes& operator=(LentBytes&& other) noexcept {
        if (this != &other) {
            release();
            driver_ = other.driver_;
            data_ = std::exchange(other.data_, nullptr);
            id_ = other.id_;
            size_ = std::exchange(other.size_, 0u);
        }
        return *this;
    }
    LentBytes(const LentBytes&) = delete;
    LentBytes& operator=(const LentBytes&) = delete;
    ~LentBytes() { release(); }

    BytesView view() const noexcept { return {data_, size_}; }
    operator BytesView() const noexcept { return view(); }  // NOLINT: implicit by design
    const std::byte* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    // Gives the buffer back now (the view becomes empty); idempotent.
    void release() noexcept {
        if (data_) give_back();
        size_ = 0;
    }

  private:
    void give_back() noexcept;

    // The provided buffer's fields, unpacked so the whole fits 24 bytes (it
    // sits in the frame of every connection's coroutine that receives this way).
    backend::Driver* driver_ = nullptr;  // nullptr: data_ is malloc'ed
    std::byte* data_ = nullptr;
    std::uint32_t id_ = 0;
    std::uint32_t size_ = 0;  // receives are at most INT_MAX bytes
};

}  // namespace coronet::net
