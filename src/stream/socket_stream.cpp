#include "coronet/stream/socket_stream.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <stdexcept>
#include <type_traits>

#include "coronet/net/socket_options.hpp"
#include "stream/stream_errors.hpp"

namespace coronet {
namespace {
struct ClearFlag {
    bool& flag;
    ~ClearFlag() { flag = false; }
};
}  // namespace

SocketStream::SocketStream(net::Socket socket) : socket_(std::move(socket)) {
    if (!socket_.is_closed() && (socket_.family() == AF_INET || socket_.family() == AF_INET6)) {
        net::set_tcp_nodelay(socket_, true);
    }
}

void SocketStream::begin_receive() {
    if (receiving_) throw BusyResourceError("receiving");
    if (socket_.is_closed()) throw ClosedResourceError();
    receiving_ = true;
}

void SocketStream::begin_send() {
    if (sending_) throw BusyResourceError("sending");
    if (socket_.is_closed()) throw ClosedResourceError();
    sending_ = true;
}

template <class NetAwaiter>
bool SocketStream::BasicReceiveAwaiter<NetAwaiter>::await_ready() {
    if (receive_.requested() == 0) {
        throw std::invalid_argument(std::is_same_v<NetAwaiter, net::ReceiveIntoAwaiterOn>
                                        ? "receive_into: the buffer must not be empty"
                                        : "receive: max_bytes must be at least 1");
    }
    stream_->begin_receive();
    try {
        return receive_.await_ready();
    } catch (...) {
        stream_->receiving_ = false;
        throw;
    }
}

namespace {
bool nothing_read(const Bytes& data) noexcept {
    return data.empty();
}
bool nothing_read(const net::LentBytes& data) noexcept {
    return data.empty();
}
bool nothing_read(std::size_t count) noexcept {
    return count == 0;
}
}  // namespace

template <class NetAwaiter>
decltype(std::declval<NetAwaiter&>().await_resume())
SocketStream::BasicReceiveAwaiter<NetAwaiter>::await_resume() {
    ClearFlag clear{stream_->receiving_};
    try {
        auto data = receive_.await_resume();
        if (nothing_read(data)) throw EndOfStream();
        return data;
    } catch (const OSError& error) {
        stream_detail::rethrow_stream_error(error);
    }
}

template class SocketStream::BasicReceiveAwaiter<net::ReceiveAwaiterOn>;
template class SocketStream::BasicReceiveAwaiter<net::ReceiveLentAwaiterOn>;
template class SocketStream::BasicReceiveAwaiter<net::ReceiveIntoAwaiterOn>;

Task<Bytes> SocketStream::do_receive(std::size_t max_bytes) {
    co_return co_await receive(max_bytes);
}

Task<std::size_t> SocketStream::do_receive_into(std::span<std::byte> buffer) {
    co_return co_await receive_into(buffer);
}

bool SocketStream::SendAwaiter::await_ready() {
    stream_->begin_send();
    try {
        if (!send_.await_ready()) return false;
    } catch (const OSError& error) {
        stream_->sending_ = false;
        stream_detail::rethrow_stream_error(error);
    } catch (...) {
        stream_->sending_ = false;
        throw;
    }
    return true;
}

void SocketStream::SendAwaiter::await_resume() {
    ClearFlag clear{stream_->sending_};
    try {
        send_.await_resume();
    } catch (const OSError& error) {
        stream_detail::rethrow_stream_error(error);
    }
}

Task<void> SocketStream::do_send(BytesView data) {
    co_await send(data);
}

Task<void> SocketStream::send_eof() {
    if (socket_.is_closed()) throw ClosedResourceError();
    try {
        socket_.shutdown(SHUT_WR);
    } catch (const OSError& error) {
        stream_detail::rethrow_stream_error(error);
    }
    co_return;
}

Task<void> SocketStream::aclose() {
    socket_.close();
    co_return;
}

std::any SocketStream::extra_attribute(AttributeId id) const {
    return socket_attribute(socket_, id, /*connected=*/true);
}

}  // namespace coronet
