#include "serve_limit.hpp"

#include "cli_error.hpp"

namespace coronet::cli {

Task<ServeResult> serve_limited(StreamServer& server, std::uint64_t limit, std::string command,
                                StreamHandler handler) {
    ServeResult result;
    CancelScope accepting;
    co_await with_task_group([&](TaskGroup& handlers) -> Task<void> {
        StreamHandler counted = [&](StreamPtr stream) -> Task<void> {
            // The accept loop may take one more connection before the
            // cancellation reaches it: that one is closed unserved.
            if (limit != 0 && result.accepted >= limit) co_return;
            if (limit != 0 && ++result.accepted >= limit) {
                accepting.cancel();
            } else if (limit == 0) {
                ++result.accepted;
            }
            try {
                co_await handler(std::move(stream));
            } catch (const Cancelled&) {
                throw;
            } catch (...) {
                ++result.failed;
                report_error(command, std::current_exception());
            }
        };
        co_await accepting.run(server.serve(std::move(counted), handlers));
    });
    co_return result;
}

}  // namespace coronet::cli
