#include "coronet/net/socket_awaiters.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <new>

#include "coronet/base/errors.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/runtime/loop.hpp"
#include "net/socket_access.hpp"

namespace coronet::net {

using detail::SocketAccess;

namespace {

// Sets up `op` for a receive of up to `max_bytes`: every field the driver
// reads, since the operation may have served another kind of await before.
// Returns true when it is a recv_provided (the driver supplies the buffer);
// else it is a plain recv whose `buffer` the caller still has to set.
bool prepare_receive(backend::Operation& op, const Socket& socket, std::size_t max_bytes,
                     int flags) {
    op.fd = SocketAccess::fd_for(socket, "recv");
    op.flags = flags;
    op.length = max_bytes;
    op.buffer = nullptr;
    const std::size_t chunk = Loop::current().driver().features().provided_buffer_size;
    // A driver-provided buffer means a socket waiting for data holds no
    // memory of its own. On a stream a shorter read is harmless; a datagram
    // bigger than the chunk would be truncated, so those get their own buffer.
    if (max_bytes > 0 && chunk > 0 && (socket.type() == SOCK_STREAM || max_bytes <= chunk)) {
        op.code = backend::OpCode::recv_provided;
        op.byte_stream = SocketAccess::receives_bytes_only(socket) && flags == 0;
        return true;
    }
    op.code = backend::OpCode::recv;
    op.byte_stream = false;
    return false;
}

}  // namespace

bool ReceiveAwaiterOn::await_ready() {
    backend::Operation& op = operation();
    if (!prepare_receive(op, *socket_, max_bytes_, flags_)) {
        own_buffer_.resize_uninitialized(max_bytes_);
        op.buffer = own_buffer_.data();
    }
    return OperationAwaiter::await_ready();
}

Bytes ReceiveAwaiterOn::await_resume() {
    const int result = SocketAccess::after_wait(*socket_, OperationAwaiter::await_resume(), "recv");
    if (result < 0) throw_os_error(-result, "recv");
    backend::Operation& op = operation();
    if (op.code == backend::OpCode::recv) {
        own_buffer_.resize_uninitialized(static_cast<std::size_t>(result));
        return std::move(own_buffer_);
    }
    if (!op.provided.valid()) return {};
    // Copy out, then give the buffer back even if the copy throws.
    struct Release {
        backend::ProvidedBuffer& buffer;
        ~Release() {
            Loop::current().driver().release_buffer(buffer);
            buffer = {};
        }
    } release{op.provided};
    return Bytes(BytesView(op.provided.data, static_cast<std::size_t>(result)));
}

bool ReceiveLentAwaiterOn::await_ready() {
    backend::Operation& op = operation();
    if (!prepare_receive(op, *socket_, max_bytes_, flags_)) {
        // No provided buffers here: a block of its own, lent as such.
        op.buffer = std::malloc(max_bytes_ > 0 ? max_bytes_ : 1);
        if (!op.buffer) throw std::bad_alloc();
    }
    try {
        return OperationAwaiter::await_ready();
    } catch (...) {
        if (op.code == backend::OpCode::recv) std::free(op.buffer);
        op.buffer = nullptr;
        throw;
    }
}

LentBytes ReceiveLentAwaiterOn::await_resume() {
    // Whatever the outcome, the buffer is in a LentBytes before anything can
    // throw, so it always goes back.
    backend::Operation& op = operation();
    const int result = op.result;
    const std::size_t size = result > 0 ? static_cast<std::size_t>(result) : 0;
    LentBytes lent = op.code == backend::OpCode::recv
                         ? LentBytes::adopt_malloced(static_cast<std::byte*>(op.buffer), size)
                     : op.provided.valid() ? LentBytes(Loop::current().driver(), op.provided, size)
                                           : LentBytes();
    op.buffer = nullptr;
    op.provided = {};
    const int checked =
        SocketAccess::after_wait(*socket_, OperationAwaiter::await_resume(), "recv");
    if (checked < 0) throw_os_error(-checked, "recv");
    return lent;
}

bool ReceiveIntoAwaiterOn::await_ready() {
    backend::Operation& op = operation();
    op.fd = SocketAccess::fd_for(*socket_, "recv");
    op.code = backend::OpCode::recv;
    op.byte_stream = false;
    op.buffer = buffer_.data();
    op.length = buffer_.size();
    op.flags = flags_;
    return OperationAwaiter::await_ready();
}

std::size_t ReceiveIntoAwaiterOn::await_resume() {
    const int result = SocketAccess::after_wait(*socket_, OperationAwaiter::await_resume(), "recv");
    if (result < 0) throw_os_error(-result, "recv");
    return static_cast<std::size_t>(result);
}

void SendAllAwaiterOn::prepare() noexcept {
    backend::Operation& op = operation();
    op.code = backend::OpCode::send;
    op.flags = flags_;
    op.byte_stream = socket_->type() == SOCK_STREAM;
    // The driver only reads the buffer; Operation has one pointer for both ways.
    op.buffer = const_cast<std::byte*>(rest_.data());
    op.length = rest_.size();
}

bool SendAllAwaiterOn::account(int result) noexcept {
    if (result < 0) {
        error_ = result;
        return true;
    }
    // A driver reports send(2)'s result, never more than asked; the clamp
    // keeps a driver that breaks that (Loop takes custom ones) in bounds.
    const std::size_t sent = std::min(static_cast<std::size_t>(result), rest_.size());
    rest_ = BytesView(rest_.data() + sent, rest_.size() - sent);
    return rest_.empty();
}

bool SendAllAwaiterOn::await_ready() {
    if (rest_.empty()) return true;
    backend::Operation& op = operation();
    op.fd = SocketAccess::fd_for(*socket_, "send");
    set_completion(&on_progress);
    for (;;) {
        prepare();
        const bool ready = OperationAwaiter::await_ready();
        if (!finished_inline()) return false;  // on_progress carries it on
        if (account(op.result)) return ready;
        // A partial send that finished at once: the buffer is full, so the
        // next attempt will most likely wait.
    }
}

void SendAllAwaiterOn::on_progress(backend::Operation& op) noexcept {
    auto& self = static_cast<SendAllAwaiterOn&>(*static_cast<OperationAwaiter*>(op.context));
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

void SendAllAwaiterOn::await_resume() {
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
