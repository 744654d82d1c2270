#include "url.hpp"

#include <charconv>

#include "cli_error.hpp"

namespace coronet::cli {

namespace {

constexpr std::string_view kSchemes = "tcp://, tls://, udp://, unix: or unix-dgram:";

std::string quoted(std::string_view text) {
    return "'" + std::string(text) + "'";
}

int parse_port(std::string_view port, std::string_view url) {
    if (port.empty()) throw UsageError("missing port in " + quoted(url) + " (expected HOST:PORT)");
    if (port.front() < '0' || port.front() > '9') {
        throw UsageError("port " + quoted(port) + " in " + quoted(url) + " is not a number");
    }
    long value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error == std::errc::result_out_of_range ||
        (error == std::errc() && end == port.data() + port.size() && value > 65535)) {
        throw UsageError("port " + std::string(port) + " in " + quoted(url) +
                         " is out of range (0..65535)");
    }
    if (error != std::errc() || end != port.data() + port.size()) {
        throw UsageError("port " + quoted(port) + " in " + quoted(url) + " is not a number");
    }
    return static_cast<int>(value);
}

void parse_host_port(std::string_view rest, std::string_view url, Url& out) {
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) {
            throw UsageError("unclosed '[' in " + quoted(url) + " (expected [IPV6]:PORT)");
        }
        out.host = std::string(rest.substr(1, close - 1));
        rest.remove_prefix(close + 1);
        if (rest.empty() || rest.front() != ':') {
            throw UsageError("missing port in " + quoted(url) + " (expected [IPV6]:PORT)");
        }
        out.port = parse_port(rest.substr(1), url);
        return;
    }
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
        throw UsageError("missing port in " + quoted(url) + " (expected HOST:PORT)");
    }
    out.host = std::string(rest.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
        throw UsageError("IPv6 address in " + quoted(url) + " needs brackets: [" + out.host +
                         "]:PORT");
    }
    if (out.host.find('/') != std::string::npos) {
        throw UsageError("a path in " + quoted(url) + " makes no sense here (expected HOST:PORT)");
    }
    out.port = parse_port(rest.substr(colon + 1), url);
}

}  // namespace

Url parse_url(std::string_view text) {
    Url url;
    url.text = std::string(text);
    struct Prefix {
        std::string_view prefix;
        Scheme scheme;
    };
    static constexpr Prefix kPrefixes[] = {
        {"tcp://", Scheme::tcp},        {"tls://", Scheme::tls},
        {"udp://", Scheme::udp},        {"unix-dgram:", Scheme::unix_dgram},
        {"unix:", Scheme::unix_stream},
    };
    for (const auto& [prefix, scheme] : kPrefixes) {
        if (!text.starts_with(prefix)) continue;
        url.scheme = scheme;
        std::string_view rest = text.substr(prefix.size());
        if (url.is_ip()) {
            parse_host_port(rest, text, url);
        } else {
            // "unix:///run/x.sock" is a common slip for "unix:/run/x.sock".
            if (rest.starts_with("//")) rest.remove_prefix(2);
            if (rest.empty() || rest == "@") {
                throw UsageError("missing path in " + quoted(text) + " (expected " +
                                 std::string(prefix) + "PATH or " + std::string(prefix) + "@NAME)");
            }
            url.path = std::string(rest);
        }
        return url;
    }
    const auto sep = text.find(':');
    if (sep == std::string_view::npos || text.empty()) {
        throw UsageError("no scheme in " + quoted(text) + " (use " + std::string(kSchemes) + ")");
    }
    throw UsageError("unknown scheme " + quoted(text.substr(0, sep)) + " in " + quoted(text) +
                     " (use " + std::string(kSchemes) + ")");
}

void require_connectable(const Url& url) {
    if (!url.is_ip()) return;
    if (url.host.empty()) throw UsageError("missing host in " + quoted(url.text));
    if (url.port == 0)
        throw UsageError("port 0 in " + quoted(url.text) + " cannot be connected to");
}

std::string describe(const Url& url) {
    if (!url.is_ip()) return url.path;
    const std::string host =
        url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    return host + ":" + std::to_string(url.port);
}

}  // namespace coronet::cli
