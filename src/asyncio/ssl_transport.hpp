// The SSL transport (asyncio's SSLProtocol idea): a Transport handed to the
// user's protocol that sits on top of a plain socket transport. The plain
// transport drives an SSLBridge protocol, which feeds the ciphertext it
// receives into a TLSEngine; the plaintext the engine yields goes to the
// user's protocol, and what the user writes is encrypted on its way down.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "coronet/asyncio/protocols.hpp"
#include "coronet/asyncio/transports.hpp"
#include "coronet/backend/clock.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/tls/ssl_context.hpp"

namespace coronet::asyncio::detail {

class SSLTransport;

struct SSLSetup {
    std::shared_ptr<SSLContext> context;
    bool server_side = false;
    std::string server_hostname;
    Duration handshake_timeout{};
    // The user's protocol: owned (create_connection, servers) or borrowed
    // from the plain transport (start_tls), which then keeps it alive.
    std::unique_ptr<BaseProtocol> owned_protocol;
    BaseProtocol* protocol = nullptr;
    // start_tls: the protocol already had connection_made (from the plain
    // transport), so it gets none after the handshake.
    bool protocol_made = false;
    // Called once: nullptr when the handshake is done (after
    // connection_made), the error when it failed. Without one, a failure is
    // reported through the loop's exception handler.
    std::function<void(std::exception_ptr)> on_handshake;
};

// The protocol of the plain transport underneath an SSL transport.
class SSLBridge final : public Protocol {
  public:
    SSLBridge(Loop& loop, SSLSetup setup);
    // The transport the user's protocol sees.
    std::shared_ptr<Transport> transport() const;
    // Starts the handshake over `raw` (connection_made does it; start_tls
    // calls it after set_protocol).
    void attach(Transport& raw);

    void connection_made(BaseTransport& transport) override;
    void data_received(BytesView data) override;
    bool eof_received() override;
    void connection_lost(std::exception_ptr exc) override;
    void pause_writing() override;
    void resume_writing() override;

  private:
    std::shared_ptr<SSLTransport> ssl_;  // dropped at connection_lost
    std::shared_ptr<Transport> view_;    // ssl_ as a Transport, for transport()
};

}  // namespace coronet::asyncio::detail
