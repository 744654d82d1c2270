#include "report.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace coronet::cli {

namespace {

std::string printf_string(const char* format, auto... args) {
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, format, args...);
    return buffer;
}

std::string json_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += printf_string("\\u%04x", static_cast<unsigned>(c));
        } else {
            out += c;
        }
    }
    return out;
}

std::string xml_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

double us(std::uint64_t ns) {
    return static_cast<double>(ns) / 1000.0;
}

constexpr double kPercentiles[] = {50, 90, 99, 99.9};

}  // namespace

std::string format_latency(std::uint64_t ns) {
    const double value = static_cast<double>(ns);
    if (value < 1e3) return printf_string("%.0f ns", value);
    if (value < 1e6) return printf_string("%.1f us", value / 1e3);
    if (value < 1e9) return printf_string("%.2f ms", value / 1e6);
    return printf_string("%.2f s", value / 1e9);
}

ProgressPrinter::ProgressPrinter(std::FILE* out, std::string indent)
    : out_(out), indent_(std::move(indent)), tty_(::isatty(::fileno(out)) == 1) {}

void ProgressPrinter::update(const BenchStats& stats) {
    std::string line;
    if (stats.warming_up) {
        line = printf_string("warming up... %d connection(s) open, %llu error(s)",
                             stats.connections_open, static_cast<unsigned long long>(stats.errors));
    } else {
        const double interval = stats.seconds - last_seconds_;
        const double rate =
            interval > 0 ? static_cast<double>(stats.requests - last_requests_) / interval : 0;
        line = printf_string("%6.1f s  %10.0f req/s  %8.2f MB/s  p99 %s  errors %llu",
                             stats.seconds, rate, stats.megabytes_per_second(),
                             format_latency(stats.latency.percentile(99)).c_str(),
                             static_cast<unsigned long long>(stats.errors));
        last_requests_ = stats.requests;
        last_seconds_ = stats.seconds;
    }
    if (tty_) {
        std::fprintf(out_, "\r\033[K%s%s", indent_.c_str(), line.c_str());
        drawn_ = true;
    } else {
        std::fprintf(out_, "%s%s\n", indent_.c_str(), line.c_str());
    }
    std::fflush(out_);
}

void ProgressPrinter::finish() {
    if (drawn_) std::fprintf(out_, "\r\033[K");
    drawn_ = false;
    std::fflush(out_);
}

std::string summary_text(const BenchOptions& options, const BenchStats& stats,
                         const std::string& indent) {
    std::ostringstream out;
    out << indent
        << printf_string("%s: %d connection(s), %zu-byte messages, pipeline %d, %.1f s measured\n",
                         options.url.text.c_str(), options.connections, options.size,
                         options.pipeline, stats.seconds);
    out << indent
        << printf_string("  requests  %12llu  %12.0f req/s\n",
                         static_cast<unsigned long long>(stats.requests),
                         stats.requests_per_second());
    out << indent
        << printf_string("  echoed    %12.2f MB  %12.2f MB/s\n", stats.bytes / 1e6,
                         stats.megabytes_per_second());
    out << indent << "  latency  ";
    for (double q : kPercentiles)
        out << printf_string(" p%g %s ", q, format_latency(stats.latency.percentile(q)).c_str());
    out << " max " << format_latency(stats.latency.max()) << "\n";
    out << indent
        << printf_string("  errors    %12llu\n", static_cast<unsigned long long>(stats.errors));
    for (const std::string& message : stats.error_messages)
        out << indent << "    " << message << "\n";
    return out.str();
}

std::string summary_json(const BenchOptions& options, const BenchStats& stats) {
    std::ostringstream out;
    out << "{\"url\":\"" << json_escape(options.url.text) << "\"";
    out << ",\"connections\":" << options.connections << ",\"size\":" << options.size
        << ",\"pipeline\":" << options.pipeline;
    out << printf_string(",\"duration_s\":%.3f,\"warmup_s\":%.3f", stats.seconds, options.warmup);
    out << ",\"requests\":" << stats.requests;
    out << printf_string(",\"requests_per_second\":%.1f", stats.requests_per_second());
    out << ",\"bytes\":" << stats.bytes;
    out << printf_string(",\"megabytes_per_second\":%.3f", stats.megabytes_per_second());
    out << ",\"errors\":" << stats.errors;
    out << ",\"latency_us\":{";
    out << printf_string("\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f",
                         us(stats.latency.percentile(50)), us(stats.latency.percentile(90)),
                         us(stats.latency.percentile(99)), us(stats.latency.percentile(99.9)));
    out << printf_string(",\"min\":%.3f,\"max\":%.3f,\"mean\":%.3f}", us(stats.latency.min()),
                         us(stats.latency.max()), stats.latency.mean() / 1000.0);
    out << ",\"error_messages\":[";
    for (std::size_t i = 0; i < stats.error_messages.size(); ++i)
        out << (i ? "," : "") << "\"" << json_escape(stats.error_messages[i]) << "\"";
    out << "]}\n";
    return out.str();
}

std::string latency_svg(const BenchOptions& options, const BenchStats& stats) {
    // x: "nines" of the percentile, log10(1 / (1 - q)), from 0 (p0) to 5
    // (p99.999), the way latency spectra are usually drawn; y: latency.
    constexpr double kWidth = 800, kHeight = 480, kLeft = 80, kRight = 30, kTop = 50, kBottom = 60;
    constexpr double kMaxNines = 5;
    const double plot_w = kWidth - kLeft - kRight;
    const double plot_h = kHeight - kTop - kBottom;
    const double max_us = std::max(1.0, us(stats.latency.max()) * 1.05);
    auto x_of = [&](double nines) { return kLeft + plot_w * nines / kMaxNines; };
    auto y_of = [&](double value_us) { return kTop + plot_h * (1 - value_us / max_us); };

    std::ostringstream svg;
    svg << printf_string(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
        "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
        kWidth, kHeight, kWidth, kHeight);
    svg << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg << printf_string(
        "<text x=\"%.0f\" y=\"24\" font-size=\"15\">Latency by percentile: %s</text>\n", kLeft,
        xml_escape(printf_string("%s, %d conn, %zu B, pipeline %d, %.0f req/s",
                                 options.url.text.c_str(), options.connections, options.size,
                                 options.pipeline, stats.requests_per_second()))
            .c_str());
    // Axes, grid and labels.
    const char* const kLabels[] = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
    for (int i = 0; i <= 5; ++i) {
        const double x = x_of(i);
        svg << printf_string(
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x, kTop, x,
            kTop + plot_h);
        svg << printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                             kTop + plot_h + 18, kLabels[i]);
    }
    for (int i = 0; i <= 4; ++i) {
        const double value = max_us * i / 4;
        const double y = y_of(value);
        svg << printf_string(
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", kLeft, y,
            kLeft + plot_w, y);
        svg << printf_string(
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", kLeft - 6, y + 4,
            xml_escape(format_latency(static_cast<std::uint64_t>(value * 1000))).c_str());
    }
    svg << printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">percentile</text>\n",
                         kLeft + plot_w / 2, kHeight - 14);
    // The curve: one point per step along the x axis.
    if (stats.latency.count() > 0) {
        svg << "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"";
        constexpr int kSteps = 250;
        for (int i = 0; i <= kSteps; ++i) {
            const double nines = kMaxNines * i / kSteps;
            const double q = 100.0 * (1 - std::pow(10.0, -nines));
            svg << printf_string("%.1f,%.1f ", x_of(nines), y_of(us(stats.latency.percentile(q))));
        }
        svg << "\"/>\n";
    } else {
        svg << printf_string(
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no samples</text>\n",
            kLeft + plot_w / 2, kTop + plot_h / 2);
    }
    svg << "</svg>\n";
    return svg.str();
}

}  // namespace coronet::cli
