// TLSStream: TLS over any ByteStream (AnyIO's TLSStream, Trio's SSLStream).
//
//     SocketStream tcp = co_await connect_tcp("example.com", 443);
//     TLSStream tls = co_await TLSStream::wrap(std::move(tcp), {.hostname = "example.com"});
//     co_await tls.send("GET / HTTP/1.0\r\n\r\n");
//     Bytes reply = co_await tls.receive();
//     co_await tls.aclose();                          // close_notify, then close
//
//     // STARTTLS: upgrade a plain stream in place, and back:
//     TLSStream tls = co_await TLSStream::wrap(std::move(plain), {.server_side = true,
//                                                                 .ssl_context = server_ctx});
//     auto [plain_again, extra] = co_await tls.unwrap();
//
// wrap() owns the stream it wraps and does the handshake before returning;
// a failed handshake closes the stream and raises SSLError (the alert, if
// any, is sent first). With no ssl_context a client uses
// create_default_context() and a server is std::invalid_argument.
//
// The byte-stream contract holds (coronet/stream/byte_stream.hpp), with TLS
// specifics:
//  * send_eof() on TLS 1.3 sends close_notify and keeps receiving until the
//    peer's (a half-close over TLS); on TLS 1.2, where close_notify ends both
//    directions, it is std::logic_error naming the version.
//  * Truncation: with standard_compatible (the default), the transport's EOF
//    without a close_notify is BrokenResourceError; without it, EndOfStream
//    (for HTTP-style peers that skip close_notify). aclose() sends
//    close_notify only when standard_compatible.
//  * Cancellation: ciphertext is written to the transport by a task of the
//    stream's own, so a cancelled send never leaves half a record on the
//    wire: what it had encrypted still goes out (the prefix it delivered),
//    and the next send waits for that first. aclose() stops that task.
//  * unwrap() sends close_notify, waits for the peer's, and returns the
//    plain stream with the bytes that arrived after the peer's close_notify.
//    On a stream that receive() found broken it raises that same error.
//  * No handshake is ever in progress for aclose() or unwrap() (wrap()
//    returns once it is done), so TLSEngine::shutdown()'s "shutdown while in
//    init" never reaches them. A wrap() that fails or is cancelled closes the
//    wrapped stream without close_notify; aclose() of a stream whose session
//    failed does the same and does not raise.
//  * Attributes: those of coronet/tls/tls_attributes.hpp, then the wrapped
//    stream's.
//
// TLSStream is a movable handle; a moved-from one raises ClosedResourceError.
#pragma once

#include <concepts>
#include <memory>
#include <string_view>
#include <utility>

#include "coronet/base/bytes.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/stream/byte_stream.hpp"
#include "coronet/tls/ssl_context.hpp"
#include "coronet/tls/tls_attributes.hpp"
#include "coronet/tls/tls_engine.hpp"
#include "coronet/tls/tls_errors.hpp"

namespace coronet {

struct TLSStreamOptions {
    bool server_side = false;
    // The server's name: SNI and certificate check (client side). Borrowed
    // for the call; the options are trivially destructible on purpose (see
    // SSLContextRef).
    std::string_view hostname{};
    SSLContextRef ssl_context{};
    bool standard_compatible = true;
};

// What unwrap() returns: the plain stream and the bytes read past the session.
struct UnwrapResult {
    std::unique_ptr<ByteStream> stream;
    Bytes extra;
};

class TLSStream : public ByteStream {
  public:
    static Task<TLSStream> wrap(std::unique_ptr<ByteStream> transport, TLSStreamOptions options);
    template <class S>
    requires std::derived_from<S, ByteStream> && std::move_constructible<S>
    static Task<TLSStream> wrap(S transport, TLSStreamOptions options) {
        return wrap(std::unique_ptr<ByteStream>(std::make_unique<S>(std::move(transport))),
                    options);
    }

    TLSStream(TLSStream&&) noexcept;
    TLSStream& operator=(TLSStream&&) noexcept;
    ~TLSStream() override;

    Task<void> aclose() override;
    Task<UnwrapResult> unwrap();

    const TLSEngine& engine() const;
    std::any extra_attribute(AttributeId id) const override;

    struct State;

  protected:
    Task<Bytes> do_receive(std::size_t max_bytes) override;
    Task<void> do_send(BytesView data) override;
    Task<void> do_send_eof() override;

  private:
    explicit TLSStream(std::shared_ptr<State> state) noexcept;
    State& state() const;
    std::shared_ptr<State> state_;
};

}  // namespace coronet
