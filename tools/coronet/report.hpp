// How bench results are shown: a progress line while running (rewritten in
// place on a terminal, one plain line per interval otherwise), a summary for
// people, JSON for machines and an SVG latency chart.
#pragma once
#include <cstdio>
#include <string>

#include "bench.hpp"

namespace coronet::cli {

// "12.3 us", "1.05 ms", "2.00 s" for a duration in nanoseconds.
std::string format_latency(std::uint64_t ns);

class ProgressPrinter {
  public:
    // On a terminal the line is redrawn in place; otherwise a line per call.
    explicit ProgressPrinter(std::FILE* out, std::string indent = {});
    void update(const BenchStats& stats);
    // Ends the redrawn line, if any.
    void finish();

  private:
    std::FILE* out_;
    std::string indent_;
    bool tty_;
    bool drawn_ = false;
    std::uint64_t last_requests_ = 0;
    double last_seconds_ = 0;
};

// `indent` starts every line.
std::string summary_text(const BenchOptions& options, const BenchStats& stats,
                         const std::string& indent = {});
std::string summary_json(const BenchOptions& options, const BenchStats& stats);
// A standalone SVG: latency by percentile (log scale towards 99.999%).
std::string latency_svg(const BenchOptions& options, const BenchStats& stats);

}  // namespace coronet::cli
