// SocketStream: a ByteStream over a connected stream socket (TCP or UNIX).
//
//     SocketStream client = co_await connect_tcp("127.0.0.1", 1234);
//     co_await client.send("Client\n");
//     Bytes response = co_await client.receive();   // EndOfStream at EOF
//     LentBytes chunk = co_await client.receive_lent();  // no allocation, no copy
//     std::size_t n = co_await client.receive_into(my_buffer);
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
// the rest of a partial write from its completion), on a receive and a send
// operation the stream keeps and reuses; the ByteStream
// interface's calls (through a base reference) wrap them in a Task. Await
// them at once: they borrow the stream and the data.
//
// Three receives, one contract (1..max bytes, EndOfStream at the end):
//  * receive() returns owned Bytes: one allocation sized to what was read,
//    copied out of the loop's provided buffer.
//  * receive_lent() lends that provided buffer itself (LentBytes, see
//    coronet/net/lent_bytes.hpp): no allocation, no copy; the buffer goes back
//    to the loop's pool when the LentBytes is destroyed. The fastest way to
//    pass data through (an echo, a proxy, a parser that keeps no bytes).
//  * receive_into(span) fills the caller's buffer; the caller owns the memory
//    (an idle connection waiting in it holds that buffer, where the other two
//    hold none).
#pragma once

#include <any>
#include <coroutine>
#include <cstddef>
#include <span>
#include <utility>

#include "coronet/base/bytes.hpp"
#include "coronet/net/lent_bytes.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_awaiters.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/stream/byte_stream.hpp"

namespace coronet {

using net::LentBytes;

class SocketStream : public ByteStream {
  public:
    template <class NetAwaiter>
    class BasicReceiveAwaiter;
    using ReceiveAwaiter = BasicReceiveAwaiter<net::ReceiveAwaiterOn>;
    using ReceiveLentAwaiter = BasicReceiveAwaiter<net::ReceiveLentAwaiterOn>;
    using ReceiveIntoAwaiter = BasicReceiveAwaiter<net::ReceiveIntoAwaiterOn>;
    class SendAwaiter;

    // Takes over a connected stream socket (TCP_NODELAY is set on IP ones).
    explicit SocketStream(net::Socket socket);
    SocketStream(SocketStream&&) noexcept = default;
    SocketStream& operator=(SocketStream&&) noexcept = default;

    ReceiveAwaiter receive(std::size_t max_bytes = kDefaultReceiveSize);
    ReceiveLentAwaiter receive_lent(std::size_t max_bytes = kDefaultReceiveSize);
    // An empty buffer is std::invalid_argument.
    ReceiveIntoAwaiter receive_into(std::span<std::byte> buffer);
    SendAwaiter send(BytesView data);
    Task<void> send_eof();
    Task<void> aclose() override;

    net::Socket& socket() noexcept { return socket_; }
    const net::Socket& socket() const noexcept { return socket_; }
    std::any extra_attribute(AttributeId id) const override;

  protected:
    Task<Bytes> do_receive(std::size_t max_bytes) override;
    Task<std::size_t> do_receive_into(std::span<std::byte> buffer) override;
    Task<void> do_send(BytesView data) override;
    Task<void> do_send_eof() override { return send_eof(); }

    // Busy detection, shared with UNIXSocketStream's fd calls.
    void begin_receive();
    void begin_send();

    net::Socket socket_;
    bool receiving_ = false;
    bool sending_ = false;

  private:
    // The operation of every receive, and of every send: kept with the stream
    // and set up once, so an await writes only the fields it needs instead of
    // building a fresh operation in the caller's frame, and each co_await of
    // a receive or send holds an awaiter of ~80 bytes, not 200-240. A moved
    // stream gets fresh ones: an operation the driver holds stays where it is.
    struct KeptOperation {
        backend::Operation op;
        KeptOperation() = default;
        KeptOperation(KeptOperation&&) noexcept {}
        KeptOperation& operator=(KeptOperation&&) noexcept { return *this; }
    };
    KeptOperation receive_op_;
    KeptOperation send_op_;

    template <class NetAwaiter>
    friend class BasicReceiveAwaiter;
    friend class SendAwaiter;
};

// The awaitable of SocketStream's receives: one socket recv (NetAwaiter, from
// coronet/net/socket_awaiters.hpp, on the stream's receive operation), its
// result mapped to the stream contract (nothing read -> EndOfStream, reset ->
// BrokenResourceError). Instantiated for the three net receive awaiters only
// (in socket_stream.cpp).
template <class NetAwaiter>
class SocketStream::BasicReceiveAwaiter {
  public:
    template <class Arg>
    BasicReceiveAwaiter(SocketStream& stream, Arg arg) noexcept
        : stream_(&stream), receive_(stream.socket_, stream.receive_op_.op, arg) {}

    bool await_ready();
    void await_suspend(std::coroutine_handle<> awaiter) noexcept {
        receive_.await_suspend(awaiter);
    }
    decltype(std::declval<NetAwaiter&>().await_resume()) await_resume();

  private:
    SocketStream* stream_;
    NetAwaiter receive_;
};

// The awaitable of SocketStream::send: every byte, or the stream error.
class SocketStream::SendAwaiter {
  public:
    SendAwaiter(SocketStream& stream, BytesView data) noexcept
        : stream_(&stream), send_(stream.socket_, stream.send_op_.op, data) {}

    bool await_ready();
    void await_suspend(std::coroutine_handle<> awaiter) noexcept { send_.await_suspend(awaiter); }
    void await_resume();

  private:
    SocketStream* stream_;
    net::SendAllAwaiterOn send_;
};

inline SocketStream::ReceiveAwaiter SocketStream::receive(std::size_t max_bytes) {
    return ReceiveAwaiter(*this, max_bytes);
}

inline SocketStream::ReceiveLentAwaiter SocketStream::receive_lent(std::size_t max_bytes) {
    return ReceiveLentAwaiter(*this, max_bytes);
}

inline SocketStream::ReceiveIntoAwaiter SocketStream::receive_into(std::span<std::byte> buffer) {
    return ReceiveIntoAwaiter(*this, buffer);
}

extern template class SocketStream::BasicReceiveAwaiter<net::ReceiveAwaiterOn>;
extern template class SocketStream::BasicReceiveAwaiter<net::ReceiveLentAwaiterOn>;
extern template class SocketStream::BasicReceiveAwaiter<net::ReceiveIntoAwaiterOn>;

inline SocketStream::SendAwaiter SocketStream::send(BytesView data) {
    return SendAwaiter(*this, data);
}

}  // namespace coronet
