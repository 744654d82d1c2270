// asyncio's transports: the objects that own a connection's I/O and drive a
// protocol (protocols.hpp) with callbacks.
//
//     void data_received(BytesView data) override {
//         transport->write(data);           // buffered; never blocks
//         if (transport->get_write_buffer_size() > limit) transport->pause_reading();
//     }
//
// Ownership and lifetime. The loop-level functions (create_connection,
// create_server, ...) make transports; a transport owns its protocol
// (std::unique_ptr, from the factory) and its socket. It keeps itself alive
// while it is open or has kernel operations in flight; once closed, with
// connection_lost() returned and nothing in flight, it destroys itself
// unless someone still holds a std::shared_ptr to it (create_connection
// returns one). So a `BaseTransport&` received in connection_made() is valid
// until connection_lost() returns, and a shared_ptr keeps the object (not
// the connection) alive beyond that: methods then behave as on a closed
// transport. Close every transport before its loop ends: one still open
// when the loop is destroyed is leaked, fd included.
//
// Errors. Bad arguments (negative limits, low > high, write after write_eof,
// sendto with a foreign address on a connected endpoint) throw
// std::invalid_argument / std::logic_error naming the problem. Writing to a
// closing transport does not throw (asyncio drops such data with a warning):
// the data is dropped and a ClosedResourceError is reported through the
// loop's exception handler.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "coronet/asyncio/protocols.hpp"
#include "coronet/base/bytes.hpp"
#include "coronet/net/socket_address.hpp"

namespace coronet::asyncio {

// Transports are always made by std::make_shared, so shared_from_this()
// works on any of them (the streams layer uses it to hold one).
class BaseTransport : public std::enable_shared_from_this<BaseTransport> {
  public:
    virtual ~BaseTransport() = default;
    BaseTransport() = default;
    BaseTransport(const BaseTransport&) = delete;
    BaseTransport& operator=(const BaseTransport&) = delete;

    // Closes: stops reading at once; buffered data is still sent, then
    // connection_lost(nullptr) is called (from a later loop iteration).
    // Idempotent.
    virtual void close() = 0;
    virtual bool is_closing() const noexcept = 0;
    // Optional information, asyncio's keys: "peername" and "sockname"
    // (net::SocketAddress), "socket" (net::Socket*, the transport's own;
    // do not close it). An unknown key, or one without a value (peername of
    // an unconnected endpoint), gives `default_value`.
    virtual std::any get_extra_info(std::string_view name, std::any default_value = {}) const = 0;
    // Typed shorthand: nullopt when missing or of another type.
    template <class T>
    std::optional<T> extra_info(std::string_view name) const {
        std::any v = get_extra_info(name);
        if (const T* p = std::any_cast<T>(&v)) return *p;
        return std::nullopt;
    }
    // Replaces the protocol; the new one gets no connection_made. As in
    // asyncio nothing is returned: the transport keeps the old protocol alive
    // until the transport itself goes, because set_protocol is typically
    // called from inside the old protocol's own callback (and, on io_uring, a
    // receive may still be writing into a BufferedProtocol's buffer; bytes it
    // brings are handed to the new protocol).
    virtual void set_protocol(std::unique_ptr<BaseProtocol> protocol) = 0;
    virtual BaseProtocol& get_protocol() const noexcept = 0;
};

class ReadTransport : public virtual BaseTransport {
  public:
    virtual bool is_reading() const noexcept = 0;
    // Stop / restart data_received (buffer_updated). Both idempotent; no-ops
    // on a closing transport.
    virtual void pause_reading() = 0;
    virtual void resume_reading() = 0;
};

class WriteTransport : public virtual BaseTransport {
  public:
    // Queues `data` (sent at once if the socket takes it; the rest copied).
    virtual void write(BytesView data) = 0;
    // As write() for each piece, gathered into one sendmsg where possible.
    virtual void writelines(std::span<const BytesView> pieces) = 0;
    // Half-closes (shutdown SHUT_WR) once the buffer is flushed.
    virtual void write_eof() = 0;
    virtual bool can_write_eof() const noexcept = 0;
    // Closes at once, dropping buffered data; connection_lost(nullptr) follows.
    virtual void abort() = 0;
    virtual std::size_t get_write_buffer_size() const noexcept = 0;
    // {low, high}, as asyncio.
    virtual std::pair<std::size_t, std::size_t> get_write_buffer_limits() const noexcept = 0;
    // See write_buffer_limits.hpp for the rules; nullopt = "not given".
    virtual void set_write_buffer_limits(std::optional<std::int64_t> high = std::nullopt,
                                         std::optional<std::int64_t> low = std::nullopt) = 0;
};

class Transport : public ReadTransport, public WriteTransport {};

class DatagramTransport : public virtual BaseTransport {
  public:
    // Sends one datagram to `addr`, or to the connected peer when nullopt.
    // On a connected endpoint `addr` must be nullopt or the peer's address.
    virtual void sendto(BytesView data, std::optional<net::SocketAddress> addr = std::nullopt) = 0;
    virtual void abort() = 0;
    virtual std::size_t get_write_buffer_size() const noexcept = 0;
};

}  // namespace coronet::asyncio
