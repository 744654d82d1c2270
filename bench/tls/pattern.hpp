// The byte pattern the TLS benchmark clients send and check: byte i of a
// connection's stream is table[i % kPeriod], a fixed pseudo-random table.
// Every echoed byte is compared with what was sent at that offset, so a
// lost, duplicated, reordered or corrupted byte fails the run (stronger
// than a checksum, and as cheap as memcmp). The period is odd so that
// record and chunk boundaries never line up with it.
//
// Shared by the plain-OpenSSL and the coronet programs; uses neither.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace tls_bench {

class Pattern {
  public:
    static constexpr std::size_t kPeriod = (1u << 20) + 7;
    // Longest span at() may be asked for: the table repeats its head past
    // kPeriod so that any span up to this length is contiguous.
    static constexpr std::size_t kMaxSpan = 1u << 20;

    Pattern() : table_(kPeriod + kMaxSpan) {
        std::uint64_t x = 0x9e3779b97f4a7c15ull;
        for (std::size_t i = 0; i < kPeriod; ++i) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            table_[i] = static_cast<unsigned char>(x >> 24);
        }
        std::memcpy(table_.data() + kPeriod, table_.data(), kMaxSpan);
    }

    // The bytes at stream offset `offset` (valid for kMaxSpan bytes).
    const unsigned char* at(std::uint64_t offset) const { return table_.data() + offset % kPeriod; }

    // Whether `data` is what the stream holds at `offset` (any length).
    bool matches(std::uint64_t offset, const void* bytes, std::size_t size) const {
        const auto* data = static_cast<const unsigned char*>(bytes);
        while (size > 0) {
            const std::size_t n = size < kMaxSpan ? size : kMaxSpan;
            if (std::memcmp(at(offset), data, n) != 0) return false;
            offset += n;
            data += n;
            size -= n;
        }
        return true;
    }

  private:
    std::vector<unsigned char> table_;
};

}  // namespace tls_bench
