#include "coronet/tls/tls_stream.hpp"

#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/detail/detached_task.hpp"
#include "coronet/runtime/event.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet {

namespace {
// Plaintext encrypted per step of a send: the cancellation granularity.
constexpr std::size_t kWriteChunk = 64 << 10;
// Ciphertext handed to the transport per send call.
constexpr std::size_t kFlushChunk = 256 << 10;

struct FlagGuard {
    bool& flag;
    explicit FlagGuard(bool& f) : flag(f) { flag = true; }
    ~FlagGuard() { flag = false; }
    FlagGuard(const FlagGuard&) = delete;
    FlagGuard& operator=(const FlagGuard&) = delete;
};
}  // namespace

struct TLSStream::State {
    State(std::unique_ptr<ByteStream> t, TLSEngine e, bool standard)
        : transport(std::move(t)), engine(std::move(e)), standard_compatible(standard) {}

    std::unique_ptr<ByteStream> transport;
    TLSEngine engine;
    bool standard_compatible;
    bool closed = false;
    bool receiving = false;
    bool sending = false;
    bool eof_received = false;   // the peer's close_notify (or an accepted truncation)
    bool transport_eof = false;  // the transport's EndOfStream
    std::exception_ptr receive_error;
    // The writer task (see the header: ciphertext goes out from a task of
    // our own so that a cancelled send cannot cut a record in half).
    bool flushing = false;
    std::shared_ptr<Event> flushed;
    std::exception_ptr send_error;
    CancelScope* flusher_scope = nullptr;
    // aclose() came while the writer was busy: it closes the transport when done.
    bool close_after_flush = false;
    // Around the transport receive, so that aclose() can end it.
    CancelScope* receive_scope = nullptr;
};

namespace {

using State = TLSStream::State;

Task<void> flush_loop(State* s) {
    try {
        while (s->engine.pending_ciphertext() > 0) {
            Bytes chunk = s->engine.take_ciphertext(kFlushChunk);
            co_await s->transport->send(chunk);
        }
    } catch (const std::exception&) {
        s->send_error = std::current_exception();
    }
}

Task<void> run_flusher(std::shared_ptr<State> s) {
    {
        CancelScope scope;
        s->flusher_scope = &scope;
        co_await scope.run(flush_loop(s.get()));
        s->flusher_scope = nullptr;
    }
    if (s->close_after_flush) co_await shielded(s->transport->aclose());
    s->flushing = false;
    auto done = std::move(s->flushed);
    if (done) done->set();
}

void start_flush(const std::shared_ptr<State>& s) {
    if (s->flushing || s->send_error || s->engine.pending_ciphertext() == 0) return;
    s->flushing = true;
    s->flushed = std::make_shared<Event>();
    detail::spawn_detached(Loop::current(), run_flusher(s));
}

// Waits until everything encrypted so far was handed to the transport.
// ClosedResourceError once aclose() ran, unless `closing` (aclose itself).
Task<void> wait_flushed(State& s, bool closing = false) {
    while (s.flushing) {
        std::shared_ptr<Event> done = s.flushed;
        co_await done->wait();
        if (s.closed && !closing) throw ClosedResourceError();
    }
    if (s.send_error) std::rethrow_exception(s.send_error);
}

struct ScopeSlot {
    CancelScope*& slot;
    ScopeSlot(CancelScope*& s, CancelScope& scope) : slot(s) { slot = &scope; }
    ~ScopeSlot() { slot = nullptr; }
    ScopeSlot(const ScopeSlot&) = delete;
    ScopeSlot& operator=(const ScopeSlot&) = delete;
};

// Feeds the transport's next bytes to the engine (or notes its EOF).
// ClosedResourceError when aclose() ends the wait.
Task<void> pull(State& s) {
    bool eof = false;
    std::optional<Bytes> in;
    try {
        CancelScope scope;
        ScopeSlot slot(s.receive_scope, scope);
        in = co_await scope.run(s.transport->receive(kDefaultReceiveSize));
    } catch (const EndOfStream&) {
        eof = true;
    }
    if (eof) {
        s.transport_eof = true;
    } else if (!in || s.closed) {
        throw ClosedResourceError();
    } else {
        s.engine.adopt_ciphertext(std::move(*in));
    }
}

}  // namespace

TLSStream::TLSStream(std::shared_ptr<State> state) noexcept : state_(std::move(state)) {}
TLSStream::TLSStream(TLSStream&&) noexcept = default;
TLSStream& TLSStream::operator=(TLSStream&& other) noexcept {
    if (this != &other) {
        if (state_ && !state_->closed && state_->flusher_scope) state_->flusher_scope->cancel();
        state_ = std::move(other.state_);
    }
    return *this;
}

TLSStream::~TLSStream() {
    // The writer task keeps the state (and the transport) alive; stop it so
    // that dropping an unclosed stream still releases the transport. (After
    // aclose() it is left to finish its lingering close.)
    if (state_ && !state_->closed && state_->flusher_scope) state_->flusher_scope->cancel();
}

TLSStream::State& TLSStream::state() const {
    if (!state_) throw ClosedResourceError("TLS stream was moved from");
    return *state_;
}

const TLSEngine& TLSStream::engine() const {
    return state().engine;
}

Task<TLSStream> TLSStream::wrap(std::unique_ptr<ByteStream> transport, TLSStreamOptions options) {
    if (!transport) throw std::invalid_argument("TLSStream::wrap: the stream is null");
    std::shared_ptr<SSLContext> context = options.ssl_context.shared();
    if (!context) {
        if (options.server_side) {
            throw std::invalid_argument(
                "TLSStream::wrap: a server needs an ssl_context holding its certificate");
        }
        context = create_default_context();
    }
    auto s = std::make_shared<State>(
        std::move(transport),
        TLSEngine(std::move(context), options.server_side, std::string(options.hostname)),
        options.standard_compatible);
    std::exception_ptr failure;
    bool tls_failure = false;
    try {
        for (;;) {
            const auto status = s->engine.do_handshake();
            start_flush(s);
            co_await wait_flushed(*s);
            if (status == TLSEngine::Status::ok) break;
            if (s->transport_eof) {
                throw BrokenResourceError(
                    "TLS handshake failed: the peer closed the connection before it finished");
            }
            co_await pull(*s);
        }
    } catch (const SSLError&) {
        failure = std::current_exception();
        tls_failure = true;
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        if (tls_failure) {
            // Let the peer know why (the alert OpenSSL queued).
            try {
                start_flush(s);
                co_await wait_flushed(*s);
            } catch (const std::exception&) {
            }
        }
        if (s->flusher_scope) s->flusher_scope->cancel();
        s->closed = true;
        co_await shielded(s->transport->aclose());
        std::rethrow_exception(failure);
    }
    co_return TLSStream(std::move(s));
}

Task<Bytes> TLSStream::do_receive(std::size_t max_bytes) {
    std::shared_ptr<State> s = state_;
    if (!s || s->closed) throw ClosedResourceError();
    if (s->receiving) throw BusyResourceError("receiving");
    if (max_bytes == 0) throw std::invalid_argument("receive: max_bytes must be positive");
    if (s->receive_error) std::rethrow_exception(s->receive_error);
    if (s->eof_received) throw EndOfStream();
    FlagGuard busy(s->receiving);
    for (;;) {
        Bytes out;
        TLSEngine::Status status;
        try {
            status = s->engine.read(out, max_bytes);
        } catch (const SSLError&) {
            s->receive_error = std::current_exception();
            // OpenSSL queued an alert saying why (bad record mac, ...): the
            // peer should hear it, as after a failed handshake. The writer
            // sends it on its own; the failure stays what is raised.
            try {
                start_flush(s);
            } catch (const std::exception&) {
            }
            throw;
        }
        // Post-handshake messages (a KeyUpdate reply, ...) go out too.
        start_flush(s);
        if (status == TLSEngine::Status::ok) co_return out;
        if (status == TLSEngine::Status::closed) {
            s->eof_received = true;
            throw EndOfStream();
        }
        if (s->transport_eof) {
            if (!s->standard_compatible) {
                s->eof_received = true;
                throw EndOfStream();
            }
            s->receive_error = std::make_exception_ptr(BrokenResourceError(
                "TLS stream truncated: the peer closed the connection without sending "
                "close_notify"));
            std::rethrow_exception(s->receive_error);
        }
        co_await pull(*s);
        if (s->closed) throw ClosedResourceError();
    }
}

Task<void> TLSStream::do_send(BytesView data) {
    std::shared_ptr<State> s = state_;
    if (!s || s->closed) throw ClosedResourceError();
    if (s->sending) throw BusyResourceError("sending");
    if (s->engine.shutdown_sent()) {
        throw ClosedResourceError("send after send_eof: close_notify was already sent");
    }
    FlagGuard busy(s->sending);
    co_await wait_flushed(*s);
    std::size_t pos = 0;
    while (pos < data.size()) {
        BytesView piece = data.subview(pos, kWriteChunk);
        if (s->closed) throw ClosedResourceError();
        s->engine.write(piece);
        pos += piece.size();
        start_flush(s);
        co_await wait_flushed(*s);
    }
}

Task<void> TLSStream::do_send_eof() {
    std::shared_ptr<State> s = state_;
    if (!s || s->closed) throw ClosedResourceError();
    const std::string version = s->engine.version();
    if (version != "TLSv1.3") {
        throw std::logic_error(
            "send_eof: half-closing a TLS stream needs TLS 1.3, but this "
            "session negotiated " +
            version + " (where close_notify closes both directions)");
    }
    if (s->engine.shutdown_sent()) co_return;
    if (s->sending) throw BusyResourceError("sending");
    FlagGuard busy(s->sending);
    co_await wait_flushed(*s);
    s->engine.shutdown();
    start_flush(s);
    co_await wait_flushed(*s);
}

Task<void> TLSStream::aclose() {
    std::shared_ptr<State> s = state_;
    if (!s || s->closed) co_return;
    s->closed = true;
    if (s->receive_scope) s->receive_scope->cancel();
    if (s->flushing) {
        // A cancelled send's records are still going out (cutting them off
        // would corrupt what the peer already has): the writer finishes them,
        // sends close_notify and closes the transport, as the kernel lingers
        // on a TCP close.
        if (s->standard_compatible && s->engine.handshake_done() && !s->engine.shutdown_sent() &&
            !s->send_error) {
            try {
                s->engine.shutdown();
            } catch (const std::exception&) {
            }
        }
        s->close_after_flush = true;
        // Wake a send waiting for this flush (it raises ClosedResourceError).
        auto waiting = std::exchange(s->flushed, std::make_shared<Event>());
        waiting->set();
        co_return;
    }
    std::exception_ptr cancelled;
    if (s->standard_compatible && s->engine.handshake_done() && !s->engine.shutdown_sent() &&
        !s->flushing && !s->send_error) {
        try {
            s->engine.shutdown();
            start_flush(s);
            co_await wait_flushed(*s, /*closing=*/true);
        } catch (const std::exception&) {
            // The peer went away: closing is all that is left to do.
        } catch (...) {
            cancelled = std::current_exception();
        }
    }
    if (s->flusher_scope) s->flusher_scope->cancel();
    co_await shielded(s->transport->aclose());
    if (cancelled) std::rethrow_exception(cancelled);
}

Task<UnwrapResult> TLSStream::unwrap() {
    std::shared_ptr<State> s = state_;
    if (!s || s->closed) throw ClosedResourceError();
    if (s->receiving) throw BusyResourceError("receiving");
    if (s->sending) throw BusyResourceError("sending");
    // A broken session has nothing to close: the failure, as receive() says.
    if (s->receive_error) std::rethrow_exception(s->receive_error);
    FlagGuard receiving(s->receiving);
    FlagGuard sending(s->sending);
    co_await wait_flushed(*s);
    for (;;) {
        const auto status = s->engine.unwrap();
        start_flush(s);
        co_await wait_flushed(*s);
        if (status == TLSEngine::Status::ok) break;
        if (s->transport_eof) {
            throw BrokenResourceError(
                "TLS unwrap failed: the peer closed the connection without sending close_notify");
        }
        co_await pull(*s);
    }
    s->closed = true;
    UnwrapResult result;
    result.extra = s->engine.take_unprocessed_input();
    result.stream = std::move(s->transport);
    co_return result;
}

std::any TLSStream::extra_attribute(AttributeId id) const {
    if (!state_) return {};
    std::any value = tls_attribute(state_->engine, id, state_->standard_compatible);
    if (value.has_value() || !state_->transport) return value;
    return state_->transport->extra_attribute(id);
}

}  // namespace coronet
