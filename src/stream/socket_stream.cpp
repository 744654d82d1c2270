#include "coronet/stream/socket_stream.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <stdexcept>

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

bool SocketStream::ReceiveAwaiter::await_ready() {
    if (max_bytes_ == 0) throw std::invalid_argument("receive: max_bytes must be at least 1");
    stream_->begin_receive();
    try {
        task_ = stream_->socket_.recv(max_bytes_);
    } catch (...) {
        stream_->receiving_ = false;
        throw;
    }
    return false;
}

Bytes SocketStream::ReceiveAwaiter::await_resume() {
    ClearFlag clear{stream_->receiving_};
    Bytes data;
    try {
        data = task_.operator co_await().await_resume();
    } catch (const OSError& error) {
        stream_detail::rethrow_stream_error(error);
    }
    if (data.empty()) throw EndOfStream();
    return data;
}

Task<Bytes> SocketStream::do_receive(std::size_t max_bytes) {
    co_return co_await receive(max_bytes);
}

Task<void> SocketStream::send(BytesView data) {
    begin_send();
    ClearFlag clear{sending_};
    while (!data.empty()) {
        std::size_t sent = 0;
        try {
            sent = co_await socket_.send(data);
        } catch (const OSError& error) {
            stream_detail::rethrow_stream_error(error);
        }
        data = data.subview(sent);
    }
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
