// Helpers the stream examples share to match their Python originals byte for
// byte (a header, so CMake does not build it as a program of its own).
#pragma once

#include <charconv>
#include <string>
#include <string_view>

namespace examples {

// What Python's print(b) writes for a bytes object b (without the newline):
// its repr. The quote is ' unless the bytes hold a ' and no ", and only the
// chosen quote is escaped; other bytes outside printable ASCII become \t, \n,
// \r or \xhh (lower-case hex).
inline std::string python_bytes_repr(std::string_view data) {
    const bool use_double =
        data.find('\'') != std::string_view::npos && data.find('"') == std::string_view::npos;
    const char quote = use_double ? '"' : '\'';
    std::string out = "b";
    out += quote;
    for (const char ch : data) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == static_cast<unsigned char>(quote) || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c < 0x20 || c >= 0x7f) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += ch;
        }
    }
    out += quote;
    return out;
}

// A decimal port in [lowest, 65535], the whole text.
inline bool parse_port(std::string_view text, int& port, int lowest) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    return error == std::errc() && end == text.data() + text.size() && port >= lowest &&
           port <= 65535;
}

// An error message on one line, whatever the exception's text holds (a
// ConnectError, for one, lists every attempt).
inline std::string one_line(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\n') {
            if (!out.empty() && out.back() != ' ') out += "; ";
        } else {
            out += c;
        }
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == ';'))
        out.pop_back();
    return out;
}

}  // namespace examples
