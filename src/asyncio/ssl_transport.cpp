// The SSL transport's state machine.
//
// Handshake: the engine's output goes straight to the plain transport; input
// comes from SSLBridge::data_received. A timer operation bounds it
// (ssl_handshake_timeout). The user's protocol gets connection_made only once
// the handshake is done, as in asyncio.
//
// Writing: plaintext is encrypted at once and handed to the plain transport
// while that one is not paused; once it pauses (its own water marks,
// counting ciphertext), plaintext waits in a backlog. The SSL transport's
// water marks apply to that backlog, so a slow reader pauses the user's
// protocol with memory bounded by both transports' high marks.
//
// Reading: pause_reading pauses the plain transport and leaves decrypted
// data in the engine; resume_reading delivers it from the next iteration.
//
// Closing: close() flushes the backlog, then queues close_notify and closes
// the plain transport (which flushes it). The peer's close_notify is not
// waited for (the TCP close follows ours). abort() drops everything and sends
// no close_notify. A close_notify (or a TCP EOF) from the peer is
// eof_received() and then that close, whatever eof_received returns (TLS
// half-close is not offered:
// can_write_eof() is false, as in asyncio).
#include "asyncio/ssl_transport.hpp"
#include "asyncio/write_flow_control.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/tls/tls_engine.hpp"
#include "coronet/tls/tls_errors.hpp"

namespace coronet::asyncio::detail {

constexpr std::size_t kReadChunk = 64 * 1024;

// The handshake timer: an operation in memory of its own, alive while it is
// in flight, so the transport may go first.
struct HandshakeTimer {
    backend::Operation op;
    std::weak_ptr<SSLTransport> target;
    std::shared_ptr<HandshakeTimer> keep;
    bool pending = false;
};

namespace {

// A send that failed because the peer had closed its socket. Not a reset:
// on TCP that says the peer discarded bytes it had not read.
bool broken_pipe(const std::exception_ptr& exc) {
    if (!exc) return false;
    try {
        std::rethrow_exception(exc);
    } catch (const OSError& e) {
        return e.error_number() == EPIPE;
    } catch (...) {
        return false;
    }
}

}  // namespace

class SSLTransport final : public Transport {
  public:
    SSLTransport(Loop& loop, SSLSetup setup)
        : loop_(loop),
          engine_(setup.context, setup.server_side, setup.server_hostname),
          owned_(std::move(setup.owned_protocol)),
          app_(setup.protocol ? setup.protocol : owned_.get()),
          app_made_(setup.protocol_made),
          timeout_(setup.handshake_timeout),
          on_handshake_(std::move(setup.on_handshake)) {
        if (!app_) throw std::invalid_argument("SSL transport: the protocol factory returned null");
        if (timeout_ <= Duration::zero()) {
            throw std::invalid_argument("ssl_handshake_timeout must be positive");
        }
        bind_protocol();
    }
    ~SSLTransport() override { cancel_timer(); }

    std::shared_ptr<SSLTransport> self() {
        return std::static_pointer_cast<SSLTransport>(
            std::dynamic_pointer_cast<Transport>(shared_from_this()));
    }

    // ---- from the bridge ----
    void raw_made(Transport& raw) {
        raw_ = std::dynamic_pointer_cast<Transport>(raw.shared_from_this());
        keep_ = self();
        start_timer();
        step_handshake();
    }

    void raw_data(BytesView data) {
        if (lost_) return;
        engine_.receive_ciphertext(data);
        if (!handshake_done_) {
            step_handshake();  // goes on to the plaintext once done
            return;
        }
        drain_plaintext();
    }

    bool raw_eof() {
        if (!handshake_done_) {
            handshake_failed(std::make_exception_ptr(BrokenResourceError(
                                 "TLS handshake failed: the peer closed the connection")),
                             false);
            return false;
        }
        // The peer closed TCP without close_notify: an EOF, as asyncio takes it.
        // Then close as close() does, not by letting the plain transport close
        // itself: the peer may have shut down only its sending side, and what
        // write() accepted (the backlog) and our close_notify must still reach
        // it, as asyncio's SSL protocol flushes and unwraps here too.
        deliver_eof();
        close();
        return true;
    }

    void raw_lost(std::exception_ptr exc) {
        auto keep = std::move(keep_);
        // The peer may close its socket as soon as it sent close_notify
        // (TLS 1.2 even tells the other side to discard pending writes then):
        // when only our close_notify was left to send, the broken pipe it
        // meets ends a session both sides had finished, not a failure.
        if (ended_cleanly_ && !error_ && broken_pipe(exc)) exc = nullptr;
        lost_ = true;
        closing_ = true;
        cancel_timer();
        if (!handshake_done_ && !handshake_reported_) {
            handshake_failed(error_ ? error_
                             : exc  ? exc
                                    : std::make_exception_ptr(BrokenResourceError(
                                          "TLS handshake failed: the connection was closed")),
                             false);
        }
        backlog_.clear();
        backlog_size_ = 0;
        if (app_made_ && !app_lost_) {
            app_lost_ = true;
            try {
                app_->connection_lost(error_ ? error_ : exc);
            } catch (...) {
                report("protocol.connection_lost() failed", std::current_exception());
            }
        }
    }

    void raw_pause() { raw_paused_ = true; }
    void raw_resume() {
        raw_paused_ = false;
        flush_backlog();
    }

    // ---- BaseTransport ----
    void close() override {
        if (closing_) return;
        closing_ = true;
        // Nothing more is delivered: stop taking ciphertext in.
        if (raw_ && handshake_done_) raw_->pause_reading();
        if (backlog_.empty() || !handshake_done_) start_shutdown();
    }
    bool is_closing() const noexcept override { return closing_; }
    std::any get_extra_info(std::string_view name, std::any default_value) const override {
        if (name == "ssl_object") return static_cast<const TLSEngine*>(&engine_);
        if (name == "sslcontext") return engine_.context();
        if (name == "compression") return std::optional<std::string>{};
        if (name == "server_side") return engine_.server_side();
        if (name == "server_hostname") {
            return engine_.server_side() ? engine_.requested_server_name()
                                         : engine_.server_hostname();
        }
        if (name == "cipher") {
            if (auto c = engine_.cipher()) return *c;
            return default_value;
        }
        if (name == "peercert") {
            if (!handshake_done_) return default_value;
            return engine_.peer_certificate();
        }
        if (name == "alpn_protocol") return engine_.alpn_protocol();
        if (name == "tls_version") {
            if (!handshake_done_) return default_value;
            return engine_.version();
        }
        if (raw_) return raw_->get_extra_info(name, std::move(default_value));
        return default_value;
    }
    void set_protocol(std::unique_ptr<BaseProtocol> protocol) override {
        if (!dynamic_cast<Protocol*>(protocol.get()) &&
            !dynamic_cast<BufferedProtocol*>(protocol.get())) {
            throw std::invalid_argument(
                "set_protocol: an SSL transport needs a Protocol or a BufferedProtocol");
        }
        if (owned_) retired_.push_back(std::move(owned_));
        owned_ = std::move(protocol);
        app_ = owned_.get();
        bind_protocol();
    }
    BaseProtocol& get_protocol() const noexcept override { return *app_; }

    // ---- ReadTransport ----
    bool is_reading() const noexcept override { return !reading_paused_ && !closing_; }
    void pause_reading() override {
        if (closing_ || reading_paused_) return;
        reading_paused_ = true;
        if (raw_) raw_->pause_reading();
    }
    void resume_reading() override {
        if (closing_ || !reading_paused_) return;
        reading_paused_ = false;
        if (raw_) raw_->resume_reading();
        loop_.call_soon([self = self()] {
            if (self->handshake_done_) self->drain_plaintext();
        });
    }

    // ---- WriteTransport ----
    void write(BytesView data) override {
        if (!writable("write") || data.empty()) return;
        if (!handshake_done_ || raw_paused_ || !backlog_.empty()) {
            backlog_.emplace_back(data);
            backlog_size_ += data.size();
            flow_.maybe_pause(*app_, backlog_size_);
            return;
        }
        encrypt(data);
    }
    void writelines(std::span<const BytesView> pieces) override {
        if (!writable("writelines")) return;
        for (BytesView p : pieces)
            write(p);
    }
    void write_eof() override {
        throw std::logic_error(
            "write_eof: TLS transports do not support half-close (can_write_eof() is false); "
            "close() sends close_notify");
    }
    bool can_write_eof() const noexcept override { return false; }
    void abort() override {
        closing_ = true;
        backlog_.clear();
        backlog_size_ = 0;
        if (raw_) raw_->abort();
    }
    std::size_t get_write_buffer_size() const noexcept override { return backlog_size_; }
    std::pair<std::size_t, std::size_t> get_write_buffer_limits() const noexcept override {
        return flow_.limits();
    }
    void set_write_buffer_limits(std::optional<std::int64_t> high,
                                 std::optional<std::int64_t> low) override {
        flow_.set_limits(high, low, *app_, backlog_size_);
    }

    void timer_fired() {
        if (handshake_done_ || lost_ || handshake_reported_) return;
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count();
        handshake_failed(std::make_exception_ptr(
                             TimeoutError("TLS handshake did not complete within " +
                                          std::to_string(ms) + " ms (ssl_handshake_timeout)")),
                         true);
    }

  private:
    void bind_protocol() {
        stream_ = dynamic_cast<Protocol*>(app_);
        buffered_ = dynamic_cast<BufferedProtocol*>(app_);
        if (!stream_ && !buffered_) {
            throw std::invalid_argument(
                "SSL transport: the protocol must be a Protocol or a BufferedProtocol");
        }
    }

    void report(std::string message, std::exception_ptr error) noexcept {
        loop_.call_exception_handler({std::move(message), std::move(error)});
    }

    bool writable(const char* what) {
        if (!closing_) return true;
        report(std::string(what) + "() on a closing transport: the data is dropped",
               std::make_exception_ptr(
                   ClosedResourceError(std::string(what) + " after close(): data dropped")));
        return false;
    }

    // ---- handshake ----
    void step_handshake() {
        TLSEngine::Status status;
        try {
            status = engine_.do_handshake();
        } catch (...) {
            flush_ciphertext();  // the alert
            handshake_failed(std::current_exception(), false);
            return;
        }
        flush_ciphertext();
        if (status == TLSEngine::Status::ok) handshake_complete();
    }

    void handshake_complete() {
        handshake_done_ = true;
        cancel_timer();
        if (!app_made_) {
            app_made_ = true;
            try {
                app_->connection_made(*this);
            } catch (...) {
                fatal("protocol.connection_made() failed", std::current_exception());
            }
        }
        handshake_reported_ = true;
        if (auto cb = std::move(on_handshake_)) cb(nullptr);
        if (lost_ || (closing_ && backlog_.empty())) return;
        flush_backlog();
        drain_plaintext();
    }

    // `abort`: drop what is queued (a timeout); otherwise let the alert out.
    void handshake_failed(std::exception_ptr error, bool abort) {
        if (handshake_reported_) return;
        handshake_reported_ = true;
        cancel_timer();
        if (!error_) error_ = error;
        closing_ = true;
        if (raw_ && !lost_) {
            if (abort) {
                raw_->abort();
            } else {
                raw_->close();
            }
        }
        if (auto cb = std::move(on_handshake_)) {
            cb(error);
        } else if (!app_made_) {
            std::string peer;
            if (raw_) {
                std::any p = raw_->get_extra_info("peername");
                if (auto* a = std::any_cast<net::SocketAddress>(&p))
                    peer = " with " + a->to_string();
            }
            report("TLS handshake failed" + peer, error);
        }
    }

    void start_timer() {
        auto t = std::make_shared<HandshakeTimer>();
        t->target = self();
        t->op.code = backend::OpCode::timeout;
        t->op.deadline = loop_.now() + timeout_;
        t->op.context = t.get();
        t->op.on_complete = [](backend::Operation& op) noexcept {
            auto* timer = static_cast<HandshakeTimer*>(op.context);
            auto keep = std::move(timer->keep);
            timer->pending = false;
            if (op.result == -ECANCELED) return;
            if (auto target = timer->target.lock()) target->timer_fired();
        };
        t->pending = true;
        t->keep = t;
        timer_ = t;
        if (loop_.driver().start(t->op)) {
            // Completed at once (a deadline already past).
            t->pending = false;
            t->keep.reset();
            timer_fired();
        }
    }
    void cancel_timer() noexcept {
        if (auto t = timer_.lock(); t && t->pending) loop_.driver().cancel(t->op);
        timer_.reset();
    }

    // ---- data ----
    void flush_ciphertext() {
        if (engine_.pending_ciphertext() == 0) return;
        Bytes out = engine_.take_ciphertext();
        if (raw_ && !lost_ && !raw_->is_closing()) raw_->write(out);
    }

    void encrypt(BytesView data) {
        try {
            engine_.write(data);
        } catch (...) {
            fatal({}, std::current_exception());
            return;
        }
        flush_ciphertext();
    }

    void flush_backlog() {
        while (handshake_done_ && !raw_paused_ && !lost_ && !backlog_.empty()) {
            Bytes chunk = std::move(backlog_.front());
            backlog_.pop_front();
            backlog_size_ -= chunk.size();
            encrypt(chunk);
        }
        flow_.maybe_resume(*app_, backlog_size_);
        if (closing_ && backlog_.empty() && !lost_) start_shutdown();
    }

    void drain_plaintext() {
        while (!reading_paused_ && !closing_ && !lost_ && app_made_) {
            if (!held_.empty()) {
                Bytes rest = std::exchange(held_, Bytes{});
                deliver(rest);
                continue;
            }
            Bytes got;
            TLSEngine::Status status;
            try {
                status = engine_.read(got, kReadChunk);
            } catch (...) {
                flush_ciphertext();
                fatal({}, std::current_exception());
                return;
            }
            if (status == TLSEngine::Status::want_input) break;
            if (status == TLSEngine::Status::closed) {
                flush_ciphertext();
                deliver_eof();
                // Whether everything the protocol wrote, in eof_received()
                // too, has left this process (io_uring queues small sends, and
                // a failed send empties a closing buffer): then only our
                // close_notify is still to go.
                ended_cleanly_ =
                    backlog_.empty() && !raw_->is_closing() && raw_->get_write_buffer_size() == 0;
                close();
                return;
            }
            deliver(got);
        }
        flush_ciphertext();  // TLS 1.3 post-handshake replies (key update)
    }

    void deliver(BytesView got) {
        try {
            if (stream_) {
                stream_->data_received(got);
                return;
            }
            for (std::size_t off = 0; off < got.size();) {
                // The protocol may pause, close or abort from buffer_updated:
                // the rest waits (or is dropped with the connection).
                if (reading_paused_ || closing_ || lost_) {
                    held_ = Bytes(got.subview(off));
                    return;
                }
                std::span<std::byte> dst = buffered_->get_buffer(got.size() - off);
                if (dst.empty()) throw std::logic_error("get_buffer() returned an empty buffer");
                const std::size_t n = std::min(dst.size(), got.size() - off);
                std::memcpy(dst.data(), got.data() + off, n);
                buffered_->buffer_updated(n);
                off += n;
            }
        } catch (...) {
            fatal("protocol.data_received() failed", std::current_exception());
        }
    }

    // As asyncio: a true result cannot keep a TLS transport half-open.
    void deliver_eof() {
        if (eof_delivered_ || !app_made_ || app_lost_) return;
        eof_delivered_ = true;
        try {
            if (stream_) {
                (void)stream_->eof_received();
            } else {
                (void)buffered_->eof_received();
            }
        } catch (...) {
            fatal("protocol.eof_received() failed", std::current_exception());
        }
    }

    void start_shutdown() {
        if (shutdown_started_ || !raw_) return;
        shutdown_started_ = true;
        if (handshake_done_ && !lost_) {
            try {
                engine_.shutdown();
                flush_ciphertext();
            } catch (const std::exception&) {
                // The session is broken already: close without close_notify.
            }
        }
        raw_->close();
    }

    void fatal(const char* message, std::exception_ptr error) {
        if (message) report(message, error);
        if (!error_) error_ = error;
        closing_ = true;
        backlog_.clear();
        backlog_size_ = 0;
        if (raw_) raw_->abort();
    }

    Loop& loop_;
    TLSEngine engine_;
    std::shared_ptr<Transport> raw_;
    std::shared_ptr<SSLTransport> keep_;  // from raw_made to raw_lost
    std::unique_ptr<BaseProtocol> owned_;
    std::vector<std::unique_ptr<BaseProtocol>> retired_;
    BaseProtocol* app_;
    Protocol* stream_ = nullptr;
    BufferedProtocol* buffered_ = nullptr;
    bool app_made_;
    bool app_lost_ = false;
    Duration timeout_;
    std::function<void(std::exception_ptr)> on_handshake_;
    std::weak_ptr<HandshakeTimer> timer_;
    std::exception_ptr error_;

    // Plaintext a BufferedProtocol has not taken yet: a chunk bigger than its
    // buffer, cut short by pause_reading, close or abort in buffer_updated.
    Bytes held_;

    std::deque<Bytes> backlog_;
    std::size_t backlog_size_ = 0;
    detail::WriteFlowControl flow_{loop_};

    bool handshake_done_ = false;
    bool handshake_reported_ = false;
    bool closing_ = false;
    bool lost_ = false;
    bool raw_paused_ = false;
    bool reading_paused_ = false;
    bool eof_delivered_ = false;
    bool shutdown_started_ = false;
    bool ended_cleanly_ = false;  // the peer's close_notify came, nothing of ours unsent
};

SSLBridge::SSLBridge(Loop& loop, SSLSetup setup)
    : ssl_(std::make_shared<SSLTransport>(loop, std::move(setup))), view_(ssl_) {}

std::shared_ptr<Transport> SSLBridge::transport() const {
    return view_;
}

void SSLBridge::attach(Transport& raw) {
    ssl_->raw_made(raw);
}

void SSLBridge::connection_made(BaseTransport& transport) {
    attach(dynamic_cast<Transport&>(transport));
}

void SSLBridge::data_received(BytesView data) {
    if (ssl_) ssl_->raw_data(data);
}

bool SSLBridge::eof_received() {
    return ssl_ ? ssl_->raw_eof() : false;
}

void SSLBridge::connection_lost(std::exception_ptr exc) {
    auto ssl = std::move(ssl_);
    view_.reset();
    if (ssl) ssl->raw_lost(exc);
}

void SSLBridge::pause_writing() {
    if (ssl_) ssl_->raw_pause();
}

void SSLBridge::resume_writing() {
    if (ssl_) ssl_->raw_resume();
}

}  // namespace coronet::asyncio::detail
