// Typed helpers for the common socket options, over Socket::setsockopt /
// getsockopt. Each setter throws OSError("setsockopt") on failure.
//
//     set_reuse_address(listener, true);
//     set_tcp_nodelay(client, true);
//     set_linger(client, std::chrono::seconds(0));   // RST on close
//     join_multicast_group(udp, SocketAddress::ipv4("239.1.2.3", 0), if_nametoindex("lo"));
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"

namespace coronet::net {

// SO_REUSEADDR / SO_REUSEPORT / SO_BROADCAST / SO_KEEPALIVE / TCP_NODELAY.
void set_reuse_address(Socket& s, bool on);
bool reuse_address(const Socket& s);
void set_reuse_port(Socket& s, bool on);
bool reuse_port(const Socket& s);
void set_broadcast(Socket& s, bool on);
bool broadcast(const Socket& s);
void set_keepalive(Socket& s, bool on);
bool keepalive(const Socket& s);
void set_tcp_nodelay(Socket& s, bool on);
bool tcp_nodelay(const Socket& s);

// SO_SNDBUF / SO_RCVBUF. The kernel doubles what it is given (for its
// bookkeeping) and reports the doubled value back.
void set_send_buffer_size(Socket& s, int bytes);
int send_buffer_size(const Socket& s);
void set_receive_buffer_size(Socket& s, int bytes);
int receive_buffer_size(const Socket& s);

// SO_LINGER: nullopt turns lingering off (close returns at once, the kernel
// sends what is queued in the background); 0 s makes close reset the
// connection; n s makes close block up to n s.
void set_linger(Socket& s, std::optional<std::chrono::seconds> linger);
std::optional<std::chrono::seconds> linger_timeout(const Socket& s);

// SO_BINDTODEVICE: only packets from this interface ("" unbinds). Needs
// CAP_NET_RAW on older kernels.
void bind_to_device(Socket& s, std::string_view interface_name);
std::string bound_device(const Socket& s);

// SO_PASSCRED: receive SCM_CREDENTIALS with every message (AF_UNIX).
void set_pass_credentials(Socket& s, bool on);

// IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP (and the matching leave), chosen by the
// group's family. `interface_index` 0 lets the kernel pick the interface.
void join_multicast_group(Socket& s, const SocketAddress& group, unsigned interface_index = 0);
void leave_multicast_group(Socket& s, const SocketAddress& group, unsigned interface_index = 0);

}  // namespace coronet::net
