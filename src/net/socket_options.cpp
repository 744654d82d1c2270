#include "coronet/net/socket_options.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cstring>
#include <stdexcept>

namespace coronet::net {

void set_reuse_address(Socket& s, bool on) {
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, on);
}
bool reuse_address(const Socket& s) {
    return s.getsockopt(SOL_SOCKET, SO_REUSEADDR) != 0;
}
void set_reuse_port(Socket& s, bool on) {
    s.setsockopt(SOL_SOCKET, SO_REUSEPORT, on);
}
bool reuse_port(const Socket& s) {
    return s.getsockopt(SOL_SOCKET, SO_REUSEPORT) != 0;
}
void set_broadcast(Socket& s, bool on) {
    s.setsockopt(SOL_SOCKET, SO_BROADCAST, on);
}
bool broadcast(const Socket& s) {
    return s.getsockopt(SOL_SOCKET, SO_BROADCAST) != 0;
}
void set_keepalive(Socket& s, bool on) {
    s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, on);
}
bool keepalive(const Socket& s) {
    return s.getsockopt(SOL_SOCKET, SO_KEEPALIVE) != 0;
}
void set_tcp_nodelay(Socket& s, bool on) {
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, on);
}
bool tcp_nodelay(const Socket& s) {
    return s.getsockopt(IPPROTO_TCP, TCP_NODELAY) != 0;
}
void set_pass_credentials(Socket& s, bool on) {
    s.setsockopt(SOL_SOCKET, SO_PASSCRED, on);
}

void set_send_buffer_size(Socket& s, int bytes) {
    s.setsockopt(SOL_SOCKET, SO_SNDBUF, bytes);
}
int send_buffer_size(const Socket& s) {
    return s.getsockopt(SOL_SOCKET, SO_SNDBUF);
}
void set_receive_buffer_size(Socket& s, int bytes) {
    s.setsockopt(SOL_SOCKET, SO_RCVBUF, bytes);
}
int receive_buffer_size(const Socket& s) {
    return s.getsockopt(SOL_SOCKET, SO_RCVBUF);
}

void set_linger(Socket& s, std::optional<std::chrono::seconds> seconds) {
    ::linger value{};
    value.l_onoff = seconds.has_value();
    value.l_linger = seconds ? static_cast<int>(seconds->count()) : 0;
    s.setsockopt(SOL_SOCKET, SO_LINGER, BytesView(&value, sizeof value));
}

std::optional<std::chrono::seconds> linger_timeout(const Socket& s) {
    const Bytes raw = s.getsockopt(SOL_SOCKET, SO_LINGER, sizeof(::linger));
    ::linger value{};
    std::memcpy(&value, raw.data(), std::min(raw.size(), sizeof value));
    if (!value.l_onoff) return std::nullopt;
    return std::chrono::seconds(value.l_linger);
}

void bind_to_device(Socket& s, std::string_view interface_name) {
    if (interface_name.size() >= IF_NAMESIZE) {
        throw std::invalid_argument("interface name '" + std::string(interface_name) +
                                    "' is longer than " + std::to_string(IF_NAMESIZE - 1) +
                                    " bytes");
    }
    s.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, BytesView(interface_name));
}

std::string bound_device(const Socket& s) {
    const Bytes raw = s.getsockopt(SOL_SOCKET, SO_BINDTODEVICE, IF_NAMESIZE);
    const std::string_view name = raw.str();
    return std::string(name.substr(0, name.find('\0')));
}

namespace {

void multicast_membership(Socket& s, const SocketAddress& group, unsigned interface_index,
                          bool join) {
    if (group.family() == AF_INET) {
        ip_mreqn request{};
        request.imr_multiaddr = reinterpret_cast<const sockaddr_in*>(group.native())->sin_addr;
        request.imr_ifindex = static_cast<int>(interface_index);
        s.setsockopt(IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP,
                     BytesView(&request, sizeof request));
    } else if (group.family() == AF_INET6) {
        ipv6_mreq request{};
        request.ipv6mr_multiaddr = reinterpret_cast<const sockaddr_in6*>(group.native())->sin6_addr;
        request.ipv6mr_interface = interface_index;
        s.setsockopt(IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
                     BytesView(&request, sizeof request));
    } else {
        throw std::invalid_argument("multicast group " + group.to_string() +
                                    " is not an IP address");
    }
}

}  // namespace

void join_multicast_group(Socket& s, const SocketAddress& group, unsigned interface_index) {
    multicast_membership(s, group, interface_index, true);
}

void leave_multicast_group(Socket& s, const SocketAddress& group, unsigned interface_index) {
    multicast_membership(s, group, interface_index, false);
}

}  // namespace coronet::net
