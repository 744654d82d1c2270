#include "asyncio/transport_base.hpp"

#include <stdexcept>

namespace coronet::asyncio::detail {

TransportCore::TransportCore(Loop& loop, net::Socket socket, std::unique_ptr<BaseProtocol> protocol)
    : loop_(loop), socket_(std::move(socket)), protocol_(std::move(protocol)) {
    if (!protocol_) throw std::invalid_argument("transport: the protocol factory returned null");
    try {
        sockname_ = socket_.getsockname();
    } catch (const std::exception&) {
    }
    try {
        peername_ = socket_.getpeername();
    } catch (const std::exception&) {
        // unconnected (a datagram endpoint): no peername, as asyncio
    }
}

void TransportCore::maybe_release() noexcept {
    if (!lost_done_ || operations_pending() || !self_) return;
    auto gone = std::move(on_gone_);
    // The caller holds its own reference while it runs, so this never
    // destroys the object under its feet.
    self_.reset();
    if (gone) gone();
}

void TransportCore::report(std::string message, std::exception_ptr error) noexcept {
    loop_.call_exception_handler({std::move(message), std::move(error)});
}

void TransportCore::schedule_connection_lost(std::exception_ptr exc) {
    if (lost_scheduled_) return;
    lost_scheduled_ = true;
    loop_.call_soon([self = self_, this, exc] { call_connection_lost(exc); });
}

void TransportCore::call_connection_lost(std::exception_ptr exc) noexcept {
    if (lost_done_) return;
    try {
        protocol_->connection_lost(exc);
    } catch (...) {
        report("protocol.connection_lost() failed", std::current_exception());
    }
    socket_.close();
    lost_done_ = true;
    maybe_release();
}

std::any TransportCore::base_extra_info(std::string_view name, std::any default_value) const {
    if (name == "peername" && peername_) return *peername_;
    if (name == "sockname" && sockname_) return *sockname_;
    if (name == "socket" && !socket_.is_closed()) return const_cast<net::Socket*>(&socket_);
    return default_value;
}

void TransportCore::swap_protocol(std::unique_ptr<BaseProtocol> protocol) {
    if (!protocol) throw std::invalid_argument("set_protocol: null protocol");
    std::swap(protocol, protocol_);
    retired_protocols_.push_back(std::move(protocol));
}

}  // namespace coronet::asyncio::detail
