// The net layer's private door into Socket: building one around an fd it
// already owns, and the bookkeeping shared by the operation files.
#pragma once

#include <sys/socket.h>

#include "coronet/net/socket.hpp"

namespace coronet::net::detail {

struct SocketAccess {
    // Wraps an fd that is already non-blocking and close-on-exec.
    static Socket adopt(int fd, int family, int type, int proto) noexcept {
        Socket s;
        s.fd_ = fd;
        s.family_ = family;
        s.type_ = type;
        s.proto_ = proto;
        return s;
    }
    static int fd_for(const Socket& s, const char* what) { return s.fd_for(what); }
    // TCP: nothing but ordered bytes arrive, so the driver may receive ahead
    // of the caller (a UNIX stream can carry fds, which a receive that does
    // not ask for them would discard).
    static bool receives_bytes_only(const Socket& s) noexcept {
        return s.type_ == SOCK_STREAM && (s.family_ == AF_INET || s.family_ == AF_INET6);
    }
    static int after_wait(const Socket& s, int result, const char* what) {
        return s.after_wait(result, what);
    }
};

}  // namespace coronet::net::detail
