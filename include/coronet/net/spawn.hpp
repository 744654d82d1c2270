// Starting a child process with posix_spawn, and tracking it through a
// pidfd: the layer-neutral part that coronet's process APIs share (the
// stream layer's open_process and the asyncio layer's subprocess_exec).
//
//     net::SpawnSpec spec;
//     spec.caller = "my_spawn";                 // prefixes every error message
//     spec.argv = {"cat"};
//     spec.search_path = true;                  // look "cat" up in PATH
//     net::SpawnedChild child = net::spawn_child(spec);
//     // child.pipes[0] writes to its stdin, [1]/[2] read its stdout/stderr
//     ...
//     std::optional<int> code = net::try_reap(child.pidfd.get());   // nullopt: still running
//
// Each standard stream is a new pipe (StdioKind::pipe: our end lands in
// SpawnedChild::pipes[i], close-on-exec, blocking), /dev/null, ours
// (inherit), a caller's fd (borrowed) or, for stderr only, the child's
// stdout. Only fds 0, 1 and 2 reach the child; it starts with no blocked
// signals and SIGPIPE/SIGXFSZ at their default action, whatever the loop
// blocked or ignored. A program that cannot be executed (missing, not
// executable, bad cwd) is an OSError naming it and the errno, raised here,
// never a child exiting with 127. Bad input (empty argv, NUL bytes, STDOUT
// for stdin or stdout, a bad fd) is std::invalid_argument / OSError(EBADF).
//
// The child is tracked by a pidfd (no SIGCHLD handler involved): it turns
// readable when the child exits; try_reap reaps it with waitid(P_PIDFD)
// and decodes the status the way Python does (exit status, or -N for
// signal N). Signals go through pidfd_send_signal, so they never reach a
// stranger that reused the pid. SIGCHLD must not be SIG_IGN (the kernel
// would then reap children itself and keep no status).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coronet/net/file_descriptor.hpp"

namespace coronet::net {

enum class StdioKind : std::uint8_t { pipe, devnull, inherit, to_stdout, fd };

struct StdioSpec {
    StdioKind kind = StdioKind::pipe;
    int fd = -1;  // for StdioKind::fd
};

struct SpawnSpec {
    std::string caller = "spawn_child";  // the prefix of error messages
    std::vector<std::string> argv;       // argv[0] is the program
    bool search_path = false;            // posix_spawnp: look argv[0] up in PATH
    StdioSpec stdio[3]{};                // stdin, stdout, stderr
    std::string cwd{};                   // empty: ours
    // The whole environment as NAME=value strings; nullopt: ours.
    std::optional<std::vector<std::string>> env{};
    bool new_session = false;  // setsid in the child
};

struct SpawnedChild {
    pid_t pid = -1;
    FileDescriptor pidfd;
    // Our ends of the pipes asked for: [0] writes to the child's stdin,
    // [1] and [2] read its stdout and stderr; invalid otherwise.
    FileDescriptor pipes[3];
};

SpawnedChild spawn_child(const SpawnSpec& spec);

// Our environment (when `inherit`) with `vars` set on top, as NAME=value
// strings. std::invalid_argument for a malformed name or a NUL byte.
std::vector<std::string> merge_environment(
    std::string_view caller, bool inherit,
    std::span<const std::pair<std::string_view, std::string_view>> vars);

// pidfd_send_signal(2): 0, or -1 with errno set (ESRCH once it exited).
int pidfd_send_signal(int pidfd, int signal) noexcept;
// Reaps the child if it has exited (never blocks): its returncode, or
// nullopt while it runs. OSError if it cannot be waited for (ECHILD:
// someone else reaped it).
std::optional<int> try_reap(int pidfd);
// Reaps the child, killing it first if it still runs (a short blocking
// wait for the kernel to finish the kill): no zombie is left. The
// returncode, or nullopt if it could not be waited for.
std::optional<int> kill_and_reap(int pidfd) noexcept;

}  // namespace coronet::net
