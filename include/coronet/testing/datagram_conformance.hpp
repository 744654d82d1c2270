// The datagram socket conformance suite: the contract every coronet datagram
// socket keeps, as plain functions you can run on your own datagram type.
//
//     // Once per case, on a fresh loop (any test framework):
//     for (const DatagramCase& c : datagram_conformance_cases())
//         coronet::run([&] { return c.run(make_udp_v4_pair); });   // throws on a violation
//
// A case gets a factory of connected pairs: two endpoints, each sending to
// and receiving from the other. DatagramEndpoint adapts a socket to the
// suite; coronet's own four socket types have ready-made factories below.
// A violated rule raises ConformanceFailure saying what was expected.
//
// The cases (see datagram_conformance_cases):
//   boundaries        each datagram arrives whole, as sent (including empty)
//   ordering          datagrams arrive in send order (pairs with `ordered`)
//   largest           the largest datagram (`max_size`) arrives whole, never
//                     truncated; one byte more is OSError(EMSGSIZE) on send
//   close_wakes       closing an endpoint while another task waits in its
//                     receive raises ClosedResourceError in that task
//   next_ends         next() returns nullopt after a close from another task
//   busy              a second concurrent receive raises BusyResourceError,
//                     and the first receiver still gets the datagram
//   after_close       send and receive after close raise ClosedResourceError
//   cancel_keeps      a receive cancelled at any moment loses no datagram
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

#include "coronet/base/bytes.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/testing/conformance_failure.hpp"

namespace coronet::testing {


// One end of a pair, as the suite sees it.
class DatagramEndpoint {
  public:
    virtual ~DatagramEndpoint() = default;
    // Sends one datagram to the other end.
    virtual Task<void> send(BytesView data) = 0;
    // One datagram from the other end.
    virtual Task<Bytes> receive() = 0;
    // receive(), or nullopt once this end is closed.
    virtual Task<std::optional<Bytes>> next() = 0;
    virtual Task<void> aclose() = 0;
};

struct DatagramPair {
    std::unique_ptr<DatagramEndpoint> a;
    std::unique_ptr<DatagramEndpoint> b;
    // What the transport promises, which decides the cases that apply.
    // In-order delivery (UNIX datagrams; UDP does not promise it).
    bool ordered = false;
    // The largest datagram that can be sent and received whole.
    std::size_t max_size = 0;
    // Whether max_size + 1 bytes is refused at send with EMSGSIZE (true for
    // UDP; UNIX datagrams are limited only by the sender's buffer size).
    bool oversize_refused = false;
};

using DatagramPairFactory = std::function<Task<DatagramPair>()>;

struct DatagramCase {
    const char* name;
    std::function<Task<void>(const DatagramPairFactory&)> run;
};

// Every case, in the order of the list at the top of this file.
std::span<const DatagramCase> datagram_conformance_cases();

// Factories for coronet's datagram sockets: UDP (AF_INET or AF_INET6 on the
// loopback address, unconnected: each end sends to the other's port),
// connected UDP, UNIX datagram sockets on abstract names, and connected
// UNIX datagram sockets.
Task<DatagramPair> make_udp_pair(int family);
Task<DatagramPair> make_connected_udp_pair(int family);
Task<DatagramPair> make_unix_datagram_pair();
Task<DatagramPair> make_connected_unix_datagram_pair();

}  // namespace coronet::testing
