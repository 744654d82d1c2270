// Encoding and decoding of control messages (the cmsghdr buffers of
// sendmsg/recvmsg). Private to the net layer.
#pragma once

#include <cstddef>
#include <vector>

#include "coronet/net/ancillary.hpp"

namespace coronet::net::detail {

// A control buffer aligned for cmsghdr.
using ControlBuffer = std::vector<std::max_align_t>;

ControlBuffer make_control_buffer(std::size_t bytes);

// Serialises `ancillary` into `buffer`; returns the msg_controllen to pass (0:
// nothing to send).
std::size_t encode_ancillary(const Ancillary& ancillary, ControlBuffer& buffer);

// Takes ownership of every fd in the control data (closing them all when
// `truncated`) and decodes the rest. No fd is left unowned, even if this throws.
ReceivedAncillary decode_ancillary(void* control, std::size_t length, bool truncated);

}  // namespace coronet::net::detail
