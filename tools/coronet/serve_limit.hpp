// Accepting connections up to a limit, for `listen` and `relay`: after the
// N-th connection the listener stops accepting, the handlers still running
// finish, and the call returns. A handler's error is reported as one line
// (the server keeps serving the others) and counted.
#pragma once
#include <cstdint>
#include <string>

#include "endpoints.hpp"

namespace coronet::cli {

struct ServeResult {
    std::uint64_t accepted = 0;
    std::uint64_t failed = 0;
};

// limit 0: no limit (until cancelled).
Task<ServeResult> serve_limited(StreamServer& server, std::uint64_t limit, std::string command,
                                StreamHandler handler);

}  // namespace coronet::cli
