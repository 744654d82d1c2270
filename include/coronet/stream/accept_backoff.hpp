// accept with back-off: what the socket listeners use so that running out of
// file descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM) does not end or spin the
// accept loop. On such an error the listener sleeps (100 ms, doubling up to
// 1 s), keeps its socket and tries again; the first success resets the delay.
// ECONNABORTED (a client gave up in the backlog) is skipped silently.
#pragma once

#include <cstddef>

#include "coronet/net/socket.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

struct AcceptStatistics {
    std::size_t accepted = 0;
    // Resource errors seen (each one costs a back-off sleep).
    std::size_t resource_errors = 0;
};

Task<net::Accepted> accept_with_backoff(net::Socket& listener, AcceptStatistics& stats);

}  // namespace coronet
