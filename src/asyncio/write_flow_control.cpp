#include "asyncio/write_flow_control.hpp"

#include <exception>

namespace coronet::asyncio::detail {

void WriteFlowControl::maybe_pause(BaseProtocol& protocol, std::size_t buffered) noexcept {
    if (paused_ || !limits_.should_pause(buffered)) return;
    paused_ = true;
    try {
        protocol.pause_writing();
    } catch (...) {
        loop_.call_exception_handler({"protocol.pause_writing() failed", std::current_exception()});
    }
}

void WriteFlowControl::maybe_resume(BaseProtocol& protocol, std::size_t buffered) noexcept {
    if (!paused_ || !limits_.should_resume(buffered)) return;
    paused_ = false;
    try {
        protocol.resume_writing();
    } catch (...) {
        loop_.call_exception_handler(
            {"protocol.resume_writing() failed", std::current_exception()});
    }
}

}  // namespace coronet::asyncio::detail
