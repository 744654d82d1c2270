#include "services.hpp"

#include "pump.hpp"

namespace coronet::cli {

Task<void> serve_echo(ByteStream& stream) {
    co_await copy_stream(stream, stream);
    co_await stream.aclose();
}

Bytes hello_reply(BytesView name) {
    std::string_view text = name.str();
    if (text.ends_with("\n")) text.remove_suffix(1);
    if (text.ends_with("\r")) text.remove_suffix(1);
    return concat("Hello, ", text, "\n");
}

Task<void> serve_hello(ByteStream& stream) {
    try {
        Bytes name = co_await stream.receive(1024);
        co_await stream.send(hello_reply(name));
    } catch (const EndOfStream&) {
        // Nothing to greet.
    }
    co_await stream.aclose();
}

}  // namespace coronet::cli
