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
// Addresses are numeric net::SocketAddress values (resolve host names with
// net::getaddrinfo first). With `remote_addr` the socket is connected:
// sendto() then takes no address (or exactly that one) and only the peer's
// datagrams arrive. Receive and send errors (ECONNREFUSED from an ICMP
// port-unreachable, ...) go to error_received() and the endpoint stays open.
// Datagrams the socket cannot take at once are queued (and count towards
// the write-buffer size and the protocol's pause_writing/resume_writing,
// with asyncio's default water marks).
//
// The multicast recipe: bind local_addr to the group's port, then
// net::join_multicast_group(*transport->extra_info<net::Socket*>("socket"), group).
#pragma once

#include <sys/socket.h>

#include <memory>
#include <optional>
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

struct DatagramEndpointOptions {
    std::optional<net::SocketAddress> local_addr{};
    std::optional<net::SocketAddress> remote_addr{};
    // AF_INET, AF_INET6 or AF_UNIX; AF_UNSPEC: taken from the addresses.
    int family = AF_UNSPEC;
    bool reuse_port = false;
    bool allow_broadcast = false;
};
static_assert(std::is_trivially_destructible_v<DatagramEndpointOptions>);

// Creates the socket, binds local_addr, connects remote_addr, and starts the
// transport (connection_made has run when this returns). Without any
// address and family it is std::invalid_argument; so are addresses of
// different families or a family that contradicts them.
Task<DatagramEndpoint> create_datagram_endpoint(ProtocolFactory factory,
                                                DatagramEndpointOptions options);
// Wraps `sock`, an existing SOCK_DGRAM socket (bound and/or connected).
Task<DatagramEndpoint> create_datagram_endpoint(ProtocolFactory factory, net::Socket sock);

}  // namespace coronet::asyncio
