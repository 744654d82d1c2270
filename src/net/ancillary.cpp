#include "coronet/net/ancillary.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "net/control_messages.hpp"

namespace coronet::net {

Credentials current_credentials() noexcept {
    return {::getpid(), ::getuid(), ::getgid()};
}

std::size_t cmsg_space(std::size_t payload_bytes) noexcept {
    return CMSG_SPACE(payload_bytes);
}
std::size_t cmsg_space_for_fds(std::size_t count) noexcept {
    return CMSG_SPACE(count * sizeof(int));
}
std::size_t cmsg_space_for_credentials() noexcept {
    return CMSG_SPACE(sizeof(ucred));
}

namespace detail {
namespace {

// Walks the cmsghdr chain of a control buffer (CMSG_NXTHDR needs a msghdr).
template <class F>
void for_each_cmsg(void* control, std::size_t length, F&& f) {
    msghdr header{};
    header.msg_control = control;
    header.msg_controllen = length;
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c; c = CMSG_NXTHDR(&header, c))
        f(*c);
}

std::size_t payload_length(const cmsghdr& c) noexcept {
    return c.cmsg_len >= CMSG_LEN(0) ? c.cmsg_len - CMSG_LEN(0) : 0;
}

}  // namespace

ControlBuffer make_control_buffer(std::size_t bytes) {
    return ControlBuffer((bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
}

std::size_t encode_ancillary(const Ancillary& ancillary, ControlBuffer& buffer) {
    std::size_t total = 0;
    if (!ancillary.fds.empty()) total += CMSG_SPACE(ancillary.fds.size() * sizeof(int));
    if (ancillary.credentials) total += CMSG_SPACE(sizeof(ucred));
    for (const ControlMessage& m : ancillary.other)
        total += CMSG_SPACE(m.data.size());
    if (total == 0) return 0;
    // Zeroed: CMSG_NXTHDR reads the next header's length while walking.
    buffer = make_control_buffer(total);

    msghdr header{};
    header.msg_control = buffer.data();
    header.msg_controllen = total;
    cmsghdr* c = CMSG_FIRSTHDR(&header);
    auto put = [&](int level, int type, const void* data, std::size_t size) {
        c->cmsg_level = level;
        c->cmsg_type = type;
        c->cmsg_len = CMSG_LEN(size);
        if (size) std::memcpy(CMSG_DATA(c), data, size);
        c = CMSG_NXTHDR(&header, c);
    };
    if (!ancillary.fds.empty()) {
        put(SOL_SOCKET, SCM_RIGHTS, ancillary.fds.data(), ancillary.fds.size() * sizeof(int));
    }
    if (ancillary.credentials) {
        const ucred cred{ancillary.credentials->pid, ancillary.credentials->uid,
                         ancillary.credentials->gid};
        put(SOL_SOCKET, SCM_CREDENTIALS, &cred, sizeof cred);
    }
    for (const ControlMessage& m : ancillary.other)
        put(m.level, m.type, m.data.data(), m.data.size());
    return total;
}

ReceivedAncillary decode_ancillary(void* control, std::size_t length, bool truncated) {
    ReceivedAncillary out;
    out.truncated = truncated;
    if (!control || length == 0) return out;

    // First pass, before anything can throw: every received fd gets an owner.
    // The raw ints are memcpy'd out because CMSG_DATA is not int-aligned in
    // general.
    std::size_t fd_count = 0;
    for_each_cmsg(control, length, [&](cmsghdr& c) {
        if (c.cmsg_level == SOL_SOCKET && c.cmsg_type == SCM_RIGHTS) {
            fd_count += payload_length(c) / sizeof(int);
        }
    });
    if (fd_count) {
        try {
            out.fds.reserve(fd_count);
        } catch (...) {
            for_each_cmsg(control, length, [&](cmsghdr& c) {
                if (c.cmsg_level != SOL_SOCKET || c.cmsg_type != SCM_RIGHTS) return;
                for (std::size_t i = 0; i < payload_length(c) / sizeof(int); ++i) {
                    int fd;
                    std::memcpy(&fd, CMSG_DATA(&c) + i * sizeof(int), sizeof fd);
                    ::close(fd);
                }
            });
            throw;
        }
        for_each_cmsg(control, length, [&](cmsghdr& c) {
            if (c.cmsg_level != SOL_SOCKET || c.cmsg_type != SCM_RIGHTS) return;
            for (std::size_t i = 0; i < payload_length(c) / sizeof(int); ++i) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(&c) + i * sizeof(int), sizeof fd);
                out.fds.emplace_back(fd);  // reserved: cannot throw
            }
        });
    }
    // A truncated set is not what the sender meant; dropping the owners closes
    // whatever did arrive.
    if (truncated) out.fds.clear();

    for_each_cmsg(control, length, [&](cmsghdr& c) {
        if (c.cmsg_level == SOL_SOCKET && c.cmsg_type == SCM_RIGHTS) return;
        if (c.cmsg_level == SOL_SOCKET && c.cmsg_type == SCM_CREDENTIALS &&
            payload_length(c) >= sizeof(ucred)) {
            ucred cred;
            std::memcpy(&cred, CMSG_DATA(&c), sizeof cred);
            out.credentials = Credentials{cred.pid, cred.uid, cred.gid};
            return;
        }
        out.other.push_back(ControlMessage{c.cmsg_level, c.cmsg_type,
                                           Bytes(BytesView(CMSG_DATA(&c), payload_length(c)))});
    });
    return out;
}

}  // namespace detail
}  // namespace coronet::net
