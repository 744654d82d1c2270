#include "coronet/stream/command.hpp"

namespace coronet {
namespace {

bool needs_quotes(const std::string& arg) {
    if (arg.empty()) return true;
    for (char c : arg) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') ||
                           std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
        if (!plain) return true;
    }
    return false;
}

void append_quoted(std::string& out, const std::string& arg) {
    if (!needs_quotes(arg)) {
        out += arg;
        return;
    }
    out += '\'';
    for (char c : arg) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    out += '\'';
}

}  // namespace

std::string Command::program() const {
    if (shell_) return "/bin/sh";
    return args_.empty() ? std::string() : args_.front();
}

std::string Command::to_string() const {
    if (shell_) return args_.front();
    std::string out;
    for (const std::string& arg : args_) {
        if (!out.empty()) out += ' ';
        append_quoted(out, arg);
    }
    return out;
}

}  // namespace coronet
