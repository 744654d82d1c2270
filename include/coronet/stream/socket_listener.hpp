// SocketListener<T>: a Listener over one listening socket, yielding T
// (SocketStream for TCP, UNIXSocketStream for UNIX) per connection.
// Accept survives file-descriptor exhaustion without spinning (see
// accept_backoff.hpp); statistics() shows how often it had to back off.
#pragma once

#include <any>
#include <utility>

#include "coronet/net/socket.hpp"
#include "coronet/stream/accept_backoff.hpp"
#include "coronet/stream/listener.hpp"
#include "coronet/stream/socket_stream.hpp"
#include "coronet/stream/unix_socket_stream.hpp"

namespace coronet {

template <class T>
class SocketListener : public Listener<T> {
  public:
    // Takes a bound, listening socket.
    explicit SocketListener(net::Socket socket) noexcept : socket_(std::move(socket)) {}
    SocketListener(SocketListener&&) noexcept = default;
    SocketListener& operator=(SocketListener&&) noexcept = default;

    Task<T> accept() override {
        net::Accepted accepted = co_await accept_with_backoff(socket_, stats_);
        co_return T(std::move(accepted.socket));
    }
    Task<void> aclose() override {
        socket_.close();
        co_return;
    }
    const AcceptStatistics& statistics() const noexcept { return stats_; }
    net::Socket& socket() noexcept { return socket_; }
    std::any extra_attribute(AttributeId id) const override {
        return socket_attribute(socket_, id, /*connected=*/false);
    }

  private:
    net::Socket socket_;
    AcceptStatistics stats_;
};

using TCPListener = SocketListener<SocketStream>;
using UNIXListener = SocketListener<UNIXSocketStream>;

}  // namespace coronet
