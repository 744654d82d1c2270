#include "coronet/net/spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "coronet/base/errors.hpp"

extern char** environ;

namespace coronet::net {
namespace {

std::string prefix(std::string_view caller, std::string_view what) {
    return std::string(caller) + ": " + std::string(what);
}

void check_no_nul(std::string_view caller, std::string_view text, const std::string& what) {
    if (text.find('\0') != std::string_view::npos) {
        throw std::invalid_argument(prefix(caller, what) + " contains a NUL byte");
    }
}

// fds 0..2 would be overwritten by the dup2 calls that put the child's
// streams in place; a source fd there is moved up first.
FileDescriptor above_stdio(std::string_view caller, FileDescriptor fd) {
    if (fd.get() > 2) return fd;
    const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) throw_os_error(errno, prefix(caller, "fcntl(F_DUPFD_CLOEXEC)"));
    return FileDescriptor(moved);
}

struct Pipe {
    FileDescriptor read_end;
    FileDescriptor write_end;
};

Pipe make_pipe(std::string_view caller) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_os_error(errno, prefix(caller, "pipe2"));
    return {FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

// The fd one of the child's streams comes from: `owned` when we opened it,
// else a borrowed fd of the caller's, else -1 (inherit ours).
struct ChildSide {
    FileDescriptor owned;
    int fd = -1;
};

ChildSide child_side(std::string_view caller, const StdioSpec& redirect, int target,
                     const char* name, Pipe* pipe) {
    ChildSide side;
    switch (redirect.kind) {
        case StdioKind::pipe: {
            *pipe = make_pipe(caller);
            side.owned =
                above_stdio(caller, std::move(target == 0 ? pipe->read_end : pipe->write_end));
            break;
        }
        case StdioKind::devnull: {
            const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            if (fd < 0) throw_os_error(errno, prefix(caller, "open"), "/dev/null");
            side.owned = above_stdio(caller, FileDescriptor(fd));
            break;
        }
        case StdioKind::inherit:
            return side;
        case StdioKind::fd: {
            if (redirect.fd < 0 || ::fcntl(redirect.fd, F_GETFD) < 0) {
                throw_os_error(EBADF, prefix(caller, name), "fd " + std::to_string(redirect.fd));
            }
            if (redirect.fd <= 2) {
                const int copy = ::fcntl(redirect.fd, F_DUPFD_CLOEXEC, 3);
                if (copy < 0) throw_os_error(errno, prefix(caller, "fcntl(F_DUPFD_CLOEXEC)"));
                side.owned = FileDescriptor(copy);
            } else {
                side.fd = redirect.fd;
            }
            return side;
        }
        case StdioKind::to_stdout:
            throw std::invalid_argument(
                prefix(caller, "STDOUT is only valid for stderr, not for ") + name);
    }
    side.fd = side.owned.get();
    return side;
}

class FileActions {
  public:
    explicit FileActions(std::string_view caller) : caller_(caller) {
        if (const int rc = ::posix_spawn_file_actions_init(&actions_)) {
            throw_os_error(rc, prefix(caller_, "posix_spawn_file_actions_init"));
        }
    }
    ~FileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;

    void dup2(int from, int to) { check(::posix_spawn_file_actions_adddup2(&actions_, from, to)); }
    void chdir(const std::string& dir) {
        check(::posix_spawn_file_actions_addchdir_np(&actions_, dir.c_str()));
    }
    void close_from(int fd) { check(::posix_spawn_file_actions_addclosefrom_np(&actions_, fd)); }
    const posix_spawn_file_actions_t* get() const noexcept { return &actions_; }

  private:
    void check(int rc) {
        if (rc != 0) throw_os_error(rc, prefix(caller_, "posix_spawn_file_actions"));
    }
    std::string_view caller_;
    posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
  public:
    SpawnAttributes(std::string_view caller, bool new_session) {
        if (const int rc = ::posix_spawnattr_init(&attr_)) {
            throw_os_error(rc, prefix(caller, "posix_spawnattr_init"));
        }
        // The loop may block signals it watches (signal receivers) and the
        // program may ignore SIGPIPE; neither should leak into the child.
        sigset_t none;
        ::sigemptyset(&none);
        ::posix_spawnattr_setsigmask(&attr_, &none);
        sigset_t defaults;
        ::sigemptyset(&defaults);
        ::sigaddset(&defaults, SIGPIPE);
        ::sigaddset(&defaults, SIGXFSZ);
        ::posix_spawnattr_setsigdefault(&attr_, &defaults);
        short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        if (new_session) flags |= POSIX_SPAWN_SETSID;
        ::posix_spawnattr_setflags(&attr_, flags);
    }
    ~SpawnAttributes() { ::posix_spawnattr_destroy(&attr_); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    const posix_spawnattr_t* get() const noexcept { return &attr_; }

  private:
    posix_spawnattr_t attr_;
};

bool is_usable_directory(const std::string& dir) {
    struct stat st {};
    return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && ::access(dir.c_str(), X_OK) == 0;
}

int decode_status(const siginfo_t& info) {
    if (info.si_code == CLD_EXITED) return info.si_status;
    return -info.si_status;  // CLD_KILLED, CLD_DUMPED: Python's -signal
}

// pidfd_open as a raw system call: glibc 2.36's <sys/pidfd.h> declares it
// without extern "C", so C++ cannot link it.
int pidfd_open(pid_t pid) noexcept {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0u));
}

}  // namespace

std::vector<std::string> merge_environment(
    std::string_view caller, bool inherit,
    std::span<const std::pair<std::string_view, std::string_view>> vars) {
    std::vector<std::string> env;
    if (inherit) {
        for (char** e = environ; e && *e; ++e)
            env.emplace_back(*e);
    }
    for (const auto& [name_view, value] : vars) {
        const std::string name(name_view);
        if (name.empty() || name.find('=') != std::string::npos ||
            name.find('\0') != std::string::npos) {
            throw std::invalid_argument(prefix(caller, "invalid environment variable name '") +
                                        name + "'");
        }
        check_no_nul(caller, value, "the value of environment variable " + name);
        const std::string var_prefix = name + "=";
        std::erase_if(env, [&](const std::string& e) { return e.starts_with(var_prefix); });
        env.push_back(var_prefix + std::string(value));
    }
    return env;
}

SpawnedChild spawn_child(const SpawnSpec& spec) {
    const std::string_view caller = spec.caller;
    // Validate everything before creating anything.
    if (spec.argv.empty()) throw std::invalid_argument(prefix(caller, "empty command"));
    if (spec.argv.front().empty()) {
        throw std::invalid_argument(prefix(caller, "the program name is empty"));
    }
    for (const std::string& arg : spec.argv)
        check_no_nul(caller, arg, "an argument");
    if (spec.stdio[1].kind == StdioKind::to_stdout) {
        throw std::invalid_argument(prefix(caller, "STDOUT is only valid for stderr, not stdout"));
    }
    check_no_nul(caller, spec.cwd, "cwd");
    if (spec.env) {
        for (const std::string& e : *spec.env)
            check_no_nul(caller, e, "an environment entry");
    }

    Pipe pipes[3];
    ChildSide in = child_side(caller, spec.stdio[0], 0, "stdin", &pipes[0]);
    ChildSide out = child_side(caller, spec.stdio[1], 1, "stdout", &pipes[1]);
    ChildSide err;
    const bool err_to_stdout = spec.stdio[2].kind == StdioKind::to_stdout;
    if (!err_to_stdout) err = child_side(caller, spec.stdio[2], 2, "stderr", &pipes[2]);

    FileActions actions(caller);
    if (in.fd >= 0) actions.dup2(in.fd, 0);
    if (out.fd >= 0) actions.dup2(out.fd, 1);
    if (err_to_stdout) {
        actions.dup2(1, 2);
    } else if (err.fd >= 0) {
        actions.dup2(err.fd, 2);
    }
    if (!spec.cwd.empty()) actions.chdir(spec.cwd);
    actions.close_from(3);
    SpawnAttributes attributes(caller, spec.new_session);

    std::vector<std::string> args = spec.argv;
    std::vector<char*> argv;
    for (std::string& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    std::vector<char*> envp;
    if (spec.env) {
        env_strings = *spec.env;
        for (std::string& e : env_strings)
            envp.push_back(e.data());
        envp.push_back(nullptr);
    }
    char* const* env = spec.env ? envp.data() : environ;

    pid_t pid = -1;
    const int rc =
        spec.search_path
            ? ::posix_spawnp(&pid, argv[0], actions.get(), attributes.get(), argv.data(), env)
            : ::posix_spawn(&pid, argv[0], actions.get(), attributes.get(), argv.data(), env);
    if (rc != 0) {
        if (!spec.cwd.empty() && !is_usable_directory(spec.cwd)) {
            throw_os_error(rc, prefix(caller, "cannot change to directory"), "'" + spec.cwd + "'");
        }
        throw_os_error(rc, prefix(caller, "cannot execute"), "'" + spec.argv.front() + "'");
    }

    const int pidfd = pidfd_open(pid);
    if (pidfd < 0) {
        // Without a pidfd we cannot track the child: do not leave it behind.
        const int error = errno;
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        throw_os_error(error, prefix(caller, "pidfd_open"), "pid " + std::to_string(pid));
    }
    SpawnedChild child;
    child.pid = pid;
    child.pidfd = FileDescriptor(pidfd);
    if (spec.stdio[0].kind == StdioKind::pipe) child.pipes[0] = std::move(pipes[0].write_end);
    if (spec.stdio[1].kind == StdioKind::pipe) child.pipes[1] = std::move(pipes[1].read_end);
    if (spec.stdio[2].kind == StdioKind::pipe) child.pipes[2] = std::move(pipes[2].read_end);
    return child;
}

int pidfd_send_signal(int pidfd, int signal) noexcept {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0u));
}

std::optional<int> try_reap(int pidfd) {
    siginfo_t info{};
    int rc;
    while ((rc = ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG)) < 0 &&
           errno == EINTR) {
    }
    if (rc < 0) throw_os_error(errno, "waitid", "pidfd " + std::to_string(pidfd));
    if (info.si_pid == 0) return std::nullopt;
    return decode_status(info);
}

std::optional<int> kill_and_reap(int pidfd) noexcept {
    siginfo_t info{};
    if (::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG) == 0 &&
        info.si_pid != 0) {
        return decode_status(info);
    }
    // Still running: kill it, then wait the moment the kernel needs to
    // finish the kill, so that no zombie is left.
    pidfd_send_signal(pidfd, SIGKILL);
    info = {};
    while (::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED) < 0 && errno == EINTR) {
    }
    if (info.si_pid != 0) return decode_status(info);
    return std::nullopt;
}

}  // namespace coronet::net
