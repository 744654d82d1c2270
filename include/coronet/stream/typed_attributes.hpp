// Typed extra attributes (AnyIO's TypedAttributeProvider / SocketAttribute).
//
//     net::SocketAddress peer = stream.extra<attr::remote_address>();
//     int port = listener.extra<attr::local_port>();
//     if (auto fam = stream.try_extra<attr::family>()) ...
//
// Each attribute is a tag type naming its value type. A provider answers the
// attributes it knows; asking for one it does not know raises
// TypedAttributeLookupError naming the attribute (AnyIO's extra() without a
// default), try_extra() returns nullopt instead.
#pragma once

#include <any>
#include <optional>
#include <string>

#include "coronet/base/errors.hpp"
#include "coronet/net/socket.hpp"
#include "coronet/net/socket_address.hpp"

namespace coronet {

enum class AttributeId {
    local_address,
    remote_address,
    local_port,
    remote_port,
    family,
    raw_socket,
    // Ids from here on belong to layers above (the tls layer's attributes
    // in coronet/tls/tls_attributes.hpp); the stream layer names none of them.
    upper_layers_first = 0x100
};

namespace attr {
// The local socket address (IP and port, or UNIX path).
struct local_address {
    using type = net::SocketAddress;
    static constexpr AttributeId id = AttributeId::local_address;
    static constexpr const char* name = "local_address";
};
// The peer's socket address (connected streams only).
struct remote_address {
    using type = net::SocketAddress;
    static constexpr AttributeId id = AttributeId::remote_address;
    static constexpr const char* name = "remote_address";
};
// IP sockets only.
struct local_port {
    using type = int;
    static constexpr AttributeId id = AttributeId::local_port;
    static constexpr const char* name = "local_port";
};
struct remote_port {
    using type = int;
    static constexpr AttributeId id = AttributeId::remote_port;
    static constexpr const char* name = "remote_port";
};
// AF_INET, AF_INET6 or AF_UNIX.
struct family {
    using type = int;
    static constexpr AttributeId id = AttributeId::family;
    static constexpr const char* name = "family";
};
// The underlying socket, borrowed (valid while the stream lives).
struct raw_socket {
    using type = const net::Socket*;
    static constexpr AttributeId id = AttributeId::raw_socket;
    static constexpr const char* name = "raw_socket";
};
}  // namespace attr

// An attribute the object does not provide.
class TypedAttributeLookupError : public Error {
  public:
    explicit TypedAttributeLookupError(const std::string& name)
        : Error("attribute '" + name + "' is not provided by this object") {}
};

class TypedAttributeProvider {
  public:
    virtual ~TypedAttributeProvider() = default;

    template <class A>
    typename A::type extra() const {
        std::any value = extra_attribute(A::id);
        if (!value.has_value()) throw TypedAttributeLookupError(A::name);
        return std::any_cast<typename A::type>(value);
    }
    template <class A>
    std::optional<typename A::type> try_extra() const {
        std::any value = extra_attribute(A::id);
        if (!value.has_value()) return std::nullopt;
        return std::any_cast<typename A::type>(value);
    }

    // The value of attribute `id`, or an empty std::any when not provided.
    virtual std::any extra_attribute(AttributeId id) const {
        (void)id;
        return {};
    }
};

// The attributes of a socket (local/remote address and port, family, raw
// socket), for providers built on one; `connected` says whether the remote
// ones exist.
std::any socket_attribute(const net::Socket& socket, AttributeId id, bool connected);

}  // namespace coronet
