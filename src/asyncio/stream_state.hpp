// The state shared by a StreamReader / StreamWriter pair and the protocol
// that feeds them from the transport's callbacks.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "coronet/asyncio/transports.hpp"
#include "coronet/runtime/future.hpp"

namespace coronet::asyncio::detail {

struct ReaderState {
    std::size_t limit = 0;
    std::string buffer;
    bool eof = false;
    bool paused = false;  // we paused the transport
    std::exception_ptr error;
    ReadTransport* transport = nullptr;
    std::optional<Future<void>> waiter;

    void wake() {
        if (waiter && !waiter->done()) waiter->set_result();
    }
};

struct StreamProtocolState {
    bool paused = false;  // pause_writing seen, resume_writing not yet
    bool lost = false;
    std::exception_ptr lost_error;
    std::vector<Future<void>> drain_waiters;
    std::vector<Future<void>> closed_waiters;

    static void wake_all(std::vector<Future<void>>& waiters) {
        auto w = std::move(waiters);
        waiters.clear();
        for (auto& f : w)
            if (!f.done()) f.set_result();
    }
};

}  // namespace coronet::asyncio::detail
