// The write side's flow control that every transport shares (asyncio's
// _maybe_pause_protocol / _maybe_resume_protocol): the water marks, whether
// the protocol is paused, and the pause_writing / resume_writing calls, whose
// exceptions go to the loop's exception handler instead of the transport's
// caller. The transport owns what counts as buffered and tells this after
// every change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "coronet/asyncio/protocols.hpp"
#include "coronet/asyncio/write_buffer_limits.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio::detail {

class WriteFlowControl {
  public:
    explicit WriteFlowControl(Loop& loop) noexcept : loop_(loop) {}

    // After the buffer grew: pause_writing() once it is past the high mark
    // (once per pause).
    void maybe_pause(BaseProtocol& protocol, std::size_t buffered) noexcept;
    // After the buffer shrank: resume_writing() once a paused protocol's
    // buffer is at or below the low mark.
    void maybe_resume(BaseProtocol& protocol, std::size_t buffered) noexcept;

    // get_write_buffer_limits(): (low, high).
    std::pair<std::size_t, std::size_t> limits() const noexcept {
        return {limits_.low, limits_.high};
    }
    // set_write_buffer_limits(): asyncio's rules (std::invalid_argument for
    // bad marks, nothing changed then), and a pause if the buffer is already
    // past the new high mark.
    void set_limits(std::optional<std::int64_t> high, std::optional<std::int64_t> low,
                    BaseProtocol& protocol, std::size_t buffered) {
        limits_ = WriteBufferLimits::from(high, low);
        maybe_pause(protocol, buffered);
    }

  private:
    Loop& loop_;
    WriteBufferLimits limits_;
    bool paused_ = false;
};

}  // namespace coronet::asyncio::detail
