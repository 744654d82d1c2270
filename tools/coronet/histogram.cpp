#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace coronet::cli {

namespace {

constexpr unsigned kSubBits = 5;
constexpr std::uint64_t kSubCount = 1u << kSubBits;
// Values below kSubCount get a bucket each; above, 32 per power of two up to 2^63.
constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSubCount;

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

std::size_t LatencyHistogram::index_of(std::uint64_t value) noexcept {
    if (value < kSubCount) return static_cast<std::size_t>(value);
    const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(value));
    const std::uint64_t sub = (value >> (exponent - kSubBits)) & (kSubCount - 1);
    return static_cast<std::size_t>((exponent - kSubBits + 1) * kSubCount + sub);
}

std::uint64_t LatencyHistogram::lowest_of(std::size_t index) noexcept {
    if (index < kSubCount) return index;
    const std::size_t group = index / kSubCount;
    const std::uint64_t sub = index % kSubCount;
    return (kSubCount + sub) << (group - 1);
}

std::uint64_t LatencyHistogram::highest_of(std::size_t index) noexcept {
    if (index + 1 >= kBuckets) return UINT64_MAX;
    return lowest_of(index + 1) - 1;
}

void LatencyHistogram::record(std::uint64_t value) {
    ++counts_[index_of(value)];
    min_ = count_ == 0 ? value : std::min(min_, value);
    max_ = std::max(max_, value);
    ++count_;
    sum_ += value;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < kBuckets; ++i)
        counts_[i] += other.counts_[i];
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    count_ += other.count_;
    sum_ += other.sum_;
}

void LatencyHistogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = min_ = max_ = sum_ = 0;
}

std::uint64_t LatencyHistogram::percentile(double q) const {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 100.0);
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::clamp(highest_of(i), min_, max_);
    }
    return max_;
}

std::vector<LatencyHistogram::Bucket> LatencyHistogram::buckets() const {
    std::vector<Bucket> result;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        if (counts_[i] != 0) result.push_back({lowest_of(i), highest_of(i), counts_[i]});
    }
    return result;
}

}  // namespace coronet::cli
