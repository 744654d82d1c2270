#include "coronet/stream/typed_attributes.hpp"

namespace coronet {

std::any socket_attribute(const net::Socket& socket, AttributeId id, bool connected) {
    if (socket.is_closed()) return {};
    try {
        switch (id) {
            case AttributeId::family:
                return socket.family();
            case AttributeId::raw_socket:
                return &socket;
            case AttributeId::local_address:
                return socket.getsockname();
            case AttributeId::remote_address:
                if (!connected) return {};
                return socket.getpeername();
            case AttributeId::local_port:
                if (!(socket.family() == AF_INET || socket.family() == AF_INET6)) return {};
                return socket.getsockname().port();
            case AttributeId::remote_port:
                if (!connected || !(socket.family() == AF_INET || socket.family() == AF_INET6)) {
                    return {};
                }
                return socket.getpeername().port();
            default:
                return {};  // not a socket attribute
        }
    } catch (const OSError&) {
        return {};  // e.g. getpeername after the peer reset the connection
    }
    return {};
}

}  // namespace coronet
