// SocketStream: a ByteStream over a connected stream socket (TCP or UNIX).
//
//     SocketStream client = co_await connect_tcp("127.0.0.1", 1234);
//     co_await client.send("Client\n");
//     Bytes response = co_await client.receive();   // EndOfStream at EOF
//
// TCP streams get TCP_NODELAY on creation, as in AnyIO. send() sends all of
// its data (looping over partial sends); send_eof() is shutdown(SHUT_WR).
// Errors follow the ByteStream contract: ECONNRESET/EPIPE (and the other
// "the peer went away" errnos) become BrokenResourceError with the errno;
// use after aclose() is ClosedResourceError; a second concurrent receive (or
// send) is BusyResourceError.
//
// Speed: receive() and send() on the concrete type return awaitables that
// drive the socket directly (no coroutine frame per call; a send resubmits
// the rest of a partial write from its completion); the ByteStream
// interface's calls (through a base reference) wrap them in a Task. Await
// them at once: they borrow the stream and the data.
#pragma once

#include <any>
#include <coroutine>
#include <cstddef>

#include "coronet/base/bytes.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_awaiters.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/stream/byte_stream.hpp"

namespace coronet {

class SocketStream : public ByteStream {
  public:
    class ReceiveAwaiter;
    class SendAwaiter;

    // Takes over a connected stream socket (TCP_NODELAY is set on IP ones).
    explicit SocketStream(net::Socket socket);
    SocketStream(SocketStream&&) noexcept = default;
    SocketStream& operator=(SocketStream&&) noexcept = default;

    ReceiveAwaiter receive(std::size_t max_bytes = kDefaultReceiveSize);
    SendAwaiter send(BytesView data);
    Task<void> send_eof();
    Task<void> aclose() override;

    net::Socket& socket() noexcept { return socket_; }
    const net::Socket& socket() const noexcept { return socket_; }
    std::any extra_attribute(AttributeId id) const override;

  protected:
    Task<Bytes> do_receive(std::size_t max_bytes) override;
    Task<void> do_send(BytesView data) override;
    Task<void> do_send_eof() override { return send_eof(); }

    // Busy detection, shared with UNIXSocketStream's fd calls.
    void begin_receive();
    void begin_send();

    net::Socket socket_;
    bool receiving_ = false;
    bool sending_ = false;

    friend class ReceiveAwaiter;
    friend class SendAwaiter;
};

// The awaitable of SocketStream::receive: one socket recv, its result mapped
// to the stream contract (empty -> EndOfStream, reset -> BrokenResourceError).
class SocketStream::ReceiveAwaiter {
  public:
    ReceiveAwaiter(SocketStream& stream, std::size_t max_bytes) noexcept
        : stream_(&stream), max_bytes_(max_bytes), receive_(stream.socket_, max_bytes) {}

    bool await_ready();
    void await_suspend(std::coroutine_handle<> awaiter) noexcept {
        receive_.await_suspend(awaiter);
    }
    Bytes await_resume();

  private:
    SocketStream* stream_;
    std::size_t max_bytes_;
    net::ReceiveAwaiter receive_;
};

// The awaitable of SocketStream::send: every byte, or the stream error.
class SocketStream::SendAwaiter {
  public:
    SendAwaiter(SocketStream& stream, BytesView data) noexcept
        : stream_(&stream), send_(stream.socket_, data) {}

    bool await_ready();
    void await_suspend(std::coroutine_handle<> awaiter) noexcept { send_.await_suspend(awaiter); }
    void await_resume();

  private:
    SocketStream* stream_;
    net::SendAllAwaiter send_;
};

inline SocketStream::ReceiveAwaiter SocketStream::receive(std::size_t max_bytes) {
    return ReceiveAwaiter(*this, max_bytes);
}

inline SocketStream::SendAwaiter SocketStream::send(BytesView data) {
    return SendAwaiter(*this, data);
}

}  // namespace coronet
