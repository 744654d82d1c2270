// coronet bench URL: an echo load generator (wrk for byte streams). The
// summary (or --json) goes to stdout, the progress line to stderr.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "bench.hpp"
#include "cli_error.hpp"
#include "command.hpp"
#include "report.hpp"
#include "tls_options.hpp"

namespace coronet::cli {

namespace {

struct BenchCommandOptions {
    std::string url;
    int connections = 16;
    std::string size = "64";
    int pipeline = 1;
    std::string duration = "10s";
    std::string warmup = "1s";
    bool json = false;
    std::string svg;
    TlsOptions tls;
    Event stop;  // the first Ctrl-C: stop measuring and report
};

void write_file(const std::string& path, const std::string& text) {
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (!file) throw_os_error(errno, "open", path);
    const bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    const int error = errno;
    if (std::fclose(file) != 0 || !ok) throw_os_error(ok ? errno : error, "write", path);
}

Task<int> run_bench_command(BenchCommandOptions& options) {
    BenchOptions bench;
    bench.url = parse_url(options.url);
    bench.connections = options.connections;
    bench.size = parse_size(options.size, "--size");
    bench.pipeline = options.pipeline;
    bench.duration = parse_seconds(options.duration, "--duration");
    bench.warmup = parse_seconds(options.warmup, "--warmup");
    validate(bench);
    options.tls.check_client_applies_to(bench.url);
    if (bench.url.scheme == Scheme::tls) bench.tls = options.tls.client();

    auto printer = std::make_shared<ProgressPrinter>(stderr);
    BenchProgress progress = [printer](const BenchStats& stats) { printer->update(stats); };
    BenchStats stats = co_await run_bench(bench, progress, 1.0, &options.stop);
    printer->finish();
    const std::string report =
        options.json ? summary_json(bench, stats) : summary_text(bench, stats);
    std::fputs(report.c_str(), stdout);
    std::fflush(stdout);
    if (!options.svg.empty()) write_file(options.svg, latency_svg(bench, stats));
    co_return stats.errors == 0 ? kExitOk : kExitPeerError;
}

}  // namespace

Command add_bench(CLI::App& root) {
    auto options = std::make_shared<BenchCommandOptions>();
    CLI::App* app = root.add_subcommand(
        "bench", "Load an echo server at URL: requests/s, MB/s, latency percentiles (like wrk)");
    app->add_option("URL", options->url, "an echo server: tcp://HOST:PORT, unix:PATH, tls://...")
        ->required();
    app->add_option("-c,--connections", options->connections, "concurrent connections (default 16)")
        ->check(CLI::Range(1, 10000));
    app->add_option("-s,--size", options->size, "bytes per message: 64, 4k, 1M (default 64)");
    app->add_option("-p,--pipeline", options->pipeline,
                    "messages in flight per connection (default 1)")
        ->check(CLI::Range(1, 4096));
    app->add_option("-d,--duration", options->duration,
                    "measuring time: 10, 10s, 500ms, 1m, 1h (default 10s)");
    app->add_option("--warmup", options->warmup, "unmeasured time first (default 1s)");
    app->add_flag("--json", options->json, "print the result as one JSON object");
    app->add_option("--svg", options->svg, "write a latency-by-percentile chart to FILE");
    options->tls.add_client_options(*app);
    app->footer(R"(Examples:
  coronet listen tcp://127.0.0.1:7000 --echo -k &
  coronet bench tcp://127.0.0.1:7000 -c 64 -d 5s
  coronet bench unix:/tmp/echo.sock -s 4k -p 8 --json --svg latency.svg
  coronet bench tls://localhost:7443 --cafile ca.pem -c 8
Every echoed byte is checked; a wrong byte or a failed connection is an error
(exit code 1). Ctrl-C stops early and still reports.)");
    return {app, [options] {
                return run_in_loop(
                    "bench", [options] { return run_bench_command(*options); }, &options->stop);
            }};
}

}  // namespace coronet::cli
