// What `listen` does with each connection or datagram, besides stdio: the
// echo service and the reference's "Hello, NAME" service. `demo` and the
// tests use the same ones.
#pragma once
#include <coronet/coronet.hpp>

namespace coronet::cli {

// Sends back everything received; half-closes at the peer's end of stream.
Task<void> serve_echo(ByteStream& stream);
// Receives one chunk (up to 1024 bytes), answers "Hello, " + it + "\n"
// (a trailing newline of the name dropped, so `echo bob | ...` reads well).
Task<void> serve_hello(ByteStream& stream);
// The reply the hello service gives to `name`.
Bytes hello_reply(BytesView name);

}  // namespace coronet::cli
