// SocketAddress::parse on arbitrary text: it either raises
// std::invalid_argument or returns an address whose text form parses back to
// the same address. from_native on arbitrary bytes never reads past them.
#include <sys/socket.h>
#include <sys/un.h>
#include <coronet/net/socket_address.hpp>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "fuzz_check.hpp"

using coronet::net::SocketAddress;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const SocketAddress address = SocketAddress::parse(text);
        const std::string shown = address.to_string();
        SocketAddress again;
        try {
            again = SocketAddress::parse(shown);
        } catch (const std::invalid_argument&) {
            FUZZ_CHECK(false, "to_string() of a parsed address does not parse");
        }
        FUZZ_CHECK(again == address, "parse(to_string(a)) != a");
    } catch (const std::invalid_argument&) {
        // Malformed input: the documented answer.
    }

    // Raw bytes as a sockaddr of their own length (at most sockaddr_storage).
    sockaddr_storage storage{};
    const std::size_t length = size < sizeof storage ? size : sizeof storage;
    std::memcpy(&storage, data, length);
    try {
        const SocketAddress raw = SocketAddress::from_native(
            reinterpret_cast<const sockaddr*>(&storage), static_cast<socklen_t>(length));
        (void)raw.to_string();
        FUZZ_CHECK(raw.length() <= sizeof storage, "from_native kept more than it was given");
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
