#include "coronet/net/open_tcp_socket.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/event.hpp"
#include "coronet/runtime/task_group.hpp"

namespace coronet::net {
namespace {

std::string format_target(const std::string& host, int port) {
    std::string text;
    const bool ipv6_literal = host.find(':') != std::string::npos;
    if (ipv6_literal) text += '[';
    text += host;
    if (ipv6_literal) text += ']';
    text += ':';
    text += std::to_string(port);
    return text;
}

std::string connect_error_message(const std::string& target,
                                  const std::vector<ConnectAttempt>& attempts) {
    std::string text;
    if (attempts.empty()) {
        text += "no address to connect to for ";
        text += target;
        return text;
    }
    text += attempts.size() == 1 ? std::string("the attempt")
                                 : "all " + std::to_string(attempts.size()) + " attempts";
    text += " to connect to ";
    text += target;
    text += " failed: ";
    for (std::size_t i = 0; i < attempts.size(); ++i) {
        if (i) text += "; ";
        text += attempts[i].message;
    }
    return text;
}

ConnectAttempt describe_failure(const SocketAddress& address, const OSError& error) {
    ConnectAttempt attempt;
    attempt.address = address;
    attempt.error_number = error.error_number();
    attempt.error = std::current_exception();
    const std::string where = address.to_string();
    // connect's error already names the address; socket()'s and bind()'s
    // do not name the target, so it goes in front.
    if (error.address() != where) {
        attempt.message += where;
        attempt.message += ": ";
    }
    attempt.message += error.what();
    return attempt;
}

// The state the attempts share; it lives in open_tcp_socket's frame, which
// outlives the task group that runs them.
struct Race {
    const std::vector<AddressInfo>& targets;
    const std::optional<SocketAddress>& local_address;
    std::vector<Socket> sockets;  // one per target, default (empty) until its attempt starts
    std::vector<std::optional<ConnectAttempt>> failures;  // by target index
    std::unique_ptr<Event[]> failed;                      // set when attempt i fails
    std::optional<std::size_t> winner;

    Race(const std::vector<AddressInfo>& t, const std::optional<SocketAddress>& local)
        : targets(t),
          local_address(local),
          sockets(t.size()),
          failures(t.size()),
          failed(std::make_unique<Event[]>(t.size())) {}
};

Task<void> attempt(Race& race, std::size_t index, TaskGroup& group) {
    const AddressInfo& target = race.targets[index];
    Socket& sock = race.sockets[index];
    try {
        sock = net::socket(target.family, target.type, target.proto);
        if (race.local_address) {
            if (race.local_address->port() == 0) {
                // Best effort (an old kernel lacks it): the port is chosen at
                // connect time, so many outgoing sockets can share a local
                // address without each reserving a port at bind.
                const int on = 1;
                (void)::setsockopt(sock.fileno(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on,
                                   sizeof on);
            }
            co_await sock.bind(*race.local_address);
        }
        co_await sock.connect(target.address);
    } catch (const OSError& error) {
        race.failures[index] = describe_failure(target.address, error);
        sock.close();
        race.failed[index].set();
        co_return;
    }
    // Two connects can complete in the same loop iteration: the second one
    // sees the group already cancelled only at its next await, so it checks.
    if (race.winner) {
        sock.close();
        co_return;
    }
    race.winner = index;
    group.cancel_scope().cancel();  // cancels (and so closes) every other attempt
}

Task<void> run_race(Race& race, std::optional<Duration> delay) {
    const std::size_t n = race.targets.size();
    co_await with_task_group([&](TaskGroup& group) -> Task<void> {
        for (std::size_t i = 0; i < n && !race.winner; ++i) {
            group.spawn(attempt(race, i, group));
            if (i + 1 == n) break;
            // The next attempt starts after the stagger, or at once when this
            // one fails (Trio and asyncio wait for the latest attempt only).
            if (delay) {
                co_await move_on_after(*delay, race.failed[i].wait());
            } else {
                co_await race.failed[i].wait();
            }
        }
    });
}

void validate(const std::string& host, int port, const OpenTcpSocketOptions& options) {
    if (host.empty()) {
        throw std::invalid_argument(
            "open_tcp_socket: the host is empty (name the host to "
            "connect to, e.g. \"localhost\")");
    }
    if (port < 0 || port > 65535) {
        std::string message = "open_tcp_socket: port ";
        message += std::to_string(port);
        message += " is outside 0..65535";
        throw std::invalid_argument(message);
    }
    if (options.happy_eyeballs_delay && *options.happy_eyeballs_delay < Duration::zero()) {
        throw std::invalid_argument("open_tcp_socket: happy_eyeballs_delay is negative");
    }
    if (options.interleave < 1) {
        throw std::invalid_argument("open_tcp_socket: interleave must be at least 1");
    }
    if (options.family != AF_UNSPEC && options.family != AF_INET && options.family != AF_INET6) {
        throw std::invalid_argument(
            "open_tcp_socket: family must be AF_INET, AF_INET6 or "
            "AF_UNSPEC");
    }
    if (const auto& local = options.local_address) {
        if (!local->is_ip()) {
            throw std::invalid_argument("open_tcp_socket: local_address " + local->to_string() +
                                        " is not an IP address");
        }
        if (options.family != AF_UNSPEC && options.family != local->family()) {
            throw std::invalid_argument("open_tcp_socket: local_address " + local->to_string() +
                                        " is not of the requested family");
        }
    }
}

}  // namespace

ConnectError::ConnectError(std::string target, std::vector<ConnectAttempt> attempts)
    : Error(connect_error_message(target, attempts)),
      target_(std::move(target)),
      attempts_(std::move(attempts)) {}

std::vector<AddressInfo> happy_eyeballs_order(std::vector<AddressInfo> entries,
                                              int first_address_family_count) {
    if (first_address_family_count < 1) {
        throw std::invalid_argument(
            "happy_eyeballs_order: first_address_family_count must be "
            "at least 1");
    }
    // One queue per family, in order of first appearance (asyncio's
    // _interleave_addrinfos; any number of families).
    std::vector<std::vector<AddressInfo>> by_family;
    for (AddressInfo& entry : entries) {
        auto it = std::find_if(by_family.begin(), by_family.end(), [&](const auto& queue) {
            return queue.front().family == entry.family;
        });
        if (it == by_family.end()) {
            by_family.emplace_back();
            it = by_family.end() - 1;
        }
        it->push_back(std::move(entry));
    }
    std::vector<AddressInfo> ordered;
    ordered.reserve(entries.size());
    std::vector<std::size_t> next(by_family.size(), 0);
    if (!by_family.empty()) {
        // The first family's extra addresses before the round robin starts.
        auto& first = by_family.front();
        const std::size_t extra =
            std::min(first.size(), static_cast<std::size_t>(first_address_family_count - 1));
        for (; next[0] < extra; ++next[0])
            ordered.push_back(std::move(first[next[0]]));
    }
    for (bool any = true; any;) {
        any = false;
        for (std::size_t f = 0; f < by_family.size(); ++f) {
            if (next[f] < by_family[f].size()) {
                ordered.push_back(std::move(by_family[f][next[f]++]));
                any = true;
            }
        }
    }
    return ordered;
}

Task<Socket> open_tcp_socket(std::string host, int port, OpenTcpSocketOptions options) {
    validate(host, port, options);
    const int family = options.family != AF_UNSPEC ? options.family
                       : options.local_address     ? options.local_address->family()
                                                   : AF_UNSPEC;
    // Numeric hosts are answered without any resolver.
    std::vector<AddressInfo> found;
    if (options.resolver) {
        found = co_await getaddrinfo(*options.resolver, host, port, family, SOCK_STREAM);
    } else {
        found = co_await getaddrinfo(host, port, family, SOCK_STREAM);
    }
    const std::vector<AddressInfo> targets =
        happy_eyeballs_order(std::move(found), options.interleave);
    const std::string target = format_target(host, port);
    if (targets.empty()) throw ConnectError(target, {});

    Race race(targets, options.local_address);
    try {
        co_await run_race(race, options.happy_eyeballs_delay);
    } catch (const ExceptionGroup& group) {
        // Only a non-OSError failure (a bug, or memory) gets here: raise it
        // as itself rather than wrapped.
        if (group.size() == 1) group.rethrow(0);
        throw;
    }
    if (race.winner) co_return std::move(race.sockets[*race.winner]);
    std::vector<ConnectAttempt> attempts;
    for (auto& failure : race.failures) {
        if (failure) attempts.push_back(std::move(*failure));
    }
    throw ConnectError(target, std::move(attempts));
}

}  // namespace coronet::net
