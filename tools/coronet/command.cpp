#include "command.hpp"

#include <charconv>
#include <cmath>

#include "cli_error.hpp"
#include "interrupt.hpp"

namespace coronet::cli {

int run_in_loop(std::string name, std::function<Task<int>()> body, Event* soft_stop) {
    try {
        return coronet::run([&]() -> Task<int> {
            int code = kExitOk;
            // Named first: a std::function built inside a co_await expression
            // trips g++ 12's double destruction of temporaries there.
            std::function<Task<void>()> work = [&]() -> Task<void> { code = co_await body(); };
            const bool interrupted = co_await run_until_interrupted(std::move(work), soft_stop);
            co_return interrupted ? kExitInterrupted : code;
        });
    } catch (...) {
        return report_error(name, std::current_exception());
    }
}

namespace {

// The number at the front of `text` and the rest (the unit).
double leading_number(const std::string& text, std::string& unit, const char* what) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || !std::isfinite(value) || value < 0) {
        throw UsageError(std::string(what) + " '" + text + "' is not a non-negative number");
    }
    unit.assign(end, text.data() + text.size());
    return value;
}

}  // namespace

std::size_t parse_size(const std::string& text, const char* what) {
    std::string unit;
    double value = leading_number(text, unit, what);
    if (unit == "k" || unit == "K" || unit == "KiB") {
        value *= 1024;
    } else if (unit == "m" || unit == "M" || unit == "MiB") {
        value *= 1024 * 1024;
    } else if (!unit.empty() && unit != "B") {
        throw UsageError(std::string(what) + " '" + text + "': unknown unit (use B, k or M)");
    }
    if (value > 1e12) throw UsageError(std::string(what) + " '" + text + "' is too large");
    return static_cast<std::size_t>(value);
}

double parse_seconds(const std::string& text, const char* what) {
    std::string unit;
    double value = leading_number(text, unit, what);
    if (unit == "ms") {
        value /= 1000;
    } else if (unit == "m" || unit == "min") {
        value *= 60;
    } else if (unit == "h") {
        value *= 3600;
    } else if (!unit.empty() && unit != "s") {
        throw UsageError(std::string(what) + " '" + text + "': unknown unit (use ms, s, m or h)");
    }
    if (value > 86400 * 365) throw UsageError(std::string(what) + " '" + text + "' is too long");
    return value;
}

}  // namespace coronet::cli
