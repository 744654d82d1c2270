#include "coronet/stream/accept_backoff.hpp"

#include <cerrno>
#include <chrono>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/sleep.hpp"

namespace coronet {

Task<net::Accepted> accept_with_backoff(net::Socket& listener, AcceptStatistics& stats) {
    using namespace std::chrono_literals;
    std::chrono::milliseconds delay = 100ms;
    for (;;) {
        int error_number = 0;
        try {
            net::Accepted accepted = co_await listener.accept();
            ++stats.accepted;
            co_return accepted;
        } catch (const OSError& error) {
            error_number = error.error_number();
            if (error_number != EMFILE && error_number != ENFILE && error_number != ENOBUFS &&
                error_number != ENOMEM && error_number != ECONNABORTED) {
                throw;
            }
        }
        if (error_number == ECONNABORTED) continue;
        ++stats.resource_errors;
        co_await sleep(delay);
        delay = std::min<std::chrono::milliseconds>(delay * 2, 1000ms);
    }
}

}  // namespace coronet
