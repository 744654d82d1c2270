// Connecting by host name: resolve, then race the addresses with happy
// eyeballs (RFC 8305). Every upper layer (connect_tcp, create_connection,
// open_connection) connects through this one function.
//
//     Socket s = co_await open_tcp_socket("localhost", 8080);
//     Socket t = co_await open_tcp_socket("db.internal", 5432,
//                                         {.local_address = SocketAddress::ipv4("10.0.0.2", 0)});
//
// What it does, as Trio's open_tcp_stream and asyncio's create_connection do:
//  1. getaddrinfo(host, port, family, SOCK_STREAM) through the resolver
//     (options.resolver, else current_resolver()); a numeric host needs no
//     lookup. A failed lookup raises its GaiError unchanged.
//  2. Orders the answers with happy_eyeballs_order (below): the resolver's
//     first address first, then the families interleaved.
//  3. Starts a connection attempt to the first address; starts the next one
//     when `happy_eyeballs_delay` (250 ms, RFC 8305's recommendation) has
//     passed OR as soon as the most recent attempt failed, whichever comes
//     first; and so on down the list. Attempts run concurrently.
//  4. The first attempt to connect wins: the others are cancelled, and their
//     sockets closed, before this returns the winner.
//  5. When every attempt failed, raises one ConnectError listing every
//     attempt with its address and error.
// Cancelling the call (an enclosing scope) cancels every attempt and closes
// every socket it opened before Cancelled propagates.
//
// `local_address`: each attempt's socket is bound to it before connecting
// (port 0: the kernel picks the port at connect time, IP_BIND_ADDRESS_NO_PORT,
// so that outgoing connections do not exhaust the ephemeral ports). Only the
// addresses of its family are looked up.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "coronet/backend/clock.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/net/resolver.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::net {

struct OpenTcpSocketOptions {
    // AF_INET or AF_INET6 to use only that family; AF_UNSPEC: both.
    int family = AF_UNSPEC;
    // A numeric IP address (and usually port 0) to bind each socket to.
    std::optional<SocketAddress> local_address{};
    // The stagger between attempts. nullopt: one attempt at a time, the next
    // only when the previous one failed (asyncio's happy_eyeballs_delay=None).
    std::optional<Duration> happy_eyeballs_delay = std::chrono::milliseconds(250);
    // RFC 8305's "First Address Family Count" (asyncio's `interleave`): how
    // many addresses of the first family come before the other family's
    // first one. At least 1.
    int interleave = 1;
    // Resolves host names for this call (borrowed: it must outlive the
    // call); nullptr: current_resolver().
    Resolver* resolver = nullptr;
};
// Trivially destructible on purpose: `co_await open_tcp_socket(h, p, {...})`
// builds the options as an aggregate temporary inside a co_await expression,
// which g++ 12 destroys twice (harmless only for such a type).
static_assert(std::is_trivially_destructible_v<OpenTcpSocketOptions>);

// One failed attempt of open_tcp_socket.
struct ConnectAttempt {
    SocketAddress address;
    // The errno (ECONNREFUSED, ETIMEDOUT, ...); 0 if the failure had none.
    int error_number = 0;
    // "connect 127.0.0.1:9: Connection refused", or for a failure before the
    // connect: "[::1]:80: socket: Address family not supported by protocol".
    std::string message;
    // The exception the attempt raised (an OSError).
    std::exception_ptr error;
};

// Every attempt of open_tcp_socket failed (or the lookup gave no address).
// what(): "all 2 attempts to connect to localhost:9 failed: connect [::1]:9:
// Connection refused; connect 127.0.0.1:9: Connection refused".
// It is not an OSError: each attempt has its own errno (attempts() has
// them), as in Trio, whose OSError carries the attempts as its cause.
class ConnectError : public Error {
  public:
    ConnectError(std::string target, std::vector<ConnectAttempt> attempts);
    // "host:port" as asked ("[::1]:80" for an IPv6 literal).
    const std::string& target() const noexcept { return target_; }
    // In the order the attempts were started.
    const std::vector<ConnectAttempt>& attempts() const noexcept { return attempts_; }

  private:
    std::string target_;
    std::vector<ConnectAttempt> attempts_;
};

// Resolves `host` (a name or a numeric address; not empty) and connects to
// `port` (0..65535), as described at the top of this file. Returns the
// connected socket. Bad input (empty host, port outside 0..65535, a negative
// delay, interleave < 1, a non-IP local address or one whose family
// contradicts `family`) is std::invalid_argument.
Task<Socket> open_tcp_socket(std::string host, int port, OpenTcpSocketOptions options = {});

// RFC 8305 section 4's ordering: the first address stays first (the
// resolver has already sorted by RFC 6724, which prefers IPv6 where it is
// usable), then the families alternate, starting with the other one after
// `first_address_family_count` addresses of the first family; within a
// family the resolver's order is kept. Example: [6a, 6b, 6c, 4a, 4b] ->
// [6a, 4a, 6b, 4b, 6c] with count 1, [6a, 6b, 4a, 6c, 4b] with count 2.
std::vector<AddressInfo> happy_eyeballs_order(std::vector<AddressInfo> entries,
                                              int first_address_family_count = 1);

}  // namespace coronet::net
