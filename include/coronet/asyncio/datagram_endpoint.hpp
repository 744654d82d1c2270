// asyncio's create_datagram_endpoint: a DatagramTransport over a UDP (or
// UNIX datagram) socket driving a DatagramProtocol.
//
//     struct Echo : asyncio::DatagramProtocol {
//         asyncio::DatagramTransport* t = nullptr;
//         void connection_made(asyncio::BaseTransport& tr) override {
//             t = &dynamic_cast<asyncio::DatagramTransport&>(tr);
//         }
//         void datagram_received(BytesView data, const net::SocketAddress& addr) override {
//             t->sendto(data, addr);
//         }
//     };
//     auto factory = [] { return std::make_unique<Echo>(); };
//     auto ep = co_await asyncio::create_datagram_endpoint(
//         factory, {.local_addr = net::SocketAddress::ipv4("127.0.0.1", 9999)});
//
// local_addr and remote_addr are either numeric net::SocketAddress values or
// a host name and port, {"localhost", 9999} (asyncio's (host, port) tuple),
// resolved through net::getaddrinfo (so through the installed net::Resolver)
// with `family`, SOCK_DGRAM, `proto` and `flags` (AI_* flags) as the hints.
// As in asyncio, the endpoint is made for the first (family, protocol) pair
// of the answers that has an address for each side given; the next pair is
// tried when socket(), bind() or connect() fails, and the first failure is
// raised when none works. `proto` is socket()'s third argument. With
// `remote_addr` the socket is connected:
// sendto() then takes no address (or exactly that one) and only the peer's
// datagrams arrive. Receive and send errors (ECONNREFUSED from an ICMP
// port-unreachable, ...) go to error_received() and the endpoint stays open.
// Datagrams the socket cannot take at once are queued (and count towards
// the write-buffer size and the protocol's pause_writing/resume_writing,
// with asyncio's default water marks).
//
// The multicast recipe: bind local_addr to the group's port, then
// net::join_multicast_group(*transport->extra_info<net::Socket*>("socket"), group);
// or, as the reference does, make the socket (SO_REUSEADDR, bind,
// IP_ADD_MEMBERSHIP) and pass it as `sock`.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

#include "coronet/asyncio/connection.hpp"
#include "coronet/asyncio/protocols.hpp"
#include "coronet/asyncio/transports.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::asyncio {

struct DatagramEndpoint {
    std::shared_ptr<DatagramTransport> transport;
    BaseProtocol* protocol = nullptr;

    template <class P>
    P& protocol_as() const {
        return dynamic_cast<P&>(*protocol);
    }
};

// One side of an endpoint: a numeric address, or a host (a name or a numeric
// IP address) and a port to resolve. The host's characters are not copied:
// they must outlive the create_datagram_endpoint call (which keeps the
// options trivially destructible; see connection.hpp on g++ 12).
class DatagramAddress {
  public:
    DatagramAddress(const net::SocketAddress& address) : address_(address) {}  // NOLINT
    DatagramAddress(std::string_view host, int port) : host_(host), port_(port) {}

    bool is_numeric() const noexcept { return address_.has_value(); }
    // The numeric address; only when is_numeric().
    const net::SocketAddress& address() const { return *address_; }
    std::string_view host() const noexcept { return host_; }
    int port() const noexcept { return port_; }

  private:
    std::optional<net::SocketAddress> address_{};
    std::string_view host_{};
    int port_ = 0;
};

struct DatagramEndpointOptions {
    std::optional<DatagramAddress> local_addr{};
    std::optional<DatagramAddress> remote_addr{};
    // AF_INET, AF_INET6 or AF_UNIX; AF_UNSPEC: taken from the addresses.
    int family = AF_UNSPEC;
    // socket()'s protocol (0: the family's default, IPPROTO_UDP for IP);
    // also the protocol hint for resolving host names.
    int proto = 0;
    // AI_* flags for resolving host names (AI_NUMERICHOST, AI_ADDRCONFIG, ...).
    int flags = 0;
    bool reuse_port = false;
    bool allow_broadcast = false;
};
static_assert(std::is_trivially_destructible_v<DatagramEndpointOptions>);

// Resolves the host names, creates the socket, binds local_addr, connects
// remote_addr, and starts the transport (connection_made has run when this
// returns). Without any address and family it is std::invalid_argument; so
// are numeric addresses of different families, a family that contradicts
// them, a port outside 0..65535, and names whose answers share no
// (family, protocol) pair. A failed lookup is net::GaiError (naming the
// host); a `proto` the family does not have is OSError(EPROTONOSUPPORT) whose
// message names the proto.
Task<DatagramEndpoint> create_datagram_endpoint(ProtocolFactory factory,
                                                DatagramEndpointOptions options);
// Wraps `sock`, an existing SOCK_DGRAM socket (bound and/or connected).
Task<DatagramEndpoint> create_datagram_endpoint(ProtocolFactory factory, net::Socket sock);

}  // namespace coronet::asyncio
