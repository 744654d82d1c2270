// Ancillary data (control messages) for Socket::sendmsg / recvmsg.
//
// Two kinds are typed because they carry resources or identities:
//  * SCM_RIGHTS, file descriptors: sent from a list of borrowed fds; received
//    ones arrive as owned FileDescriptor values (close-on-exec, via
//    MSG_CMSG_CLOEXEC), so none leaks even when the caller ignores them.
//  * SCM_CREDENTIALS, the sender's pid/uid/gid: the receiver enables it with
//    set_pass_credentials(sock, true) (SO_PASSCRED).
// Everything else passes through as raw ControlMessage bytes.
//
//     Ancillary out;
//     out.fds = {file.get(), pipe_end};
//     co_await sock.sendmsg(std::array{BytesView("x")}, out);
//
//     auto m = co_await peer.recvmsg(16, cmsg_space_for_fds(2));
//     if (m.ancillary.truncated) ...   // MSG_CTRUNC: the fds that fit were closed
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <vector>

#include "coronet/base/bytes.hpp"
#include "coronet/net/file_descriptor.hpp"

namespace coronet::net {

// struct ucred, without needing _GNU_SOURCE in user code.
struct Credentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    friend bool operator==(const Credentials&, const Credentials&) = default;
};

// The credentials of the calling process (what the kernel accepts from an
// unprivileged sender).
Credentials current_credentials() noexcept;

// One control message of any other kind: cmsg_level, cmsg_type, payload.
struct ControlMessage {
    int level = 0;
    int type = 0;
    Bytes data;
};

// What sendmsg attaches. The fds are borrowed: sendmsg does not close them.
struct Ancillary {
    std::vector<int> fds;
    std::optional<Credentials> credentials;
    std::vector<ControlMessage> other;

    bool empty() const noexcept { return fds.empty() && !credentials && other.empty(); }
};

// What recvmsg delivered.
struct ReceivedAncillary {
    std::vector<FileDescriptor> fds;
    std::optional<Credentials> credentials;
    std::vector<ControlMessage> other;
    // The control buffer was too small (MSG_CTRUNC). Any fds that did arrive
    // have been closed, since a partial set is not what the sender meant.
    bool truncated = false;
};

// Control-buffer sizes for recvmsg's `ancbufsize` (CMSG_SPACE), to add up
// when several kinds are expected.
std::size_t cmsg_space_for_fds(std::size_t count) noexcept;
std::size_t cmsg_space_for_credentials() noexcept;
std::size_t cmsg_space(std::size_t payload_bytes) noexcept;

}  // namespace coronet::net
