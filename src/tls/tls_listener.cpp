#include "coronet/tls/tls_listener.hpp"

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/semaphore.hpp"

namespace coronet {

namespace tls_detail {
// The listener's handshake slots; counts are kept even without a limit, for
// statistics().
struct HandshakeSlots {
    explicit HandshakeSlots(std::size_t limit) {
        if (limit > 0) semaphore.emplace(limit);
    }
    std::optional<Semaphore> semaphore;
    std::size_t in_progress = 0;
    std::size_t waiting = 0;
};
}  // namespace tls_detail

namespace {

using tls_detail::HandshakeSlots;

// Holds one slot (and its count) for as long as it lives.
class HandshakeSlot {
  public:
    explicit HandshakeSlot(HandshakeSlots& slots) noexcept : slots_(slots) {}
    HandshakeSlot(const HandshakeSlot&) = delete;
    HandshakeSlot& operator=(const HandshakeSlot&) = delete;
    ~HandshakeSlot() {
        if (!taken_) return;
        --slots_.in_progress;
        if (slots_.semaphore) slots_.semaphore->release();
    }

    Task<void> take() {
        if (slots_.semaphore) {
            ++slots_.waiting;
            struct Uncount {
                std::size_t& waiting;
                ~Uncount() { --waiting; }
            } uncount{slots_.waiting};
            co_await slots_.semaphore->acquire();
        }
        taken_ = true;
        ++slots_.in_progress;
    }
    bool taken() const noexcept { return taken_; }

  private:
    HandshakeSlots& slots_;
    bool taken_ = false;
};

std::string remote_of(const ByteStream& stream) {
    if (auto a = stream.try_extra<attr::remote_address>()) return a->to_string();
    return "unknown";
}

// The slot first, so that a connection waiting for one holds no TLS state.
// `raw` stays the caller's until the slot is taken.
Task<TLSStream> wrap_in_a_slot(std::unique_ptr<ByteStream>& raw, TLSStreamOptions tls,
                               HandshakeSlot& slot) {
    co_await slot.take();
    co_return co_await TLSStream::wrap(std::move(raw), std::move(tls));
}

// The handshake, bounded by the listener's timeout; nullopt after reporting
// a failure (the connection is closed by then).
Task<std::optional<TLSStream>> handshake(std::unique_ptr<ByteStream> raw,
                                         std::shared_ptr<SSLContext> context,
                                         TLSListenerOptions options,
                                         std::shared_ptr<HandshakeSlots> slots) {
    const std::string peer = remote_of(*raw);
    std::optional<TLSStream> stream;
    std::exception_ptr failure;
    std::exception_ptr cancelled;
    try {
        TLSStreamOptions tls;
        tls.server_side = true;
        tls.ssl_context = context;
        tls.standard_compatible = options.standard_compatible;
        HandshakeSlot slot(*slots);
        CancelScope scope(deadline_after(options.handshake_timeout, "TLSListener"));
        stream = co_await scope.run(wrap_in_a_slot(raw, std::move(tls), slot));
        if (!stream) {
            std::string why = "TLS handshake timed out after " +
                              std::to_string(options.handshake_timeout.count()) + " ms";
            if (!slot.taken()) {
                why += ", waiting for one of the " +
                       std::to_string(options.max_concurrent_handshakes) +
                       " handshake slots (max_concurrent_handshakes)";
            }
            failure = std::make_exception_ptr(TimeoutError(why));
        }
    } catch (const Cancelled&) {
        cancelled = std::current_exception();
    } catch (...) {
        failure = std::current_exception();
    }
    // Still here only when the wait for a slot ended it (wrap() closes what
    // it was given): closed the same way.
    if (raw) co_await shielded(raw->aclose());
    if (cancelled) std::rethrow_exception(cancelled);
    if (stream) co_return std::move(stream);
    Loop::current().call_exception_handler({"TLS handshake failed (remote " + peer + ")", failure});
    co_return std::nullopt;
}

Task<void> handshake_then_handle(std::unique_ptr<ByteStream> raw,
                                 std::shared_ptr<SSLContext> context, TLSListenerOptions options,
                                 std::shared_ptr<HandshakeSlots> slots,
                                 std::shared_ptr<Listener<TLSStream>::Handler> handler) {
    std::optional<TLSStream> stream =
        co_await handshake(std::move(raw), std::move(context), options, std::move(slots));
    if (!stream) co_return;
    const std::string peer = remote_of(*stream);
    try {
        co_await (*handler)(std::move(*stream));
    } catch (const Cancelled&) {
        throw;
    } catch (...) {
        Loop::current().call_exception_handler(
            {"connection handler failed (remote " + peer + ")", std::current_exception()});
    }
}

}  // namespace

TLSListener::TLSListener(std::unique_ptr<tls_detail::AnyListener> listener,
                         SSLContextRef ssl_context, TLSListenerOptions options)
    : listener_(std::move(listener)),
      context_(ssl_context.shared()),
      options_(options),
      slots_(std::make_shared<HandshakeSlots>(options.max_concurrent_handshakes)) {
    if (!context_ || context_->role() != TLSRole::server) {
        throw std::invalid_argument(
            "TLSListener: needs a server ssl_context (create_default_context(Purpose::client_auth) "
            "with load_cert_chain)");
    }
    if (options_.handshake_timeout.count() <= 0) {
        throw std::invalid_argument("TLSListener: handshake_timeout must be positive");
    }
}

Task<TLSStream> TLSListener::accept() {
    for (;;) {
        std::unique_ptr<ByteStream> raw = co_await listener_->accept();
        auto stream = co_await handshake(std::move(raw), context_, options_, slots_);
        if (stream) co_return std::move(*stream);
    }
}

Task<void> TLSListener::aclose() {
    return listener_->aclose();
}

TLSListenerStatistics TLSListener::statistics() const noexcept {
    if (!slots_) return {};
    return {.handshakes_in_progress = slots_->in_progress, .handshakes_waiting = slots_->waiting};
}

std::any TLSListener::extra_attribute(AttributeId id) const {
    return listener_->extra_attribute(id);
}

Task<void> TLSListener::serve_into(std::shared_ptr<Handler> handler, TaskGroup& group) {
    tls_detail::AnyListener::RawHandler raw = [handler, context = context_, options = options_,
                                               slots = slots_](std::unique_ptr<ByteStream> stream) {
        return handshake_then_handle(std::move(stream), context, options, slots, handler);
    };
    co_await listener_->serve(std::move(raw), group);
}

}  // namespace coronet
