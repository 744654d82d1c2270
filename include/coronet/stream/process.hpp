// Child processes (AnyIO's open_process and Process): a child whose stdin,
// stdout and stderr are byte streams over pipes.
//
//     Process cat = open_process({"cat"});
//     co_await cat.stdin().send("hello\n");
//     co_await cat.stdin().aclose();                   // cat reads EOF, exits
//     Bytes echoed = co_await cat.stdout().receive();  // "hello\n"
//     int status = co_await cat.wait();                // 0
//
// open_process(command, options) starts the child at once and returns (no
// await: spawning never waits for anything). The command is a shell string
// or an argument vector (coronet/stream/command.hpp). Each standard stream
// is, per ProcessOptions, a new pipe (PIPE, the default), /dev/null
// (DEVNULL), ours (INHERIT), an fd of the caller's (Redirect::from_fd(fd),
// borrowed: keep it open until open_process returns), or, for stderr only,
// the same as the child's stdout (STDOUT). `cwd` changes directory in the
// child; `env` sets variables on top of our environment, or makes up the
// whole environment with inherit_env = false; start_new_session calls
// setsid in the child.
//
// Spawning is posix_spawn (a vfork-style clone): a program that cannot be
// executed (missing, not executable, bad cwd) is an OSError naming the
// program (or the directory) and the errno, raised by open_process, never a
// child that exits with 127. Only fds 0, 1 and 2 reach the child (every
// other fd is closed in it, whatever its close-on-exec flag). The child
// starts with no blocked signals and SIGPIPE and SIGXFSZ at their default
// action (Python's restore_signals), whatever the loop had blocked or
// ignored.
//
// The Process keeps a pidfd for the child: wait() waits for the pidfd to
// become readable through the loop and reaps the child with
// waitid(P_PIDFD); signals go through pidfd_send_signal, so they can never
// reach a stranger that reused the pid. No SIGCHLD handler is involved
// (but SIGCHLD must not be set to SIG_IGN, which makes the kernel reap
// children itself and leaves no exit status to read).
//
// returncode() follows Python: the exit status, or -N when signal N killed
// the child (terminate() gives -SIGTERM, kill() -SIGKILL).
//
// aclose() is AnyIO's: close the pipes, wait for the child; if cancelled
// while waiting, kill the child, still reap it (shielded), and let the
// cancellation go on. Destroying a Process whose child still runs kills it
// with SIGKILL and reaps it right there (a short blocking wait, for the
// kernel to finish the kill), so no zombie is left behind; aclose() or
// wait() first is the graceful way.
//
// stdin(), stdout() and stderr() raise std::logic_error when that stream
// is not a pipe (or was taken with take_stdin() ...).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "coronet/runtime/task.hpp"
#include "coronet/stream/command.hpp"
#include "coronet/stream/pipe_stream.hpp"

namespace coronet {

// Where one of the child's standard streams goes.
struct Redirect {
    enum class Kind : std::uint8_t { pipe, devnull, inherit, to_stdout, fd };
    Kind kind = Kind::pipe;
    int fd = -1;  // for Kind::fd

    static constexpr Redirect from_fd(int fd) noexcept { return {Kind::fd, fd}; }
};

inline constexpr Redirect PIPE{Redirect::Kind::pipe};
inline constexpr Redirect DEVNULL{Redirect::Kind::devnull};
inline constexpr Redirect INHERIT{Redirect::Kind::inherit};
// For stderr: the same destination as the child's stdout.
inline constexpr Redirect STDOUT{Redirect::Kind::to_stdout};

// One environment variable for the child. Borrowed strings.
struct EnvVar {
    std::string_view name;
    std::string_view value;
};

// Strings and spans are borrowed: read during open_process only (the
// options stay trivially destructible, which also sidesteps a g++ 12 bug
// with temporaries holding a std::string inside co_await expressions).
struct ProcessOptions {
    Redirect stdin = PIPE;
    Redirect stdout = PIPE;
    Redirect stderr = PIPE;
    std::string_view cwd{};         // empty: ours
    std::span<const EnvVar> env{};  // set (or override) these variables
    bool inherit_env = true;        // false: `env` is the whole environment
    bool start_new_session = false;
};

class Process {
  public:
    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    ~Process();

    PipeSendStream& stdin();
    PipeReceiveStream& stdout();
    PipeReceiveStream& stderr();
    bool has_stdin() const noexcept { return stdin_ != nullptr; }
    bool has_stdout() const noexcept { return stdout_ != nullptr; }
    bool has_stderr() const noexcept { return stderr_ != nullptr; }
    // Takes a stream over (e.g. to staple stdin and stdout into one
    // ByteStream); the Process no longer closes it. nullptr if none.
    std::unique_ptr<PipeSendStream> take_stdin() noexcept { return std::move(stdin_); }
    std::unique_ptr<PipeReceiveStream> take_stdout() noexcept { return std::move(stdout_); }
    std::unique_ptr<PipeReceiveStream> take_stderr() noexcept { return std::move(stderr_); }

    pid_t pid() const noexcept { return pid_; }
    const Command& command() const noexcept { return command_; }
    // The exit status once the child has exited (checked without blocking,
    // reaping it if it just did), nullopt while it runs.
    std::optional<int> returncode();
    // Waits for the child to exit and returns its returncode. Cancellable;
    // any number of tasks may wait at once.
    Task<int> wait();

    // No effect once the child has been reaped. OSError for an invalid signal.
    void send_signal(int signal);
    void terminate();  // SIGTERM
    void kill();       // SIGKILL

    Task<void> aclose();

  private:
    friend Process open_process(const Command& command, const ProcessOptions& options);
    Process(Command command, pid_t pid, int pidfd) noexcept;
    void reap_blocking() noexcept;
    void close_pidfd() noexcept;

    Command command_;
    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::optional<int> returncode_;
    std::unique_ptr<PipeSendStream> stdin_;
    std::unique_ptr<PipeReceiveStream> stdout_;
    std::unique_ptr<PipeReceiveStream> stderr_;
};

// Starts `command`. OSError when it cannot be started (see above),
// std::invalid_argument for a bad command or option (empty argument vector,
// NUL bytes, STDOUT for stdin, a malformed variable name).
Process open_process(const Command& command, const ProcessOptions& options = {});

}  // namespace coronet
