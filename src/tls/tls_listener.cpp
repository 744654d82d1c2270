#include "coronet/tls/tls_listener.hpp"

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet {
namespace {

std::string remote_of(const ByteStream& stream) {
    if (auto a = stream.try_extra<attr::remote_address>()) return a->to_string();
    return "unknown";
}

// The handshake, bounded by the listener's timeout; nullopt after reporting
// a failure (the connection is closed by then).
Task<std::optional<TLSStream>> handshake(std::unique_ptr<ByteStream> raw,
                                         std::shared_ptr<SSLContext> context,
                                         TLSListenerOptions options) {
    const std::string peer = remote_of(*raw);
    std::exception_ptr failure;
    try {
        TLSStreamOptions tls;
        tls.server_side = true;
        tls.ssl_context = context;
        tls.standard_compatible = options.standard_compatible;
        CancelScope scope(deadline_after(options.handshake_timeout, "TLSListener"));
        auto stream = co_await scope.run(TLSStream::wrap(std::move(raw), tls));
        if (stream) co_return std::move(stream);
        failure = std::make_exception_ptr(
            TimeoutError("TLS handshake timed out after " +
                         std::to_string(options.handshake_timeout.count()) + " ms"));
    } catch (const Cancelled&) {
        throw;
    } catch (...) {
        failure = std::current_exception();
    }
    Loop::current().call_exception_handler({"TLS handshake failed (remote " + peer + ")", failure});
    co_return std::nullopt;
}

Task<void> handshake_then_handle(std::unique_ptr<ByteStream> raw,
                                 std::shared_ptr<SSLContext> context, TLSListenerOptions options,
                                 std::shared_ptr<Listener<TLSStream>::Handler> handler) {
    std::optional<TLSStream> stream = co_await handshake(std::move(raw), context, options);
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
    : listener_(std::move(listener)), context_(ssl_context.shared()), options_(options) {
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
        auto stream = co_await handshake(std::move(raw), context_, options_);
        if (stream) co_return std::move(*stream);
    }
}

Task<void> TLSListener::aclose() {
    return listener_->aclose();
}

std::any TLSListener::extra_attribute(AttributeId id) const {
    return listener_->extra_attribute(id);
}

Task<void> TLSListener::serve_into(std::shared_ptr<Handler> handler, TaskGroup& group) {
    tls_detail::AnyListener::RawHandler raw =
        [handler, context = context_, options = options_](std::unique_ptr<ByteStream> stream) {
            return handshake_then_handle(std::move(stream), context, options, handler);
        };
    co_await listener_->serve(std::move(raw), group);
}

}  // namespace coronet
