// The datagram transport: one backend recvfrom operation at a time into the
// transport's buffer; sends go out directly, and queue (one sendto operation
// at a time) only when the socket would block.
#include "coronet/asyncio/datagram_endpoint.hpp"

#include <errno.h>

#include <netinet/in.h>

#include <algorithm>
#include <deque>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "asyncio/transport_base.hpp"
#include "asyncio/write_flow_control.hpp"
#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/net/resolver.hpp"
#include "coronet/net/socket_options.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio {
namespace {

constexpr std::size_t kMaxDatagram = 64 * 1024;
constexpr int kInlineReads = 16;

class DatagramSocketTransport final : public DatagramTransport, public detail::TransportCore {
  public:
    std::shared_ptr<DatagramSocketTransport> self() {
        return std::dynamic_pointer_cast<DatagramSocketTransport>(shared_from_this());
    }
    DatagramSocketTransport(Loop& loop, net::Socket socket, std::unique_ptr<BaseProtocol> protocol)
        : TransportCore(loop, std::move(socket), std::move(protocol)) {
        bind_protocol();
    }

    void start() {
        keep_alive(self());
        try {
            protocol_->connection_made(*this);
        } catch (...) {
            fatal("protocol.connection_made() failed", std::current_exception());
            return;
        }
        loop_.call_soon([self = self()] { self->read_more(); });
    }

    void close() override {
        if (closing_) return;
        closing_ = true;
        stop_reading();
        if (queue_.empty() && !send_pending_) schedule_connection_lost(nullptr);
    }
    bool is_closing() const noexcept override { return closing_; }
    std::any get_extra_info(std::string_view name, std::any default_value) const override {
        return base_extra_info(name, std::move(default_value));
    }
    void set_protocol(std::unique_ptr<BaseProtocol> protocol) override {
        if (!dynamic_cast<DatagramProtocol*>(protocol.get())) {
            throw std::invalid_argument(
                "set_protocol: a datagram transport needs a DatagramProtocol");
        }
        swap_protocol(std::move(protocol));
        bind_protocol();
    }
    BaseProtocol& get_protocol() const noexcept override { return *protocol_; }

    void sendto(BytesView data, std::optional<net::SocketAddress> addr) override {
        if (peername_ && addr && !(*addr == *peername_)) {
            throw std::invalid_argument("sendto: invalid address " + addr->to_string() +
                                        ": the endpoint is connected to " + peername_->to_string() +
                                        " (pass no address)");
        }
        if (!peername_ && !addr) {
            throw std::invalid_argument("sendto: no address, and the endpoint is not connected");
        }
        if (closing_) {
            report("sendto() on a closing transport: the datagram is dropped",
                   std::make_exception_ptr(
                       ClosedResourceError("sendto after close(): datagram dropped")));
            return;
        }
        if (peername_) addr.reset();  // connected: send(), not sendto()
        if (queue_.empty() && !send_pending_) {
            const ssize_t n =
                addr ? ::sendto(fd(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                                addr->native(), addr->length())
                     : ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n >= 0) return;
            if (errno != EAGAIN && errno != EINTR) {
                error(errno, "sendto", addr);
                return;
            }
        }
        queue_.push_back({Bytes(data), addr});
        buffered_ += data.size();
        send_more();
        flow_.maybe_pause(*protocol_, buffered_);
    }

    void abort() override {
        if (lost_scheduled_) return;
        closing_ = true;
        stop_reading();
        if (send_pending_) loop_.driver().cancel(send_op_);
        buffered_ = 0;
        schedule_connection_lost(nullptr);
    }
    std::size_t get_write_buffer_size() const noexcept override { return buffered_; }

  private:
    bool operations_pending() const noexcept override { return read_pending_ || send_pending_; }

    void bind_protocol() {
        dgram_ = dynamic_cast<DatagramProtocol*>(protocol_.get());
        if (!dgram_) {
            throw std::invalid_argument(
                "datagram transport: the protocol must be a DatagramProtocol");
        }
    }

    void stop_reading() {
        if (read_pending_) loop_.driver().cancel(read_op_);
    }

    void read_more() {
        auto keep = self();
        for (int turn = 0; turn < kInlineReads; ++turn) {
            if (closing_ || read_pending_) return;
            read_op_ = backend::Operation{};
            read_op_.code = backend::OpCode::recvfrom;
            read_op_.fd = fd();
            read_op_.buffer = buffer_.get();
            read_op_.length = kMaxDatagram;
            from_length_ = sizeof from_;
            read_op_.address = reinterpret_cast<sockaddr*>(&from_);
            read_op_.address_length = &from_length_;
            read_op_.on_complete = &on_read;
            read_op_.context = this;
            read_pending_ = true;
            if (!loop_.driver().start(read_op_)) return;
            read_pending_ = false;
            handle_read(read_op_.result);
        }
        loop_.call_soon([self = std::move(keep)] { self->read_more(); });
    }

    static void on_read(backend::Operation& op) noexcept {
        auto* t = static_cast<DatagramSocketTransport*>(op.context);
        auto keep = t->self();
        t->read_pending_ = false;
        if (t->closing_) {
            t->maybe_release();
            return;
        }
        t->handle_read(op.result);
        t->read_more();
    }

    void handle_read(int r) {
        if (r == -EAGAIN || r == -EINTR || r == -ECANCELED) return;
        if (r < 0) {
            error(-r, "recvfrom", std::nullopt);
            return;
        }
        net::SocketAddress from;
        if (from_length_ > 0) {
            from =
                net::SocketAddress::from_native(reinterpret_cast<sockaddr*>(&from_), from_length_);
        } else if (peername_) {
            from = *peername_;
        }
        try {
            dgram_->datagram_received(BytesView(buffer_.get(), std::size_t(r)), from);
        } catch (...) {
            fatal("protocol.datagram_received() failed", std::current_exception());
        }
    }

    void send_more() {
        auto keep = self();
        while (!send_pending_ && !queue_.empty() && !lost_scheduled_) {
            Pending& p = queue_.front();
            send_op_ = backend::Operation{};
            send_op_.code = p.address ? backend::OpCode::sendto : backend::OpCode::send;
            send_op_.fd = fd();
            send_op_.buffer = p.data.data();
            send_op_.length = p.data.size();
            if (p.address) {
                send_op_.connect_address = p.address->native();
                send_op_.connect_length = p.address->length();
            }
            send_op_.on_complete = &on_send;
            send_op_.context = this;
            send_pending_ = true;
            if (!loop_.driver().start(send_op_)) return;
            send_pending_ = false;
            sent(send_op_.result);
        }
    }

    static void on_send(backend::Operation& op) noexcept {
        auto* t = static_cast<DatagramSocketTransport*>(op.context);
        auto keep = t->self();
        t->send_pending_ = false;
        if (t->lost_scheduled_) {
            t->maybe_release();
            return;
        }
        t->sent(op.result);
        t->send_more();
    }

    void sent(int r) {
        if (r == -EAGAIN || r == -EINTR) return;  // retried by send_more
        Pending p = std::move(queue_.front());
        queue_.pop_front();
        buffered_ -= p.data.size();
        if (r < 0) error(-r, "sendto", p.address);
        flow_.maybe_resume(*protocol_, buffered_);
        if (queue_.empty() && closing_) schedule_connection_lost(nullptr);
    }

    void error(int error_number, const char* what, const std::optional<net::SocketAddress>& addr) {
        auto exc = std::make_exception_ptr(
            OSError(error_number, what, addr ? addr->to_string() : std::string{}));
        try {
            dgram_->error_received(exc);
        } catch (...) {
            fatal("protocol.error_received() failed", std::current_exception());
        }
    }

    void fatal(std::string message, std::exception_ptr exc) {
        report(std::move(message), exc);
        if (lost_scheduled_) return;
        closing_ = true;
        stop_reading();
        if (send_pending_) loop_.driver().cancel(send_op_);
        buffered_ = 0;
        schedule_connection_lost(exc);
    }

    struct Pending {
        Bytes data;
        std::optional<net::SocketAddress> address;
    };

    DatagramProtocol* dgram_ = nullptr;
    std::unique_ptr<std::byte[]> buffer_ = std::make_unique<std::byte[]>(kMaxDatagram);
    backend::Operation read_op_;
    sockaddr_storage from_{};
    socklen_t from_length_ = 0;
    bool read_pending_ = false;
    backend::Operation send_op_;
    std::deque<Pending> queue_;
    std::size_t buffered_ = 0;
    bool send_pending_ = false;
    detail::WriteFlowControl flow_{loop_};
};

DatagramEndpoint wrap(const ProtocolFactory& factory, net::Socket sock) {
    if (!factory) throw std::invalid_argument("create_datagram_endpoint: empty protocol factory");
    std::unique_ptr<BaseProtocol> protocol = factory();
    BaseProtocol* raw = protocol.get();
    auto t = std::make_shared<DatagramSocketTransport>(Loop::current(), std::move(sock),
                                                       std::move(protocol));
    t->start();
    return {std::move(t), raw};
}

void check_family(int family) {
    if (family != AF_INET && family != AF_INET6 && family != AF_UNIX) {
        throw std::invalid_argument(
            "create_datagram_endpoint: give local_addr, remote_addr or family "
            "(AF_INET, AF_INET6 or AF_UNIX)");
    }
}

net::Socket make_socket(int family, int proto, const DatagramEndpointOptions& options) {
    net::Socket sock;
    try {
        sock = net::socket(family, SOCK_DGRAM, proto);
    } catch (const OSError& e) {
        // The bare "socket: Protocol not supported" would not say which
        // argument was wrong.
        throw OSError(e.error_number(),
                      "create_datagram_endpoint: socket(family=" + std::to_string(family) +
                          ", SOCK_DGRAM, proto=" + std::to_string(proto) + ")");
    }
    if (options.reuse_port) net::set_reuse_port(sock, true);
    if (options.allow_broadcast) net::set_broadcast(sock, true);
    return sock;
}

// The IP families' datagram protocol is UDP whether asked for as 0 or by
// number, so a numeric side (0) pairs with a resolved one (IPPROTO_UDP).
int effective_proto(int family, int proto) {
    if (proto == 0 && (family == AF_INET || family == AF_INET6)) return IPPROTO_UDP;
    return proto;
}

// One way to make the endpoint (asyncio's (family, proto) key): the first
// answer of each side for that pair.
struct Candidate {
    int family = AF_UNSPEC;
    int proto = 0;
    std::optional<net::SocketAddress> local;
    std::optional<net::SocketAddress> remote;
};
enum class Side { local, remote };

Task<std::vector<net::AddressInfo>> resolve(const DatagramAddress& address,
                                            const DatagramEndpointOptions& options) {
    if (address.is_numeric()) {
        const net::SocketAddress& a = address.address();
        if (options.family != AF_UNSPEC && a.family() != options.family) {
            throw std::invalid_argument("create_datagram_endpoint: address " + a.to_string() +
                                        " does not match the endpoint's family");
        }
        std::vector<net::AddressInfo> one(1);
        one[0].family = a.family();
        one[0].type = SOCK_DGRAM;
        one[0].proto = options.proto;
        one[0].address = a;
        co_return one;
    }
    std::string host(address.host());
    auto answers = co_await net::getaddrinfo(std::move(host), address.port(), options.family,
                                             SOCK_DGRAM, options.proto, options.flags);
    if (answers.empty()) {
        throw std::invalid_argument("create_datagram_endpoint: getaddrinfo " +
                                    std::string(address.host()) + " returned no address");
    }
    co_return answers;
}

void add_answers(std::vector<Candidate>& candidates, const std::vector<net::AddressInfo>& answers,
                 Side side) {
    for (const net::AddressInfo& ai : answers) {
        const int proto = effective_proto(ai.family, ai.proto);
        auto it = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) {
            return c.family == ai.family && effective_proto(c.family, c.proto) == proto;
        });
        if (it == candidates.end()) {
            candidates.push_back({ai.family, ai.proto, std::nullopt, std::nullopt});
            it = std::prev(candidates.end());
        }
        auto& slot = side == Side::local ? it->local : it->remote;
        if (!slot) slot = ai.address;
    }
}

}  // namespace

Task<DatagramEndpoint> create_datagram_endpoint(ProtocolFactory factory,
                                                DatagramEndpointOptions options) {
    if (!factory) throw std::invalid_argument("create_datagram_endpoint: empty protocol factory");
    if (!options.local_addr && !options.remote_addr) {
        check_family(options.family);
        co_return wrap(factory, make_socket(options.family, options.proto, options));
    }
    std::vector<Candidate> candidates;
    if (options.local_addr) {
        const auto answers = co_await resolve(*options.local_addr, options);
        add_answers(candidates, answers, Side::local);
    }
    if (options.remote_addr) {
        const auto answers = co_await resolve(*options.remote_addr, options);
        add_answers(candidates, answers, Side::remote);
    }
    std::erase_if(candidates, [&](const Candidate& c) {
        return (options.local_addr && !c.local) || (options.remote_addr && !c.remote);
    });
    if (candidates.empty()) {
        throw std::invalid_argument(
            "create_datagram_endpoint: local_addr and remote_addr have no address family in "
            "common");
    }
    std::exception_ptr first_error;
    for (const Candidate& c : candidates) {
        try {
            net::Socket sock = make_socket(c.family, c.proto, options);
            if (c.local) co_await sock.bind(*c.local);
            if (c.remote) co_await sock.connect(*c.remote);
            co_return wrap(factory, std::move(sock));
        } catch (const OSError&) {
            // Only the socket's own calls throw OSError here (wrap's
            // protocol errors are reported, not thrown): try the next pair.
            if (!first_error) first_error = std::current_exception();
        }
    }
    std::rethrow_exception(first_error);
}

Task<DatagramEndpoint> create_datagram_endpoint(ProtocolFactory factory, net::Socket sock) {
    if (sock.is_closed()) {
        throw std::invalid_argument("create_datagram_endpoint: the socket is closed");
    }
    if (sock.type() != SOCK_DGRAM) {
        throw std::invalid_argument("create_datagram_endpoint: a SOCK_DGRAM socket is required");
    }
    co_return wrap(factory, std::move(sock));
}

}  // namespace coronet::asyncio
