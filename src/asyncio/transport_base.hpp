// What the socket-backed transports share: the socket, the owned protocol,
// the self-ownership that keeps a transport alive while it is open or has
// operations in flight, and the connection_lost bookkeeping.
#pragma once

#include <any>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coronet/asyncio/protocols.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio::detail {

class TransportCore {
  public:
    TransportCore(Loop& loop, net::Socket socket, std::unique_ptr<BaseProtocol> protocol);
    virtual ~TransportCore() = default;

    Loop& loop() noexcept { return loop_; }
    int fd() const noexcept { return socket_.fileno(); }
    // Called once the transport has released itself (the server counts its
    // connections with it).
    void on_gone(std::function<void()> fn) { on_gone_ = std::move(fn); }

  protected:
    // Self-ownership: set when the connection starts, dropped by
    // maybe_release once connection_lost ran and nothing is in flight.
    void keep_alive(std::shared_ptr<void> self) { self_ = std::move(self); }
    virtual bool operations_pending() const noexcept = 0;
    void maybe_release() noexcept;

    // Reports a failed callback / an orphan error through the loop's handler.
    void report(std::string message, std::exception_ptr error) noexcept;
    // Schedules connection_lost(exc) on the next iteration (once).
    void schedule_connection_lost(std::exception_ptr exc);
    // Runs connection_lost and closes the socket (pending operations then
    // complete with -ECANCELED).
    void call_connection_lost(std::exception_ptr exc) noexcept;

    std::any base_extra_info(std::string_view name, std::any default_value) const;
    // Installs `protocol`, retiring the current one (kept until destruction).
    void swap_protocol(std::unique_ptr<BaseProtocol> protocol);

    // Every receive and send reads these: they share the object's first
    // cache line, ahead of the addresses (288 bytes read once per connection).
    Loop& loop_;
    net::Socket socket_;
    std::unique_ptr<BaseProtocol> protocol_;
    bool closing_ = false;
    bool lost_scheduled_ = false;
    bool lost_done_ = false;
    std::vector<std::unique_ptr<BaseProtocol>> retired_protocols_;
    // Cached at construction, so they survive close() as in asyncio.
    std::optional<net::SocketAddress> peername_;
    std::optional<net::SocketAddress> sockname_;

  private:
    std::shared_ptr<void> self_;
    std::function<void()> on_gone_;
};

}  // namespace coronet::asyncio::detail
