#include "stream/stream_errors.hpp"

#include <cerrno>

namespace coronet::stream_detail {

void rethrow_stream_error(const OSError& error) {
    switch (error.error_number()) {
        case ECONNRESET:
        case EPIPE:
        case ENOTCONN:
        case ECONNABORTED:
        case ETIMEDOUT:
        case EHOSTUNREACH:
        case ENETUNREACH:
            throw BrokenResourceError(error.what(), error.error_number());
        default:
            throw error;
    }
}

}  // namespace coronet::stream_detail
