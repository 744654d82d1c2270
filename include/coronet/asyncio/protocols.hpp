// asyncio's protocols: the callback objects a transport drives.
//
//     struct Echo : asyncio::Protocol {
//         asyncio::Transport* transport = nullptr;
//         void connection_made(asyncio::BaseTransport& t) override {
//             transport = &static_cast<asyncio::Transport&>(t);
//         }
//         void data_received(BytesView data) override { transport->write(data); }
//     };
//     auto server = co_await asyncio::create_server([] { return std::make_unique<Echo>(); },
//                                                   "127.0.0.1", 8888);
//
// Ownership: a protocol is made by a factory returning std::unique_ptr and is
// owned by its transport from then on; it is destroyed with the transport,
// after connection_lost() has returned. The transport reference passed to
// connection_made() stays valid until connection_lost() returns.
//
// Callback order, as in asyncio's state machines:
//   stream:   connection_made  data_received*  [eof_received]  connection_lost
//   buffered: connection_made  (get_buffer buffer_updated)*  [eof_received]  connection_lost
//   datagram: connection_made  (datagram_received | error_received)*  connection_lost
//   subprocess: connection_made  pipe_data_received*  pipe_connection_lost(fd)...
//               process_exited  connection_lost
// pause_writing()/resume_writing() alternate (starting with pause) anywhere
// between connection_made and connection_lost.
//
// Callbacks run on the loop's thread. One that throws is reported through the
// loop's exception handler and the transport is aborted with that exception
// (asyncio's "fatal error" path), except pause/resume_writing and
// connection_lost, which are only reported.
#pragma once

#include <cstddef>
#include <exception>
#include <span>

#include "coronet/base/bytes.hpp"
#include "coronet/net/socket_address.hpp"

namespace coronet::asyncio {

class BaseTransport;

class BaseProtocol {
  public:
    virtual ~BaseProtocol() = default;
    // The connection is up; `transport` stays valid until connection_lost returns.
    virtual void connection_made(BaseTransport& transport) { (void)transport; }
    // The connection is closed: `exc` is null on a regular EOF or close(), the
    // error otherwise. Called exactly once after connection_made.
    virtual void connection_lost(std::exception_ptr exc) { (void)exc; }
    // The transport's write buffer went over its high-water mark / back to the
    // low-water mark or below.
    virtual void pause_writing() {}
    virtual void resume_writing() {}
};

class Protocol : public BaseProtocol {
  public:
    // `data` is non-empty and valid only during the call.
    virtual void data_received(BytesView data) { (void)data; }
    // The peer sent EOF. Returning false closes the transport; true keeps it
    // half-open (the protocol may still write, and closes it later).
    virtual bool eof_received() { return false; }
};

// Receives straight into memory the protocol provides: no copy by the
// transport.
class BufferedProtocol : public BaseProtocol {
  public:
    // A buffer to receive into, preferably at least `sizehint` bytes (a hint
    // only). It must be non-empty and stay valid until buffer_updated (or
    // connection_lost) is called.
    virtual std::span<std::byte> get_buffer(std::size_t sizehint) = 0;
    // The first `nbytes` bytes of the last buffer hold new data.
    virtual void buffer_updated(std::size_t nbytes) = 0;
    virtual bool eof_received() { return false; }
};

class DatagramProtocol : public BaseProtocol {
  public:
    virtual void datagram_received(BytesView data, const net::SocketAddress& addr) {
        (void)data;
        (void)addr;
    }
    // A send or receive failed (e.g. ECONNREFUSED from an ICMP port
    // unreachable); the endpoint stays open.
    virtual void error_received(std::exception_ptr exc) { (void)exc; }
};

// asyncio's SubprocessProtocol, driven by subprocess_exec/subprocess_shell
// (subprocess.hpp): connection_made, pipe_data_received(fd, data)*,
// pipe_connection_lost(fd, exc) per pipe, process_exited (after the child
// exited and its stdout/stderr reached EOF), connection_lost last.
class SubprocessProtocol : public BaseProtocol {
  public:
    virtual void pipe_data_received(int fd, BytesView data) {
        (void)fd;
        (void)data;
    }
    virtual void pipe_connection_lost(int fd, std::exception_ptr exc) {
        (void)fd;
        (void)exc;
    }
    virtual void process_exited() {}
};

}  // namespace coronet::asyncio
