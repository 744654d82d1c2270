// TLSEngine: one TLS session that does no I/O (OpenSSL 3 over memory BIOs,
// Asio's "engine" and Python's SSLObject). The caller moves bytes: ciphertext
// from the peer goes in with receive_ciphertext(), ciphertext for the peer
// comes out with take_ciphertext(), and the calls in between say whether they
// need more input. TLSStream (over a ByteStream) and the asyncio layer's SSL
// transports drive it; nothing here knows about streams or the event loop.
//
//     TLSEngine engine(context, /*server_side=*/false, "example.com");
//     while (engine.do_handshake() == TLSEngine::Status::want_input) {
//         send_to_peer(engine.take_ciphertext());
//         engine.receive_ciphertext(read_from_peer());
//     }
//     send_to_peer(engine.take_ciphertext());
//     engine.write("GET / HTTP/1.0\r\n\r\n");          // -> take_ciphertext()
//     Bytes reply;
//     auto s = engine.read(reply, 65536);               // ok / want_input / closed
//
// Failures raise SSLError (SSLCertVerificationError for a certificate that
// did not verify), whose message names the cause: the verify reason and the
// depth, both names on a hostname mismatch, the version ranges on a protocol
// version mismatch. After a failure the alert for the peer, if any, is in
// take_ciphertext().
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coronet/base/bytes.hpp"
#include "coronet/tls/ssl_context.hpp"

namespace coronet {

// The peer's certificate, parsed as Python's getpeercert() does.
struct PeerCertificate {
    // (field, value) pairs in order, e.g. {"commonName", "localhost"}.
    using Name = std::vector<std::pair<std::string, std::string>>;
    Name subject;
    Name issuer;
    // {"DNS", "localhost"}, {"IP Address", "127.0.0.1"}, {"email", ...}, {"URI", ...}
    std::vector<std::pair<std::string, std::string>> subject_alt_names;
    std::string not_before;  // "Jan  1 00:00:00 2026 GMT"
    std::string not_after;
    std::string serial_number;  // upper-case hex
    int version = 0;            // 3 for X.509 v3
    Bytes der;                  // the certificate, DER-encoded
};

// Python's SSLSocket.cipher(): (name, protocol, secret bits).
struct CipherInfo {
    std::string name;
    std::string protocol;
    int secret_bits = 0;
};

class TLSEngine {
  public:
    enum class Status {
        ok,          // done (handshake) / data returned (read)
        want_input,  // feed more ciphertext from the peer, then call again
        closed,      // the peer sent close_notify
    };

    // A client gets `server_hostname` for SNI (unless it is an IP address)
    // and, with check_hostname, for verification; std::invalid_argument
    // when check_hostname is on and it is empty. `context` must not be null.
    TLSEngine(std::shared_ptr<SSLContext> context, bool server_side,
              std::string server_hostname = {});
    ~TLSEngine();
    TLSEngine(TLSEngine&&) noexcept;
    TLSEngine& operator=(TLSEngine&&) noexcept;

    // --- bytes in and out ---
    void receive_ciphertext(BytesView data);
    // receive_ciphertext taking the buffer over instead of copying it when no
    // earlier input is still waiting (a transport's fresh receive buffer).
    void adopt_ciphertext(Bytes&& data);
    std::size_t pending_ciphertext() const noexcept;
    Bytes take_ciphertext(std::size_t max_bytes = SIZE_MAX);
    // Input fed in but not consumed by the session: after unwrap(), the
    // plaintext the peer sent past its close_notify.
    Bytes take_unprocessed_input();

    // --- the session ---
    Status do_handshake();
    bool handshake_done() const noexcept;
    // Appends up to max_bytes of plaintext to `out` (ok), or says why not.
    // One call returns at most one record's worth (16 KiB), decrypted
    // straight into `out`: it grows by about what came (a chunk of a few
    // bytes holds a few bytes of heap), or uses the spare capacity it has.
    Status read(Bytes& out, std::size_t max_bytes);
    // Encrypts all of `data` (to take_ciphertext()). Before the handshake is
    // done, or after shutdown(), std::logic_error.
    void write(BytesView data);
    // Queues our close_notify (idempotent). In TLS 1.3 reading goes on.
    // Before the handshake is done, or after a failure, there is no session
    // to close: SSLError "TLS shutdown failed: shutdown while in init: ..."
    // (reason() "shutdown while in init"), as Python's SSLObject.unwrap()
    // and Asio's async_shutdown refuse it. Nothing is queued, shutdown_sent()
    // stays false and the handshake can go on; to give up on it, close the
    // transport (TLSStream does so when its wrap() fails or is cancelled).
    void shutdown();
    // shutdown() (so the same SSLError during the handshake) and then
    // processes input until the peer's close_notify: ok once it came,
    // want_input before.
    Status unwrap();
    bool shutdown_sent() const noexcept;
    bool shutdown_received() const noexcept;

    // --- what was negotiated (empty/nullopt before the handshake) ---
    bool server_side() const noexcept;
    const std::string& server_hostname() const noexcept;
    // The name a client asked for (server side), else "".
    std::string requested_server_name() const;
    // "TLSv1.3", "TLSv1.2", or "" before the handshake.
    std::string version() const;
    std::optional<CipherInfo> cipher() const;
    std::optional<PeerCertificate> peer_certificate() const;
    std::optional<std::string> alpn_protocol() const;
    // The context in use (the SNI callback may have switched it).
    std::shared_ptr<SSLContext> context() const;
    // The SSL*, for what this class does not cover.
    void* native_handle() const noexcept;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace coronet
