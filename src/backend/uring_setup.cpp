#include "uring_setup.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

namespace coronet::backend {
namespace {

std::string io_uring_disabled_note() {
    std::FILE* f = std::fopen("/proc/sys/kernel/io_uring_disabled", "re");
    if (!f) return {};
    int value = 0;
    const bool read = std::fscanf(f, "%d", &value) == 1;
    std::fclose(f);
    if (!read || value == 0) return {};
    return " (kernel.io_uring_disabled=" + std::to_string(value) + ")";
}

}  // namespace

int init_ring(io_uring& ring, unsigned entries, unsigned& flags_used, std::string& why) {
    // R_DISABLED defers binding the single issuer to the thread that first
    // submits (the loop's), not the one that happened to create the driver.
    constexpr unsigned kSingle =
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_R_DISABLED | IORING_SETUP_COOP_TASKRUN;
    constexpr unsigned kCandidates[] = {
        IORING_SETUP_SUBMIT_ALL | kSingle | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SUBMIT_ALL | kSingle,
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_SUBMIT_ALL,
        0,
    };
    entries = std::clamp(entries, 2u, 32768u);
    int rc = -EINVAL;
    for (unsigned flags : kCandidates) {
        io_uring_params params{};
        params.flags = flags;
        rc = io_uring_queue_init_params(entries, &ring, &params);
        if (rc == 0) {
            flags_used = flags;
            return 0;
        }
        if (rc != -EINVAL) break;
    }
    why = std::string("io_uring_setup: ") + std::strerror(-rc);
    if (rc == -EPERM) why += io_uring_disabled_note();
    return rc;
}

bool probe_ring(io_uring& ring, UringCapabilities& caps, std::string& why) {
    std::unique_ptr<io_uring_probe, void (*)(io_uring_probe*)> probe(io_uring_get_probe_ring(&ring),
                                                                     io_uring_free_probe);
    if (!probe) {
        why = "io_uring: the kernel has no opcode probe";
        return false;
    }
    auto has = [&](int opcode) { return io_uring_opcode_supported(probe.get(), opcode) != 0; };
    // IORING_OP_SOCKET arrived in 5.19 with multishot accept, provided buffer
    // rings and cancel-by-fd, none of which has its own probe bit.
    const bool kernel_5_19 = has(IORING_OP_SOCKET);
    if (!kernel_5_19 || !has(IORING_OP_ASYNC_CANCEL) || !has(IORING_OP_POLL_ADD) ||
        !has(IORING_OP_READ)) {
        why = "io_uring: the kernel predates 5.19 (no cancel by fd)";
        return false;
    }
    auto set = [&](OpCode code, int opcode) {
        caps.native[static_cast<std::size_t>(code)] = has(opcode);
    };
    set(OpCode::accept, IORING_OP_ACCEPT);
    set(OpCode::connect, IORING_OP_CONNECT);
    set(OpCode::recv, IORING_OP_RECV);
    set(OpCode::recv_provided, IORING_OP_RECV);
    set(OpCode::recvmsg, IORING_OP_RECVMSG);
    set(OpCode::recvfrom, IORING_OP_RECVMSG);
    set(OpCode::send, IORING_OP_SEND);
    set(OpCode::sendmsg, IORING_OP_SENDMSG);
    set(OpCode::sendto, IORING_OP_SENDMSG);
    set(OpCode::poll, IORING_OP_POLL_ADD);
    caps.multishot_accept = caps.native[static_cast<std::size_t>(OpCode::accept)];
    // Multishot recv came in 6.0 with SEND_ZC, which has a probe bit.
    caps.multishot_recv =
        caps.native[static_cast<std::size_t>(OpCode::recv)] && has(IORING_OP_SEND_ZC);
    return true;
}

}  // namespace coronet::backend
