// The bookkeeping both TLS benchmark clients do around their I/O, so that
// the two measure and check the same things and print the same lines:
//
//     bulk bytes=B seconds=T mib_per_s=R cpu=U verified=1
//     handshakes count=N seconds=T per_s=R cpu=U verified=1
//
// B is the payload echoed (B bytes went each way); U is the CPU time this
// process used over the measured interval.
//
// Shared by the plain-OpenSSL and the coronet programs; uses neither.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "pattern.hpp"
#include "process_cpu.hpp"

namespace tls_bench {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunk = 64 << 10;  // a bulk piece
constexpr std::size_t kSmall = 32;        // the handshake scenario's echo

// The measured interval: wall and process CPU time since construction.
class Interval {
  public:
    Interval() : start_(Clock::now()), cpu_start_(process_cpu_seconds()) {}

    Clock::time_point after(double seconds) const {
        return start_ +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    }
    double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
    double cpu() const { return process_cpu_seconds() - cpu_start_; }

  private:
    Clock::time_point start_;
    double cpu_start_;
};

// The bulk scenario's two sides: the pattern goes out in pieces of at most
// kChunk bytes until the limit or the time is reached, and every echoed
// byte is checked against what was sent.
class BulkTally {
  public:
    BulkTally(const Pattern& pattern, std::uint64_t max_bytes, Clock::time_point stop_at)
        : pattern_(&pattern), max_bytes_(max_bytes), stop_at_(stop_at) {}

    // Whether another piece is due (none being in flight).
    bool more() const { return sent_ < max_bytes_ && Clock::now() < stop_at_; }
    bool in_flight() const { return in_flight_ != 0; }

    // The piece in flight, a new one if there is none: it counts as sent
    // before its send returns, since the server may echo part of it while
    // the rest is still being written (or, with OpenSSL, while the write
    // waits to be given again).
    std::size_t piece() {
        if (in_flight_ == 0)
            in_flight_ =
                static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, max_bytes_ - sent_));
        return in_flight_;
    }
    const unsigned char* piece_data() const { return pattern_->at(sent_); }
    void piece_sent() {
        sent_ += in_flight_;
        in_flight_ = 0;
    }

    // `n` bytes of echo: more than was sent, or different, fails the run.
    void echoed(const void* data, std::size_t n) {
        if (received_ + n > sent_ + in_flight_ || !pattern_->matches(received_, data, n)) {
            throw std::runtime_error("bulk: the echo differs from the data sent at offset " +
                                     std::to_string(received_));
        }
        received_ += n;
    }

    // After the server's close: everything came back, else the run fails.
    // The interval is measured by the caller, before the connection's close.
    void report(double elapsed, double cpu) const {
        if (received_ != sent_) {
            throw std::runtime_error("bulk: sent " + std::to_string(sent_) + " bytes, got " +
                                     std::to_string(received_) + " back");
        }
        std::printf("bulk bytes=%llu seconds=%.3f mib_per_s=%.1f cpu=%.3f verified=1\n",
                    static_cast<unsigned long long>(sent_), elapsed,
                    static_cast<double>(sent_) / (1 << 20) / elapsed, cpu);
    }

  private:
    const Pattern* pattern_;
    std::uint64_t max_bytes_;
    Clock::time_point stop_at_;
    std::uint64_t sent_ = 0;
    std::size_t in_flight_ = 0;
    std::uint64_t received_ = 0;
};

// The handshake scenario's line; `count` handshakes were completed.
inline void report_handshakes(std::uint64_t count, double elapsed, double cpu) {
    if (count == 0) throw std::runtime_error("handshakes: none completed");
    std::printf("handshakes count=%llu seconds=%.3f per_s=%.1f cpu=%.3f verified=1\n",
                static_cast<unsigned long long>(count), elapsed,
                static_cast<double>(count) / elapsed, cpu);
}

}  // namespace tls_bench
