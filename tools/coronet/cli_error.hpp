// How the tool fails: exit codes and the one-line error report.
//
// Exit codes (documented in docs/cli.md and in `coronet --help`):
//   0 success, 1 a peer or network error, 2 a usage error (bad arguments,
//   unknown scheme, an unreadable certificate), 130 ended by SIGINT/SIGTERM.
// Every failure is reported as one line on stderr, "coronet <command>: <what>",
// never a stack trace: main() routes every exception through report_error().
#pragma once
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace coronet::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitPeerError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

// The user asked for something malformed or impossible: exit code 2.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Prints "coronet <command>: <message>" for `error` and returns its exit code.
int report_error(std::string_view command, std::exception_ptr error);

}  // namespace coronet::cli
