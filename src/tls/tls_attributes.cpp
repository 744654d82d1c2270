#include "coronet/tls/tls_attributes.hpp"

namespace coronet {

std::any tls_attribute(const TLSEngine& engine, AttributeId id, bool standard_compatible) {
    if (id == attr::cipher::id) {
        if (auto c = engine.cipher()) return *c;
        return {};
    }
    if (id == attr::peercert::id) return engine.peer_certificate();
    if (id == attr::compression::id) return std::optional<std::string>{};
    if (id == attr::sslcontext::id) return engine.context();
    if (id == attr::ssl_object::id) return &engine;
    if (id == attr::alpn_protocol::id) return engine.alpn_protocol();
    if (id == attr::tls_version::id) return engine.version();
    if (id == attr::server_side::id) return engine.server_side();
    if (id == attr::server_hostname::id) {
        return engine.server_side() ? engine.requested_server_name() : engine.server_hostname();
    }
    if (id == attr::standard_compatible::id) return standard_compatible;
    return {};
}

}  // namespace coronet
