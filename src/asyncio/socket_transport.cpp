// The stream transport's state machine.
//
// Reading: one backend recv operation at a time, into a buffer the driver
// lends for the one receive (Protocol: so an idle connection holds no receive
// buffer, as in the stream layer; the transport's own buffer where the driver
// has none) or the protocol's (BufferedProtocol). A receive that
// completes at once is handled inline, a bounded number of times per turn
// so that a fast peer cannot starve the loop. A receive that completes after
// pause_reading (it was already in the kernel) is held and delivered on
// resume_reading, so no byte is lost or reordered.
//
// Writing: as asyncio, write() on an empty buffer tries the send right away
// (no copy when the socket takes everything) and copies only what is left;
// the buffer is then drained by one send or sendmsg operation at a time,
// gathering up to kMaxIov chunks. Where the driver batches sends (io_uring),
// a small write is copied and queued instead: a thousand connections' replies
// then cost one io_uring_enter rather than a thousand send() calls.
#include "asyncio/socket_transport.hpp"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <vector>

#include "asyncio/transport_base.hpp"
#include "asyncio/write_flow_control.hpp"
#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"

namespace coronet::asyncio::detail {
namespace {

constexpr std::size_t kReadSize = 64 * 1024;
constexpr int kInlineReads = 16;
constexpr std::size_t kMaxIov = 64;
constexpr std::size_t kCoalesce = 4096;
// The largest sent chunk a transport keeps for its next write: enough for a
// typical reply, and little for an idle connection to hold.
constexpr std::size_t kSpareCapacity = 512;

class SocketTransport final : public Transport, public TransportCore {
  public:
    // An owning pointer to this transport. Aliasing the BaseTransport one
    // instead of casting it: BaseTransport is a virtual base, so the cast
    // would be a dynamic_cast (hundreds of instructions, once per receive).
    std::shared_ptr<SocketTransport> self() {
        return std::shared_ptr<SocketTransport>(shared_from_this(), this);
    }
    SocketTransport(Loop& loop, net::Socket socket, std::unique_ptr<BaseProtocol> protocol)
        : TransportCore(loop, std::move(socket), std::move(protocol)) {
        bind_protocol();
        read_op_.code = backend::OpCode::recv;
        read_op_.fd = fd();
        read_op_.on_complete = &on_read;
        read_op_.context = this;
        const backend::DriverFeatures features = loop.driver().features();
        use_provided_ = features.provided_buffer_size > 0;
        queue_small_writes_ = features.batched_stream_sends;
        // TCP only: a UNIX stream may carry fds, which a receive ahead of
        // the protocol would discard.
        const int family = socket_.family();
        read_op_.byte_stream = family == AF_INET || family == AF_INET6;
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

    // --- BaseTransport ---
    void close() override {
        if (closing_) return;
        closing_ = true;
        stop_reading();
        if (wbuf_.empty() && !write_pending_) schedule_connection_lost(nullptr);
    }
    bool is_closing() const noexcept override { return closing_; }
    std::any get_extra_info(std::string_view name, std::any default_value) const override {
        return base_extra_info(name, std::move(default_value));
    }
    void set_protocol(std::unique_ptr<BaseProtocol> protocol) override {
        if (!dynamic_cast<Protocol*>(protocol.get()) &&
            !dynamic_cast<BufferedProtocol*>(protocol.get())) {
            throw std::invalid_argument(
                "set_protocol: a stream transport needs a Protocol or a BufferedProtocol");
        }
        swap_protocol(std::move(protocol));
        bind_protocol();
    }
    BaseProtocol& get_protocol() const noexcept override { return *protocol_; }

    // --- ReadTransport ---
    bool is_reading() const noexcept override { return reading_ && !closing_; }
    void pause_reading() override {
        if (closing_ || !reading_) return;
        reading_ = false;
        if (read_pending_) loop_.driver().cancel(read_op_);
    }
    void resume_reading() override {
        if (closing_ || reading_) return;
        reading_ = true;
        loop_.call_soon([self = self()] { self->read_more(); });
    }

    // --- WriteTransport ---
    void write(BytesView data) override {
        if ((closing_ || eof_requested_) && !writable("write")) return;
        if (data.empty()) return;
        const bool idle = wbuf_.empty() && !write_pending_;
        const bool queue = queue_small_writes_ && data.size() < kCoalesce;
        if (idle && !queue) {
            const ssize_t n = ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                fatal_os(errno, "send");
                return;
            }
            const std::size_t sent = n < 0 ? 0 : static_cast<std::size_t>(n);
            if (sent == data.size()) return;
            append(data.subview(sent));
            start_write();
        } else {
            append(data);
            if (idle) start_write();  // queued: sent with the loop's next submission
        }
        flow_.maybe_pause(*protocol_, buffered_);
    }

    void writelines(std::span<const BytesView> pieces) override {
        if (!writable("writelines")) return;
        std::size_t i = 0;
        std::size_t skip = 0;  // bytes of pieces[i] already sent
        if (wbuf_.empty() && !write_pending_) {
            // One gathered sendmsg per kMaxIov pieces while the socket takes it all.
            while (i < pieces.size()) {
                iovec iov[kMaxIov];
                std::size_t count = 0;
                std::size_t total = 0;
                for (std::size_t j = i; j < pieces.size() && count < kMaxIov; ++j) {
                    if (pieces[j].empty()) continue;
                    iov[count++] = {const_cast<std::byte*>(pieces[j].data()), pieces[j].size()};
                    total += pieces[j].size();
                }
                if (count == 0) return;
                msghdr msg{};
                msg.msg_iov = iov;
                msg.msg_iovlen = count;
                const ssize_t n = ::sendmsg(fd(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && errno != EAGAIN && errno != EINTR) {
                    fatal_os(errno, "sendmsg");
                    return;
                }
                const std::size_t taken = n < 0 ? 0 : static_cast<std::size_t>(n);
                std::size_t sent = taken;
                while (i < pieces.size() && sent >= pieces[i].size()) {
                    sent -= pieces[i].size();
                    ++i;
                }
                if (taken < total) {
                    skip = sent;  // what pieces[i] already gave
                    break;
                }
            }
        }
        for (; i < pieces.size(); ++i, skip = 0) {
            if (pieces[i].size() > skip) append(pieces[i].subview(skip));
        }
        start_write();
        flow_.maybe_pause(*protocol_, buffered_);
    }

    void write_eof() override {
        if (closing_ || eof_requested_) return;
        eof_requested_ = true;
        if (wbuf_.empty() && !write_pending_) shutdown_write();
    }
    bool can_write_eof() const noexcept override { return true; }
    void abort() override { force_close(nullptr); }
    std::size_t get_write_buffer_size() const noexcept override { return buffered_; }
    std::pair<std::size_t, std::size_t> get_write_buffer_limits() const noexcept override {
        return flow_.limits();
    }
    void set_write_buffer_limits(std::optional<std::int64_t> high,
                                 std::optional<std::int64_t> low) override {
        flow_.set_limits(high, low, *protocol_, buffered_);
    }

  private:
    bool operations_pending() const noexcept override { return read_pending_ || write_pending_; }

    void bind_protocol() {
        stream_ = dynamic_cast<Protocol*>(protocol_.get());
        buffered_protocol_ = dynamic_cast<BufferedProtocol*>(protocol_.get());
        if (!stream_ && !buffered_protocol_) {
            throw std::invalid_argument(
                "stream transport: the protocol must be a Protocol or a BufferedProtocol");
        }
    }

    bool writable(const char* what) {
        if (eof_requested_ && !closing_) {
            throw std::logic_error(std::string(what) + ": cannot write after write_eof()");
        }
        if (closing_) {
            report(std::string(what) + "() on a closing transport: the data is dropped",
                   std::make_exception_ptr(
                       ClosedResourceError(std::string(what) + " after close(): data dropped")));
            return false;
        }
        return true;
    }

    // ---- reading ----
    void stop_reading() {
        reading_ = false;
        if (read_pending_) loop_.driver().cancel(read_op_);
        if (held_) {  // never delivered now: give its buffer back
            held_.reset();
            held_copy_ = Bytes();
            release_provided();
        }
    }

    // Gives the driver's buffer of the last receive back (if it lent one).
    void release_provided() noexcept {
        if (!read_op_.provided.valid()) return;
        loop_.driver().release_buffer(read_op_.provided);
        read_op_.provided = {};
    }

    // Nothing a protocol callback does here can free the transport: it is
    // released only once connection_lost has run, which is always deferred to
    // a later loop iteration. So no reference is taken per receive.
    void read_more() {
        for (int turn = 0; turn < kInlineReads; ++turn) {
            if (!reading_ || closing_ || eof_ || read_pending_) return;
            if (held_) {
                const int r = *held_;
                held_.reset();
                handle_read(r);
                continue;
            }
            if (!prepare_read()) return;
            read_pending_ = true;
            if (!loop_.driver().start(read_op_)) return;  // on_read will follow
            read_pending_ = false;
            handle_read(read_op_.result);
        }
        // Yield to the rest of the loop, then go on.
        loop_.call_soon([self = self()] { self->read_more(); });
    }

    // Only the buffer changes between receives; the rest of read_op_ is set
    // once in the constructor (the driver owns its bookkeeping fields).
    bool prepare_read() {
        if (buffered_protocol_) {
            std::span<std::byte> buf;
            try {
                buf = buffered_protocol_->get_buffer(kReadSize);
                if (buf.empty()) throw std::logic_error("get_buffer() returned an empty buffer");
            } catch (...) {
                fatal("protocol.get_buffer() failed", std::current_exception());
                return false;
            }
            read_op_.code = backend::OpCode::recv;
            read_op_.buffer = buf.data();
            read_op_.length = buf.size();
            read_target_ = buffered_protocol_;
        } else if (use_provided_) {
            read_op_.code = backend::OpCode::recv_provided;
            read_op_.buffer = nullptr;
            read_op_.length = kReadSize;
            read_target_ = nullptr;
        } else {
            // Not zeroed: only what the kernel writes is ever read, and an
            // idle connection then costs no more than the pages it touched.
            if (!read_buffer_)
                read_buffer_ = std::make_unique_for_overwrite<std::byte[]>(kReadSize);
            read_op_.code = backend::OpCode::recv;
            read_op_.buffer = read_buffer_.get();
            read_op_.length = kReadSize;
            read_target_ = nullptr;
        }
        return true;
    }

    static void on_read(backend::Operation& op) noexcept {
        auto* t = static_cast<SocketTransport*>(op.context);
        t->read_pending_ = false;
        if (t->lost_done_ || t->closing_) {
            t->release_provided();
            auto keep = t->self();  // maybe_release may drop the last reference
            t->maybe_release();
            return;
        }
        if (!t->reading_) {
            if (op.result != -ECANCELED) {
                t->held_ = op.result;  // delivered on resume
                t->copy_out_lent_buffer();
            } else {
                t->release_provided();
            }
            return;
        }
        t->handle_read(op.result);
        t->read_more();
    }

    // A receive held across pause_reading must not keep the driver's buffer:
    // the pool is shared by every connection of the loop, and enough paused
    // transports each holding one would starve the others' reads until they
    // resumed. The rare held read pays a copy instead.
    void copy_out_lent_buffer() {
        if (!read_op_.provided.valid() || !held_ || *held_ <= 0) return;
        held_copy_ = Bytes(BytesView(read_op_.provided.data, std::size_t(*held_)));
        release_provided();
    }

    // Whatever the protocol does, a lent buffer goes back to the driver.
    void handle_read(int r) {
        struct Release {
            SocketTransport& t;
            ~Release() {
                t.release_provided();
                t.held_copy_ = Bytes();
            }
        } release{*this};
        if (r == -EAGAIN || r == -EINTR || r == -ECANCELED) return;
        if (r < 0) {
            fatal_os(-r, "recv");
            return;
        }
        if (r == 0) {
            on_eof();
            return;
        }
        const std::byte* at = !held_copy_.empty() ? held_copy_.data()
                              : read_op_.code == backend::OpCode::recv_provided
                                  ? read_op_.provided.data
                                  : static_cast<const std::byte*>(read_op_.buffer);
        const BytesView got(at, std::size_t(r));
        try {
            if (buffered_protocol_ && read_target_ == buffered_protocol_) {
                buffered_protocol_->buffer_updated(got.size());
            } else if (buffered_protocol_) {
                // The bytes landed in a buffer of the protocol set_protocol
                // replaced (or in ours): copy them into the new one's.
                for (std::size_t off = 0; off < got.size();) {
                    std::span<std::byte> dst = buffered_protocol_->get_buffer(got.size() - off);
                    if (dst.empty())
                        throw std::logic_error("get_buffer() returned an empty buffer");
                    const std::size_t n = std::min(dst.size(), got.size() - off);
                    std::memcpy(dst.data(), got.data() + off, n);
                    buffered_protocol_->buffer_updated(n);
                    off += n;
                }
            } else {
                stream_->data_received(got);
            }
        } catch (...) {
            fatal("protocol.data_received() failed", std::current_exception());
        }
    }

    void on_eof() {
        eof_ = true;
        bool keep_open = false;
        try {
            keep_open =
                buffered_protocol_ ? buffered_protocol_->eof_received() : stream_->eof_received();
        } catch (...) {
            fatal("protocol.eof_received() failed", std::current_exception());
            return;
        }
        if (!keep_open) close();
    }

    // ---- writing ----
    void append(BytesView data) {
        // Coalesce small writes into the last chunk, unless an operation
        // in flight points into it.
        if (!wbuf_.empty() && wbuf_.size() > inflight_chunks_ && data.size() < kCoalesce &&
            wbuf_.back().size() < kCoalesce) {
            wbuf_.back().append(data);
        } else if (data.size() <= spare_.capacity()) {
            Bytes chunk = std::move(spare_);
            chunk.clear();
            chunk.append(data);  // fits: no allocation
            wbuf_.push_back(std::move(chunk));
        } else {
            wbuf_.emplace_back(data);
        }
        buffered_ += data.size();
    }

    void start_write() {
        auto keep = self();
        try {
            while (!write_pending_ && !wbuf_.empty() && !lost_scheduled_) {
                write_pending_ = true;
                if (!start_send()) return;  // on_write follows
                write_pending_ = false;
                if (!handle_write(write_op_.result)) return;
            }
        } catch (...) {
            // No memory for the gather vectors, or the driver could not take
            // the request (on_write calls this, so nothing may escape): no
            // send is in flight, and a buffer nothing will ever drain ends
            // the connection instead of stranding it.
            write_pending_ = false;
            inflight_chunks_ = 0;
            fatal("the transport could not start a send", std::current_exception());
        }
    }

    // Starts one send of the buffer's head; true when it finished at once.
    bool start_send() {
        write_op_ = backend::Operation{};
        if (wbuf_.size() == 1) {
            // A plain send, which the driver may queue (byte_stream).
            write_op_.code = backend::OpCode::send;
            write_op_.buffer = wbuf_.front().data() + front_offset_;
            write_op_.length = wbuf_.front().size() - front_offset_;
            write_op_.byte_stream = true;
            inflight_chunks_ = 1;
        } else {
            if (!iov_) iov_ = std::make_unique_for_overwrite<iovec[]>(kMaxIov);
            std::size_t count = 0;
            for (auto it = wbuf_.begin(); it != wbuf_.end() && count < kMaxIov; ++it, ++count) {
                const std::size_t off = count == 0 ? front_offset_ : 0;
                iov_[count] = {it->data() + off, it->size() - off};
            }
            inflight_chunks_ = count;
            msg_ = msghdr{};
            msg_.msg_iov = iov_.get();
            msg_.msg_iovlen = count;
            write_op_.code = backend::OpCode::sendmsg;
            write_op_.message = &msg_;
        }
        write_op_.fd = fd();
        write_op_.on_complete = &on_write;
        write_op_.context = this;
        return loop_.driver().start(write_op_);
    }

    static void on_write(backend::Operation& op) noexcept {
        auto* t = static_cast<SocketTransport*>(op.context);
        auto keep = t->self();
        t->write_pending_ = false;
        if (t->lost_scheduled_) {  // aborted: the buffer is void
            t->inflight_chunks_ = 0;
            t->maybe_release();
            return;
        }
        if (t->handle_write(op.result)) t->start_write();
    }

    // Returns whether to go on writing.
    bool handle_write(int r) {
        inflight_chunks_ = 0;
        if (r == -EAGAIN || r == -EINTR) return true;
        if (r == -ECANCELED && lost_scheduled_) return false;
        if (r < 0) {
            fatal_os(-r, "send");
            return false;
        }
        consume(static_cast<std::size_t>(r));
        flow_.maybe_resume(*protocol_, buffered_);
        if (wbuf_.empty()) {
            if (closing_) {
                schedule_connection_lost(nullptr);
            } else if (eof_requested_) {
                shutdown_write();
            }
            return false;
        }
        return true;
    }

    void consume(std::size_t n) {
        buffered_ -= n;
        while (n > 0) {
            const std::size_t left = wbuf_.front().size() - front_offset_;
            if (n < left) {
                front_offset_ += n;
                return;
            }
            n -= left;
            keep_as_spare(wbuf_.front());
            wbuf_.pop_front();
            front_offset_ = 0;
        }
    }

    void keep_as_spare(Bytes& sent) noexcept {
        const std::size_t capacity = sent.capacity();
        if (capacity <= kSpareCapacity && capacity > spare_.capacity()) spare_ = std::move(sent);
    }

    void shutdown_write() {
        if (::shutdown(fd(), SHUT_WR) < 0 && errno != ENOTCONN) fatal_os(errno, "shutdown");
    }

    // ---- closing ----
    void fatal_os(int error_number, const char* what) {
        force_close(std::make_exception_ptr(OSError(error_number, what)));
    }
    void fatal(std::string message, std::exception_ptr error) {
        report(std::move(message), error);
        force_close(error);
    }
    void force_close(std::exception_ptr exc) {
        if (lost_scheduled_) return;
        closing_ = true;
        stop_reading();
        if (write_pending_) loop_.driver().cancel(write_op_);
        // The in-flight operation may still point into the buffer: it is
        // freed with the transport, after the completion.
        buffered_ = 0;
        schedule_connection_lost(exc);
    }

    // Hot first: a request/response touches these members and TransportCore's
    // first line, and with a thousand connections each line touched is
    // likely a cache miss. What only a buffered write or a paused read needs
    // comes after them.
    Protocol* stream_ = nullptr;
    BufferedProtocol* buffered_protocol_ = nullptr;
    BufferedProtocol* read_target_ = nullptr;  // whose buffer read_op_ fills
    bool use_provided_ = false;                // the driver lends receive buffers
    bool read_pending_ = false;
    bool reading_ = true;
    bool eof_ = false;
    bool write_pending_ = false;
    bool eof_requested_ = false;
    // The driver batches byte-stream sends (io_uring): a write smaller than
    // kCoalesce is copied and queued with the loop's other requests instead
    // of costing its own send() call.
    bool queue_small_writes_ = false;
    std::deque<Bytes> wbuf_;
    std::size_t front_offset_ = 0;
    std::size_t inflight_chunks_ = 0;
    std::size_t buffered_ = 0;
    backend::Operation read_op_;

    std::optional<int> held_;
    Bytes held_copy_;  // a held receive's bytes when the driver lent the buffer
    std::unique_ptr<std::byte[]> read_buffer_;
    detail::WriteFlowControl flow_{loop_};
    backend::Operation write_op_;
    msghdr msg_{};
    // Allocated by the first write the socket did not take at once: most
    // connections never need it, and it is a kilobyte.
    std::unique_ptr<iovec[]> iov_;
    // The last small chunk sent (up to kSpareCapacity), reused by the next write: on io_uring
    // every reply is queued, and a connection answering request after request
    // would otherwise allocate and free one chunk per reply.
    Bytes spare_;
};

}  // namespace

std::shared_ptr<Transport> start_socket_transport(Loop& loop, net::Socket socket,
                                                  std::unique_ptr<BaseProtocol> protocol,
                                                  std::function<void()> on_gone) {
    auto t = std::make_shared<SocketTransport>(loop, std::move(socket), std::move(protocol));
    if (on_gone) t->on_gone(std::move(on_gone));
    t->start();
    return t;
}

}  // namespace coronet::asyncio::detail
