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
// LentBytes is empty. With a driver that provides no buffers the bytes are
// owned instead (same interface).
#pragma once

#include <cstddef>
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
        : driver_(&driver), buffer_(buffer), view_(buffer.data, size) {}
    // Owns `bytes` (no driver buffer behind it).
    explicit LentBytes(Bytes bytes) noexcept : owned_(std::move(bytes)), view_(owned_.view()) {}

    LentBytes(LentBytes&& other) noexcept { take(other); }
    LentBytes& operator=(LentBytes&& other) noexcept {
        if (this != &other) {
            release();
            take(other);
        }
        return *this;
    }
    LentBytes(const LentBytes&) = delete;
    LentBytes& operator=(const LentBytes&) = delete;
    ~LentBytes() { release(); }

    BytesView view() const noexcept { return view_; }
    operator BytesView() const noexcept { return view_; }  // NOLINT: implicit by design
    const std::byte* data() const noexcept { return view_.data(); }
    std::size_t size() const noexcept { return view_.size(); }
    bool empty() const noexcept { return view_.empty(); }

    // Gives the buffer back now (the view becomes empty); idempotent.
    void release() noexcept;

  private:
    void take(LentBytes& other) noexcept;

    backend::Driver* driver_ = nullptr;
    backend::ProvidedBuffer buffer_;
    Bytes owned_;
    BytesView view_;
};

}  // namespace coronet::net
