// TLSListener: a listener whose connections are TLSStreams (AnyIO's
// TLSListener).
//
//     auto tcp = co_await create_tcp_listener({.local_port = 8443});
//     TLSListener listener(std::move(tcp), server_context, {.handshake_timeout = 10s});
//     co_await listener.serve([](TLSStream client) -> Task<void> { ... });
//
// serve() does each handshake in the connection's own task (inside the
// handler's task, before the handler runs), so a slow or silent client
// cannot stall the others. A handshake that fails or outlasts
// `handshake_timeout` closes that connection and is reported through the
// loop's exception handler ("TLS handshake failed (remote 127.0.0.1:40000)",
// with the SSLError or TimeoutError); the listener keeps serving.
//
// handshake_timeout is the one per-call timeout in coronet (DESIGN.md): no
// caller's scope can bound a stranger's handshake.
//
// accept() handshakes inline, one connection at a time; a connection whose
// handshake fails is reported the same way and accept() goes on to the next.
//
// max_concurrent_handshakes caps the handshakes in flight: a burst of a
// thousand clients then costs the TLS memory of that many handshakes, not of
// a thousand (statistics() shows how many run and how many wait). A silent
// client holds its slot until handshake_timeout, so keep that short with a cap.
#pragma once

#include <any>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

#include "coronet/runtime/task.hpp"
#include "coronet/runtime/task_group.hpp"
#include "coronet/stream/byte_stream.hpp"
#include "coronet/stream/listener.hpp"
#include "coronet/tls/ssl_context.hpp"
#include "coronet/tls/tls_stream.hpp"

namespace coronet {

struct TLSListenerOptions {
    bool standard_compatible = true;
    std::chrono::milliseconds handshake_timeout{30000};
    // At most this many handshakes at once (0: no limit). A connection past
    // the limit waits for a handshake to end, holding only its socket (a
    // handshake holds OpenSSL's state, tens of KiB, and costs the CPU); the
    // wait counts toward handshake_timeout. Bounds the TLS memory a burst of
    // clients can take; accepting is not capped.
    std::size_t max_concurrent_handshakes = 0;
};

// What a TLSListener's handshakes are doing now.
struct TLSListenerStatistics {
    std::size_t handshakes_in_progress = 0;
    std::size_t handshakes_waiting = 0;  // for a slot, past max_concurrent_handshakes
};

namespace tls_detail {
struct HandshakeSlots;  // tls_listener.cpp

template <class S>
S listener_stream_of(const Listener<S>*);
template <class L>
using listener_stream_t = decltype(listener_stream_of(static_cast<const L*>(nullptr)));

// The wrapped listener, whatever its stream type.
class AnyListener {
  public:
    using RawHandler = std::function<Task<void>(std::unique_ptr<ByteStream>)>;
    virtual ~AnyListener() = default;
    virtual Task<std::unique_ptr<ByteStream>> accept() = 0;
    virtual Task<void> serve(RawHandler handler, TaskGroup& group) = 0;
    virtual Task<void> aclose() = 0;
    virtual std::any extra_attribute(AttributeId id) const = 0;
};

template <class S>
class ListenerOf final : public AnyListener {
  public:
    explicit ListenerOf(std::unique_ptr<Listener<S>> listener) : listener_(std::move(listener)) {}
    Task<std::unique_ptr<ByteStream>> accept() override {
        S stream = co_await listener_->accept();
        co_return std::make_unique<S>(std::move(stream));
    }
    Task<void> serve(RawHandler handler, TaskGroup& group) override {
        typename Listener<S>::Handler typed = [handler = std::move(handler)](S stream) {
            return handler(std::make_unique<S>(std::move(stream)));
        };
        co_await listener_->serve(std::move(typed), &group);
    }
    Task<void> aclose() override { return listener_->aclose(); }
    std::any extra_attribute(AttributeId id) const override {
        return listener_->extra_attribute(id);
    }

  private:
    std::unique_ptr<Listener<S>> listener_;
};
}  // namespace tls_detail

class TLSListener : public Listener<TLSStream> {
  public:
    template <class S>
    TLSListener(std::unique_ptr<Listener<S>> listener, SSLContextRef ssl_context,
                TLSListenerOptions options = {})
        : TLSListener(std::make_unique<tls_detail::ListenerOf<S>>(std::move(listener)), ssl_context,
                      options) {}
    // Takes a listener by value (e.g. create_tcp_listener's result).
    template <class L>
    requires requires {
        typename tls_detail::listener_stream_t<L>;
    } && std::move_constructible<L> TLSListener(L listener, SSLContextRef ssl_context,
                                                TLSListenerOptions options = {})
        : TLSListener(std::unique_ptr<Listener<tls_detail::listener_stream_t<L>>>(
                          std::make_unique<L>(std::move(listener))),
                      ssl_context, options) {
    }

    TLSListener(TLSListener&&) noexcept = default;
    TLSListener& operator=(TLSListener&&) noexcept = default;

    Task<TLSStream> accept() override;
    Task<void> aclose() override;
    // The wrapped listener's attributes (local_address, local_port, ...).
    std::any extra_attribute(AttributeId id) const override;

    const std::shared_ptr<SSLContext>& ssl_context() const noexcept { return context_; }
    const TLSListenerOptions& options() const noexcept { return options_; }
    TLSListenerStatistics statistics() const noexcept;

  protected:
    Task<void> serve_into(std::shared_ptr<Handler> handler, TaskGroup& group) override;

  private:
    TLSListener(std::unique_ptr<tls_detail::AnyListener> listener, SSLContextRef ssl_context,
                TLSListenerOptions options);

    std::unique_ptr<tls_detail::AnyListener> listener_;
    std::shared_ptr<SSLContext> context_;
    TLSListenerOptions options_;
    // Shared with the handshakes in flight, which may outlive a moved-from listener.
    std::shared_ptr<tls_detail::HandshakeSlots> slots_;
};

}  // namespace coronet
