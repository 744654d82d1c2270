// A latency histogram in the style of HdrHistogram: buckets on a log scale,
// each power of two split into 32 linear sub-buckets, so any recorded value
// is known to within about 3% while the whole 64-bit range fits in under two
// thousand counters. Recording is O(1); percentiles walk the buckets.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace coronet::cli {

class LatencyHistogram {
  public:
    LatencyHistogram();

    void record(std::uint64_t value);
    void merge(const LatencyHistogram& other);
    void reset();

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
    // The value at percentile q (0..100): the highest value of the bucket
    // holding the q-th percentile sample, never above max(). 0 when empty.
    std::uint64_t percentile(double q) const;

    // The non-empty buckets in increasing order: [lowest, highest] value and
    // how many samples fell in; for charts.
    struct Bucket {
        std::uint64_t lowest;
        std::uint64_t highest;
        std::uint64_t count;
    };
    std::vector<Bucket> buckets() const;

    static std::size_t index_of(std::uint64_t value) noexcept;
    static std::uint64_t lowest_of(std::size_t index) noexcept;
    static std::uint64_t highest_of(std::size_t index) noexcept;

  private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t sum_ = 0;
};

}  // namespace coronet::cli
