// `listen --exec CMD`: a child process per connection, its stdin and stdout
// the connection (ncat's --sh-exec, socat's SYSTEM:).
//
// CMD runs as `/bin/sh -c CMD`, so pipes, redirections and quoting work as
// typed; its stderr is ours. Both directions are copied with half-close:
// the connection's end of stream closes the child's stdin, and the end of
// the child's stdout half-closes the connection. When the child has exited
// (it is always reaped) the connection is closed; a peer still sending by
// then gets up to a second to finish, its bytes dropped, so that the close
// does not reset the connection and destroy what the child wrote.
#pragma once
#include <coronet/coronet.hpp>
#include <string>

namespace coronet::cli {

// Serves `connection` with a new child running `command`, then closes the
// connection. A failed connection kills the child (and reaps it).
Task<void> serve_exec(ByteStream& connection, std::string command);

}  // namespace coronet::cli
