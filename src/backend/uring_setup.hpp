// Creating the ring: the best setup flags this kernel accepts, and what its
// probe says it can do.
#pragma once

#include <liburing.h>

#include <array>
#include <cstddef>
#include <string>

#include "coronet/backend/operation.hpp"

// liburing 2.3's headers may predate these; the values are kernel ABI.
#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

namespace coronet::backend {

struct UringCapabilities {
    // Per OpCode: submitted as its own io_uring opcode (else: the plain
    // syscall, retried after a POLL_ADD says the fd is ready).
    std::array<bool, 11> native{};
    bool multishot_accept = false;
    bool multishot_recv = false;  // 6.0: IORING_RECV_MULTISHOT
    unsigned setup_flags = 0;
};

// Initializes `ring`, falling back to fewer flags while the kernel says
// EINVAL. Returns 0, or -errno with `why` set ("io_uring_setup: ...").
int init_ring(io_uring& ring, unsigned entries, unsigned& flags_used, std::string& why);

// Reads the probe of an initialized ring. Returns false with `why` set when
// the kernel lacks what the driver cannot do without (cancel by fd, 5.19).
bool probe_ring(io_uring& ring, UringCapabilities& caps, std::string& why);

}  // namespace coronet::backend
