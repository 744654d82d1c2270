// Maps socket errors to the byte-stream contract.
#pragma once

#include "coronet/base/errors.hpp"

namespace coronet::stream_detail {

// BrokenResourceError for errnos that mean the peer broke the connection
// (ECONNRESET, EPIPE, ...); otherwise rethrows `error` unchanged.
[[noreturn]] void rethrow_stream_error(const OSError& error);

}  // namespace coronet::stream_detail
