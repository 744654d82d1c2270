// asyncio's subprocess_exec / subprocess_shell: a child process whose
// standard streams are pipe transports, reported to a SubprocessProtocol.
//
//     struct Date : asyncio::SubprocessProtocol {
//         std::string output;
//         void pipe_data_received(int, BytesView data) override { output += to_string(data); }
//         void process_exited() override { done.set(); }
//         Event done;
//     };
//     auto factory = [] { return std::make_unique<Date>(); };
//     std::vector<std::string> argv{"date"};
//     auto [transport, protocol] = co_await asyncio::subprocess_exec(factory, argv);
//
// Streams: each of stdin, stdout, stderr is PIPE (default), DEVNULL,
// INHERIT (asyncio's None), from_fd(fd) (borrowed) or, for stderr only,
// STDOUT. Pipes are pipe transports (pipes.hpp): get_pipe_transport(0) is
// the WriteTransport to the child's stdin, 1 and 2 the ReadTransports of
// its stdout and stderr (nullptr when not a pipe, and for any other fd).
//
// Callback order: connection_made (before subprocess_exec returns, the
// pipe transports already in place), then pipe_data_received(fd, data)* ,
// pipe_connection_lost(fd, exc) once per pipe as it closes, process_exited()
// once the child has exited AND its stdout/stderr pipes have reached EOF
// (so all output has been delivered before it, as the reference's example
// relies on), and connection_lost(nullptr) last, once every pipe is closed
// (stdin's closes when the child exits and its read end goes, or on
// close()). pause_writing/resume_writing report the stdin pipe's buffer.
//
// Reaping: the child is watched through a pidfd (a backend poll operation;
// no SIGCHLD handler) and reaped as soon as it exits, so no zombie stays.
// get_returncode() is nullopt until then, then Python's: the exit status,
// or -N for signal N (kill() gives -SIGKILL, terminate() -SIGTERM).
// close() closes the pipes and kills a child that still runs (as asyncio);
// the transport stays alive until the child is reaped and connection_lost
// has run. Signals after connection_lost are OSError(ESRCH) (asyncio's
// ProcessLookupError); between the exit and that, they do nothing.
//
// Errors: a program that cannot be executed, or a bad cwd, is an OSError
// raised by subprocess_exec (naming the program and the errno), never a
// child exiting with 127; an empty argv, NUL bytes or STDOUT for stdin or
// stdout are std::invalid_argument. Spawning details (fds, signal mask)
// are those of coronet/net/spawn.hpp.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "coronet/asyncio/connection.hpp"
#include "coronet/asyncio/protocols.hpp"
#include "coronet/asyncio/transports.hpp"
#include "coronet/net/spawn.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet::asyncio {

class SubprocessTransport : public virtual BaseTransport {
  public:
    virtual pid_t get_pid() const noexcept = 0;
    // 0: stdin's WriteTransport, 1/2: stdout's/stderr's ReadTransport;
    // nullptr when that stream is not a pipe, and for any other fd.
    virtual BaseTransport* get_pipe_transport(int fd) const noexcept = 0;
    virtual std::optional<int> get_returncode() const noexcept = 0;
    virtual void send_signal(int signal) = 0;
    virtual void terminate() = 0;  // SIGTERM
    virtual void kill() = 0;       // SIGKILL
};

inline constexpr net::StdioSpec PIPE{net::StdioKind::pipe};
inline constexpr net::StdioSpec DEVNULL{net::StdioKind::devnull};
inline constexpr net::StdioSpec INHERIT{net::StdioKind::inherit};  // asyncio's None
inline constexpr net::StdioSpec STDOUT{net::StdioKind::to_stdout};
constexpr net::StdioSpec from_fd(int fd) noexcept {
    return {net::StdioKind::fd, fd};
}

// Strings are borrowed (read during the call only), which keeps the options
// trivially destructible (see the g++ 12 note in docs/runtime-threads.md).
struct SubprocessOptions {
    net::StdioSpec stdin = PIPE;
    net::StdioSpec stdout = PIPE;
    net::StdioSpec stderr = PIPE;
    std::string_view cwd{};  // empty: ours
    // Variables set on top of our environment (or the whole environment
    // when inherit_env is false).
    std::span<const std::pair<std::string_view, std::string_view>> env{};
    bool inherit_env = true;
    bool start_new_session = false;
};
static_assert(std::is_trivially_destructible_v<SubprocessOptions>);

struct SubprocessConnection {
    std::shared_ptr<SubprocessTransport> transport;
    SubprocessProtocol* protocol = nullptr;
};

// Runs argv[0] (looked up in PATH when it has no '/') with argv. The
// factory must return a SubprocessProtocol.
Task<SubprocessConnection> subprocess_exec(ProtocolFactory factory, std::vector<std::string> argv,
                                           SubprocessOptions options = {});
// Runs `command` with /bin/sh -c.
Task<SubprocessConnection> subprocess_shell(ProtocolFactory factory, std::string command,
                                            SubprocessOptions options = {});

}  // namespace coronet::asyncio
