#include "coronet/net/socket_awaiters.hpp"

#include <sys/socket.h>
#include <cerrno>
#include <cstdlib>
#include <new>

#include "coronet/base/errors.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/runtime/loop.hpp"
#include "net/socket_access.hpp"

namespace coronet::net {

using detail::SocketAccess;

bool ReceiveAwaiter::await_ready() {
    op_.fd = SocketAccess::fd_for(*socket_, "recv");
    op_.flags = flags_;
    const std::size_t chunk = Loop::current().driver().features().provided_buffer_size;
    // A driver-provided buffer means a socket waiting for data holds no
    // memory of its own. On a stream a shorter read is harmless; a datagram
    // bigger than the chunk would be truncated, so those get their own buffer.
    if (max_bytes_ > 0 && chunk > 0 && (socket_->type() == SOCK_STREAM || max_bytes_ <= chunk)) {
        op_.code = backend::OpCode::recv_provided;
        op_.length = max_bytes_;
        op_.byte_stream = SocketAccess::receives_bytes_only(*socket_) && flags_ == 0;
    } else {
        own_buffer_.resize_uninitialized(max_bytes_);
        op_.code = backend::OpCode::recv;
        op_.buffer = own_buffer_.data();
        op_.length = max_bytes_;
    }
    bind(op_);
    return OperationAwaiter::await_ready();
}

Bytes ReceiveAwaiter::await_resume() {
    const int result = SocketAccess::after_wait(*socket_, OperationAwaiter::await_resume(), "recv");
    if (result < 0) throw_os_error(-result, "recv");
    if (op_.code == backend::OpCode::recv) {
        own_buffer_.resize_uninitialized(static_cast<std::size_t>(result));
        return std::move(own_buffer_);
    }
    if (!op_.provided.valid()) return {};
    // Copy out, then give the buffer back even if the copy throws.
    struct Release {
        const backend::ProvidedBuffer& buffer;
        ~Release() { Loop::current().driver().release_buffer(buffer); }
    } release{op_.provided};
    return Bytes(BytesView(op_.provided.data, static_cast<std::size_t>(result)));
}

bool ReceiveLentAwaiter::await_ready() {
    op_.fd = SocketAccess::fd_for(*socket_, "recv");
    const std::size_t max_bytes = op_.length;
    const std::size_t chunk = Loop::current().driver().features().provided_buffer_size;
    // As in ReceiveAwaiter: a datagram larger than the chunk would be cut.
    if (max_bytes > 0 && chunk > 0 && (socket_->type() == SOCK_STREAM || max_bytes <= chunk)) {
        op_.code = backend::OpCode::recv_provided;
        op_.buffer = nullptr;
        op_.byte_stream = SocketAccess::receives_bytes_only(*socket_) && op_.flags == 0;
    } else {
        // No provided buffers here: a block of its own, lent as such.
        op_.code = backend::OpCode::recv;
        op_.buffer = std::malloc(max_bytes > 0 ? max_bytes : 1);
        if (!op_.buffer) throw std::bad_alloc();
    }
    bind(op_);
    try {
        return OperationAwaiter::await_ready();
    } catch (...) {
        std::free(op_.buffer);
        op_.buffer = nullptr;
        throw;
    }
}

LentBytes ReceiveLentAwaiter::await_resume() {
    // Whatever the outcome, the buffer is in a LentBytes before anything can
    // throw, so it always goes back.
    const int result = op_.result;
    const std::size_t size = result > 0 ? static_cast<std::size_t>(result) : 0;
    LentBytes lent = op_.code == backend::OpCode::recv
                         ? LentBytes::adopt_malloced(static_cast<std::byte*>(op_.buffer), size)
                     : op_.provided.valid()
                         ? LentBytes(Loop::current().driver(), op_.provided, size)
                         : LentBytes();
    op_.buffer = nullptr;
    op_.provided = {};
    const int checked =
        SocketAccess::after_wait(*socket_, OperationAwaiter::await_resume(), "recv");
    if (checked < 0) throw_os_error(-checked, "recv");
    return lent;
}

bool ReceiveIntoAwaiter::await_ready() {
    op_.fd = SocketAccess::fd_for(*socket_, "recv");
    bind(op_);
    return OperationAwaiter::await_ready();
}

std::size_t ReceiveIntoAwaiter::await_resume() {
    const int result = SocketAccess::after_wait(*socket_, OperationAwaiter::await_resume(), "recv");
    if (result < 0) throw_os_error(-result, "recv");
    return static_cast<std::size_t>(result);
}

void SendAllAwaiter::prepare() noexcept {
    op_.code = backend::OpCode::send;
    op_.flags = flags_;
    op_.byte_stream = socket_->type() == SOCK_STREAM;
    // The driver only reads the buffer; Operation has one pointer for both ways.
    op_.buffer = const_cast<std::byte*>(rest_.data());
    op_.length = rest_.size();
}

bool SendAllAwaiter::account(int result) noexcept {
    if (result < 0) {
        error_ = result;
        return true;
    }
    rest_ = rest_.subview(static_cast<std::size_t>(result));
    return rest_.empty();
}

bool SendAllAwaiter::await_ready() {
    if (rest_.empty()) return true;
    op_.fd = SocketAccess::fd_for(*socket_, "send");
    bind(op_);
    set_completion(&on_progress);
    for (;;) {
        prepare();
        const bool ready = OperationAwaiter::await_ready();
        if (!finished_inline()) return false;  // on_progress carries it on
        if (account(op_.result)) return ready;
        // A partial send that finished at once: the buffer is full, so the
        // next attempt will most likely wait.
    }
}

void SendAllAwaiter::on_progress(backend::Operation& op) noexcept {
    auto& self = static_cast<SendAllAwaiter&>(*static_cast<OperationAwaiter*>(op.context));
    for (;;) {
        // Stop on cancellation, and when the socket was closed meanwhile:
        // its fd number may already belong to another file.
        if (self.account(op.result) || self.cancel_was_requested() ||
            self.socket_->fileno() != op.fd) {
            finish(op);
            return;
        }
        self.prepare();
        if (!self.start_again()) return;
    }
}

void SendAllAwaiter::await_resume() {
    if (rest_.empty()) return;
    if (error_ == -ECANCELED && cancel_was_requested()) throw Cancelled();
    const int result = SocketAccess::after_wait(*socket_, error_ < 0 ? error_ : -EBADF, "send");
    if (result < 0 && error_ < 0) throw_os_error(-result, "send");
    // Nothing failed, yet data is left: we stopped for a cancellation (or a
    // close, which after_wait reported above).
    if (cancel_was_requested()) throw Cancelled();
    throw ClosedResourceError("socket closed while send was waiting");
}

}  // namespace coronet::net
