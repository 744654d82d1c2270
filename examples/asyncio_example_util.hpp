// Helpers for the asyncio examples: argument parsing, and printing values the
// way Python's repr() does, so the output matches the reference's.
#pragma once

#include <charconv>
#include <coronet/coronet.hpp>
#include <cstdio>
#include <string>
#include <string_view>

namespace example {

inline bool parse_port(std::string_view text, int& port) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    return error == std::errc() && end == text.data() + text.size() && port >= 0 && port <= 65535;
}

// repr() of a str: 'text', or "text" when it holds a ' and no ".
inline std::string py_repr(std::string_view s) {
    const bool dq = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
    const char q = dq ? '"' : '\'';
    std::string out(1, q);
    for (unsigned char c : s) {
        if (c == '\\' || c == static_cast<unsigned char>(q)) {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += q;
    return out;
}

// An address as Python prints its tuple: ('127.0.0.1', 8888).
inline std::string py_address(const coronet::net::SocketAddress& a) {
    if (!a.is_ip()) return py_repr(a.to_string());
    // Appended piece by piece: g++ 12 warns (-Wrestrict) on the chained form.
    std::string out = "(";
    out += py_repr(a.host());
    out += ", ";
    out += std::to_string(a.port());
    if (a.family() == AF_INET6) out += ", 0, 0";
    out += ")";
    return out;
}

}  // namespace example
