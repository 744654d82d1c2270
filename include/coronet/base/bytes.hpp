// Owned and borrowed byte buffers: the currency of every stream, socket and
// transport in coronet.
//
// `Bytes` owns a contiguous heap buffer (like Python's `bytes`/`bytearray`),
// is move-only-cheap (moving never copies the payload), and converts to and
// from `std::string_view` without ceremony. `BytesView` is a non-owning view
// that anything byte-like converts to implicitly: `Bytes`, `std::string`,
// `std::string_view`, string literals and `std::span<const std::byte>`.
//
//     Bytes greeting = concat("Hello, ", name, "\n");
//     std::string_view text = greeting.str();
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace coronet {

// A borrowed, read-only run of bytes. Cheap to copy; never owns.
class BytesView {
  public:
    constexpr BytesView() noexcept = default;
    constexpr BytesView(const std::byte* data, std::size_t size) noexcept
        : data_(data), size_(size) {}
    BytesView(const void* data, std::size_t size) noexcept
        : data_(static_cast<const std::byte*>(data)), size_(size) {}
    constexpr BytesView(std::span<const std::byte> span) noexcept  // NOLINT: implicit by design
        : data_(span.data()), size_(span.size()) {}
    BytesView(std::string_view text) noexcept  // NOLINT: implicit by design
        : data_(reinterpret_cast<const std::byte*>(text.data())), size_(text.size()) {}
    BytesView(const std::string& text) noexcept  // NOLINT: implicit by design
        : BytesView(std::string_view(text)) {}
    BytesView(const char* text) noexcept  // NOLINT: implicit by design
        : BytesView(std::string_view(text)) {}

    constexpr const std::byte* data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr const std::byte* begin() const noexcept { return data_; }
    constexpr const std::byte* end() const noexcept { return data_ + size_; }
    constexpr std::byte operator[](std::size_t i) const noexcept { return data_[i]; }

    std::string_view str() const noexcept { return {reinterpret_cast<const char*>(data_), size_}; }
    constexpr std::span<const std::byte> span() const noexcept { return {data_, size_}; }
    // A view of bytes [offset, offset + count), clamped to the end.
    BytesView subview(std::size_t offset, std::size_t count = SIZE_MAX) const noexcept;

    friend bool operator==(BytesView a, BytesView b) noexcept {
        return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
    }

  private:
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

// An owned, growable, contiguous byte buffer.
//
// Growing with `resize_uninitialized` does not zero the new bytes, so a
// receive can size the buffer, let the kernel fill it, and trim it, without
// paying for initialisation it would immediately overwrite.
class Bytes {
  public:
    Bytes() noexcept = default;
    explicit Bytes(std::size_t size);  // zero-filled
    Bytes(BytesView view);             // NOLINT: copies; implicit so literals work
    Bytes(std::string_view text) : Bytes(BytesView(text)) {}    // NOLINT
    Bytes(const std::string& text) : Bytes(BytesView(text)) {}  // NOLINT
    Bytes(const char* text) : Bytes(BytesView(text)) {}         // NOLINT

    Bytes(const Bytes& other) : Bytes(other.view()) {}
    Bytes& operator=(const Bytes& other);
    Bytes(Bytes&& other) noexcept
        : data_(std::move(other.data_)), size_(other.size_), capacity_(other.capacity_) {
        other.size_ = other.capacity_ = 0;
    }
    Bytes& operator=(Bytes&& other) noexcept;
    ~Bytes() = default;

    std::byte* data() noexcept { return data_.get(); }
    const std::byte* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }
    bool empty() const noexcept { return size_ == 0; }
    std::byte* begin() noexcept { return data(); }
    std::byte* end() noexcept { return data() + size_; }
    const std::byte* begin() const noexcept { return data(); }
    const std::byte* end() const noexcept { return data() + size_; }
    std::byte& operator[](std::size_t i) noexcept { return data_[i]; }
    std::byte operator[](std::size_t i) const noexcept { return data_[i]; }

    BytesView view() const noexcept { return {data(), size_}; }
    operator BytesView() const noexcept { return view(); }  // NOLINT: implicit by design
    std::string_view str() const noexcept { return view().str(); }
    std::string to_string() const { return std::string(str()); }
    std::span<std::byte> writable_span() noexcept { return {data(), size_}; }

    void reserve(std::size_t capacity);
    void resize(std::size_t size);  // new bytes are zeroed
    void resize_uninitialized(std::size_t size);
    void clear() noexcept { size_ = 0; }
    void append(BytesView more);
    // Removes the first `count` bytes (clamped to size()).
    void erase_front(std::size_t count) noexcept;

    friend bool operator==(const Bytes& a, const Bytes& b) noexcept { return a.view() == b.view(); }
    friend bool operator==(const Bytes& a, BytesView b) noexcept { return a.view() == b; }

  private:
    struct FreeDeleter {
        void operator()(std::byte* p) const noexcept { std::free(p); }
    };
    std::unique_ptr<std::byte[], FreeDeleter> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

// Joins any mix of byte-like values into one new buffer, sized once.
template <class... Parts>
Bytes concat(const Parts&... parts) {
    const BytesView views[] = {BytesView(parts)...};
    std::size_t total = 0;
    for (auto v : views)
        total += v.size();
    Bytes out;
    out.reserve(total);
    for (auto v : views)
        out.append(v);
    return out;
}

// Printable form for messages and tests: text kept, other bytes as \xNN.
std::string escape_bytes(BytesView bytes, std::size_t max_chars = 200);

}  // namespace coronet
