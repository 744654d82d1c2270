// The echo load generator behind `coronet bench` and `coronet demo`.
//
// Each connection sends a batch of `pipeline` messages of `size` bytes in
// one write, then reads the echo back, checking every byte against what it
// sent; a message's latency is from the batch's send to the moment its last
// byte came back. Connections run concurrently on one loop. The first
// `warmup` seconds are not counted; measuring then lasts `duration` seconds
// (or until `stop` is set). A connection that fails or gets a wrong byte
// counts one error and stops; the others go on.
#pragma once
#include <coronet/coronet.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "endpoints.hpp"
#include "histogram.hpp"
#include "url.hpp"

namespace coronet::cli {

struct BenchOptions {
    Url url;
    int connections = 16;
    std::size_t size = 64;
    int pipeline = 1;
    double duration = 10;
    double warmup = 1;
    TlsClient tls;  // for a tls:// URL
};

// What has been measured so far (latencies in nanoseconds).
struct BenchStats {
    double seconds = 0;  // measured time (warm-up excluded)
    bool warming_up = true;
    std::uint64_t requests = 0;
    std::uint64_t bytes = 0;  // echoed payload bytes received
    std::uint64_t errors = 0;
    int connections_open = 0;
    LatencyHistogram latency;
    std::vector<std::string> error_messages;  // the first few, for the report

    double requests_per_second() const { return seconds > 0 ? requests / seconds : 0; }
    double megabytes_per_second() const { return seconds > 0 ? bytes / seconds / 1e6 : 0; }
};

using BenchProgress = std::function<void(const BenchStats&)>;

// Calls `progress` about every `progress_interval` seconds while running.
// Throws the first connect error when no connection could be opened.
Task<BenchStats> run_bench(BenchOptions options, BenchProgress progress, double progress_interval,
                           Event* stop = nullptr);

// Rejects impossible options (UsageError).
void validate(const BenchOptions& options);

}  // namespace coronet::cli
