// Pipe transports. Pipes have no recv/send, so I/O is read(2)/write(2) on
// a non-blocking fd, and waiting for readiness is one backend poll
// operation at a time. The write side keeps a POLLIN poll armed while its
// buffer is empty: on a pipe's write end that only fires (POLLERR) when the
// reader has gone, which is how asyncio notices it too.
#include "asyncio/pipe_transport.hpp"
#include "asyncio/write_flow_control.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"

namespace coronet::asyncio::detail {
namespace {

constexpr std::size_t kReadSize = 64 * 1024;
constexpr int kInlineReads = 16;

// What both directions share: the fd, the owned protocol, self-ownership
// while open or while the poll operation is in flight, connection_lost.
class PipeCore {
  public:
    PipeCore(Loop& loop, net::FileDescriptor fd, std::unique_ptr<BaseProtocol> protocol)
        : loop_(loop), fd_(std::move(fd)), protocol_(std::move(protocol)) {
        if (!protocol_) throw std::invalid_argument("pipe transport: the factory returned null");
        const int flags = ::fcntl(fd_.get(), F_GETFL);
        if (flags < 0 || ::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
            throw_os_error(errno, "pipe transport: fcntl(O_NONBLOCK)");
        }
    }
    virtual ~PipeCore() = default;

  protected:
    virtual void on_ready(int revents) = 0;

    void keep_alive(std::shared_ptr<void> self) { self_ = std::move(self); }
    void maybe_release() noexcept {
        if (lost_done_ && !poll_pending_) self_.reset();
    }
    void report(std::string message, std::exception_ptr error) noexcept {
        loop_.call_exception_handler({std::move(message), std::move(error)});
    }
    void schedule_connection_lost(std::exception_ptr exc) {
        if (lost_scheduled_) return;
        lost_scheduled_ = true;
        closing_ = true;
        cancel_poll();
        loop_.call_soon([self = self_, this, exc] { call_connection_lost(exc); });
    }
    void call_connection_lost(std::exception_ptr exc) noexcept {
        if (lost_done_) return;
        try {
            protocol_->connection_lost(exc);
        } catch (...) {
            report("protocol.connection_lost() failed", std::current_exception());
        }
        close_fd();
        lost_done_ = true;
        maybe_release();
    }
    void close_fd() noexcept {
        if (!fd_) return;
        cancel_poll();
        loop_.driver().forget_fd(fd_.get());
        fd_.reset();
    }
    void cancel_poll() noexcept {
        if (poll_pending_) loop_.driver().cancel(poll_op_);
    }
    // Arms the poll; returns true when it completed at once (result in
    // poll_op_.result), false when on_ready will be called later.
    bool arm(short events) {
        poll_op_ = backend::Operation{};
        poll_op_.code = backend::OpCode::poll;
        poll_op_.fd = fd_.get();
        poll_op_.poll_events = events;
        poll_op_.on_complete = &on_poll;
        poll_op_.context = this;
        poll_pending_ = true;
        if (!loop_.driver().start(poll_op_)) return false;
        poll_pending_ = false;
        return true;
    }
    std::any extra(std::string_view name, std::any default_value) const {
        if (name == "pipe" && fd_) return fd_.get();
        return default_value;
    }
    void swap(std::unique_ptr<BaseProtocol> protocol) {
        if (!protocol) throw std::invalid_argument("set_protocol: null protocol");
        std::swap(protocol, protocol_);
        retired_.push_back(std::move(protocol));
    }

    Loop& loop_;
    net::FileDescriptor fd_;
    std::unique_ptr<BaseProtocol> protocol_;
    std::vector<std::unique_ptr<BaseProtocol>> retired_;
    backend::Operation poll_op_;
    bool poll_pending_ = false;
    bool closing_ = false;
    bool lost_scheduled_ = false;
    bool lost_done_ = false;
    std::shared_ptr<void> self_;

  private:
    static void on_poll(backend::Operation& op) noexcept {
        auto* core = static_cast<PipeCore*>(op.context);
        auto keep = core->self_;
        core->poll_pending_ = false;
        if (core->lost_scheduled_) {
            core->maybe_release();
            return;
        }
        core->on_ready(op.result);
    }
};

class ReadPipe final : public ReadTransport, public PipeCore {
  public:
    ReadPipe(Loop& loop, net::FileDescriptor fd, std::unique_ptr<BaseProtocol> protocol)
        : PipeCore(loop, std::move(fd), std::move(protocol)) {
        bind();
    }
    std::shared_ptr<ReadPipe> self() {
        return std::dynamic_pointer_cast<ReadPipe>(shared_from_this());
    }
    void start() {
        keep_alive(self());
        try {
            protocol_->connection_made(*this);
        } catch (...) {
            fatal("protocol.connection_made() failed", std::current_exception());
            return;
        }
        loop_.call_soon([s = self()] { s->read_more(); });
    }

    void close() override {
        if (closing_) return;
        schedule_connection_lost(nullptr);
    }
    bool is_closing() const noexcept override { return closing_; }
    std::any get_extra_info(std::string_view name, std::any default_value) const override {
        return extra(name, std::move(default_value));
    }
    void set_protocol(std::unique_ptr<BaseProtocol> protocol) override {
        if (!dynamic_cast<Protocol*>(protocol.get())) {
            throw std::invalid_argument("set_protocol: a read pipe transport needs a Protocol");
        }
        swap(std::move(protocol));
        bind();
    }
    BaseProtocol& get_protocol() const noexcept override { return *protocol_; }

    bool is_reading() const noexcept override { return reading_ && !closing_; }
    void pause_reading() override {
        if (closing_ || !reading_) return;
        reading_ = false;
        cancel_poll();
    }
    void resume_reading() override {
        if (closing_ || reading_) return;
        reading_ = true;
        loop_.call_soon([s = self()] { s->read_more(); });
    }

  private:
    void bind() {
        stream_ = dynamic_cast<Protocol*>(protocol_.get());
        if (!stream_) {
            throw std::invalid_argument("read pipe transport: the protocol must be a Protocol");
        }
    }

    void on_ready(int revents) override {
        if (revents < 0 && revents != -ECANCELED) {
            fatal_os(-revents, "poll");
            return;
        }
        read_more();
    }

    void read_more() {
        auto keep = self();
        for (int turn = 0; turn < kInlineReads; ++turn) {
            if (!reading_ || closing_ || poll_pending_) return;
            if (!buffer_) buffer_ = std::make_unique<std::byte[]>(kReadSize);
            const ssize_t n = ::read(fd_.get(), buffer_.get(), kReadSize);
            if (n > 0) {
                try {
                    stream_->data_received(BytesView(buffer_.get(), std::size_t(n)));
                } catch (...) {
                    fatal("protocol.data_received() failed", std::current_exception());
                    return;
                }
                continue;
            }
            if (n == 0) {
                on_eof();
                return;
            }
            if (errno == EINTR) continue;
            if (errno != EAGAIN) {
                fatal_os(errno, "read");
                return;
            }
            if (!arm(POLLIN)) return;  // on_ready follows
            if (poll_op_.result < 0) {
                fatal_os(-poll_op_.result, "poll");
                return;
            }
        }
        loop_.call_soon([s = std::move(keep)] { s->read_more(); });
    }

    void on_eof() {
        closing_ = true;
        try {
            (void)stream_->eof_received();
        } catch (...) {
            fatal("protocol.eof_received() failed", std::current_exception());
            return;
        }
        schedule_connection_lost(nullptr);
    }

    void fatal_os(int error_number, const char* what) {
        schedule_connection_lost(std::make_exception_ptr(OSError(error_number, what)));
    }
    void fatal(std::string message, std::exception_ptr error) {
        report(std::move(message), error);
        schedule_connection_lost(error);
    }

    Protocol* stream_ = nullptr;
    std::unique_ptr<std::byte[]> buffer_;
    bool reading_ = true;
};

class WritePipe final : public WriteTransport, public PipeCore {
  public:
    using PipeCore::PipeCore;
    std::shared_ptr<WritePipe> self() {
        return std::dynamic_pointer_cast<WritePipe>(shared_from_this());
    }
    void start() {
        keep_alive(self());
        try {
            protocol_->connection_made(*this);
        } catch (...) {
            fatal("protocol.connection_made() failed", std::current_exception());
            return;
        }
        loop_.call_soon([s = self()] { s->pump(); });
    }

    void close() override {
        if (closing_) return;
        closing_ = true;
        if (buffered_ == 0) schedule_connection_lost(nullptr);
    }
    bool is_closing() const noexcept override { return closing_; }
    std::any get_extra_info(std::string_view name, std::any default_value) const override {
        return extra(name, std::move(default_value));
    }
    void set_protocol(std::unique_ptr<BaseProtocol> protocol) override {
        swap(std::move(protocol));
    }
    BaseProtocol& get_protocol() const noexcept override { return *protocol_; }

    void write(BytesView data) override {
        if (!writable("write") || data.empty()) return;
        if (buffered_ == 0) {
            const long n = net::write_without_sigpipe(fd_.get(), data.data(), data.size());
            if (n < 0 && n != -EAGAIN && n != -EINTR) {
                fatal_os(int(-n), "write");
                return;
            }
            const std::size_t sent = n < 0 ? 0 : std::size_t(n);
            if (sent == data.size()) return;
            data = data.subview(sent);
            append(data);
            cancel_poll();  // re-armed for POLLOUT by pump
            loop_.call_soon([s = self()] { s->pump(); });
        } else {
            append(data);
        }
        flow_.maybe_pause(*protocol_, buffered_);
    }
    void writelines(std::span<const BytesView> pieces) override {
        for (BytesView p : pieces)
            write(p);
    }
    void write_eof() override { close(); }
    bool can_write_eof() const noexcept override { return true; }
    void abort() override {
        buffer_.clear();
        buffered_ = 0;
        schedule_connection_lost(nullptr);
    }
    std::size_t get_write_buffer_size() const noexcept override { return buffered_; }
    std::pair<std::size_t, std::size_t> get_write_buffer_limits() const noexcept override {
        return flow_.limits();
    }
    void set_write_buffer_limits(std::optional<std::int64_t> high,
                                 std::optional<std::int64_t> low) override {
        flow_.set_limits(high, low, *protocol_, buffered_);
    }

  private:
    bool writable(const char* what) {
        if (closing_) {
            report(std::string(what) + "() on a closing pipe transport: the data is dropped",
                   std::make_exception_ptr(
                       ClosedResourceError(std::string(what) + " after close(): data dropped")));
            return false;
        }
        return true;
    }

    void append(BytesView data) {
        buffer_.emplace_back(data);
        buffered_ += data.size();
    }

    void on_ready(int revents) override {
        if (revents == -ECANCELED) {
            pump();
            return;
        }
        if (revents < 0) {
            fatal_os(-revents, "poll");
            return;
        }
        if ((revents & (POLLERR | POLLHUP)) && buffered_ == 0) {
            // The reader is gone and nothing was pending: a quiet close.
            schedule_connection_lost(nullptr);
            return;
        }
        pump();
    }

    // Writes what the pipe takes, then arms the poll: POLLOUT while data
    // is buffered, POLLIN (reader-gone detection) otherwise.
    void pump() {
        auto keep = self();
        for (int turn = 0; turn < kInlineReads; ++turn) {
            if (lost_scheduled_ || poll_pending_) return;
            while (!buffer_.empty()) {
                Bytes& front = buffer_.front();
                const long n = net::write_without_sigpipe(fd_.get(), front.data() + offset_,
                                                          front.size() - offset_);
                if (n == -EINTR) continue;
                if (n == -EAGAIN) break;
                if (n < 0) {
                    fatal_os(int(-n), "write");
                    return;
                }
                offset_ += std::size_t(n);
                buffered_ -= std::size_t(n);
                if (offset_ == front.size()) {
                    buffer_.pop_front();
                    offset_ = 0;
                }
            }
            flow_.maybe_resume(*protocol_, buffered_);
            if (buffer_.empty() && closing_) {
                schedule_connection_lost(nullptr);
                return;
            }
            if (!arm(buffer_.empty() ? POLLIN : POLLOUT)) return;
            if (poll_op_.result < 0) {
                fatal_os(-poll_op_.result, "poll");
                return;
            }
            if ((poll_op_.result & (POLLERR | POLLHUP)) && buffer_.empty()) {
                schedule_connection_lost(nullptr);
                return;
            }
        }
        loop_.call_soon([s = std::move(keep)] { s->pump(); });
    }

    void fatal_os(int error_number, const char* what) {
        buffer_.clear();
        buffered_ = 0;
        if (error_number == EPIPE) {
            schedule_connection_lost(std::make_exception_ptr(
                BrokenResourceError(std::string(what) + ": the pipe's reader is gone (EPIPE)")));
            return;
        }
        schedule_connection_lost(std::make_exception_ptr(OSError(error_number, what)));
    }
    void fatal(std::string message, std::exception_ptr error) {
        report(std::move(message), error);
        buffer_.clear();
        buffered_ = 0;
        schedule_connection_lost(error);
    }

    std::deque<Bytes> buffer_;
    std::size_t offset_ = 0;
    std::size_t buffered_ = 0;
    detail::WriteFlowControl flow_{loop_};
};

}  // namespace

std::shared_ptr<ReadTransport> start_read_pipe(Loop& loop, net::FileDescriptor fd,
                                               std::unique_ptr<BaseProtocol> protocol) {
    auto t = std::make_shared<ReadPipe>(loop, std::move(fd), std::move(protocol));
    t->start();
    return t;
}

std::shared_ptr<WriteTransport> start_write_pipe(Loop& loop, net::FileDescriptor fd,
                                                 std::unique_ptr<BaseProtocol> protocol) {
    auto t = std::make_shared<WritePipe>(loop, std::move(fd), std::move(protocol));
    t->start();
    return t;
}

}  // namespace coronet::asyncio::detail
