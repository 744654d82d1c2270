#include "stream/process_spawn.hpp"
#include "stream/pidfd.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "coronet/base/errors.hpp"

extern char** environ;

namespace coronet::stream_detail {
namespace {

using net::FileDescriptor;

void check_no_nul(std::string_view text, const std::string& what) {
    if (text.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("open_process: " + what + " contains a NUL byte");
    }
}

// fds 0..2 would be overwritten by the dup2 calls that put the child's
// streams in place; a source fd there is moved up first.
FileDescriptor above_stdio(FileDescriptor fd) {
    if (fd.get() > 2) return fd;
    const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) throw_os_error(errno, "open_process: fcntl(F_DUPFD_CLOEXEC)");
    return FileDescriptor(moved);
}

struct Pipe {
    FileDescriptor read_end;
    FileDescriptor write_end;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_os_error(errno, "open_process: pipe2");
    return {FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

// The fd one of the child's streams comes from: `owned` when we opened it,
// else a borrowed fd of the caller's, else -1 (inherit ours).
struct ChildSide {
    FileDescriptor owned;
    int fd = -1;
};

ChildSide child_side(const Redirect& redirect, int target, const char* name, Pipe* pipe) {
    ChildSide side;
    switch (redirect.kind) {
        case Redirect::Kind::pipe: {
            *pipe = make_pipe();
            side.owned = above_stdio(std::move(target == 0 ? pipe->read_end : pipe->write_end));
            break;
        }
        case Redirect::Kind::devnull: {
            const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            if (fd < 0) throw_os_error(errno, "open_process: open", "/dev/null");
            side.owned = above_stdio(FileDescriptor(fd));
            break;
        }
        case Redirect::Kind::inherit:
            return side;
        case Redirect::Kind::fd: {
            if (redirect.fd < 0 || ::fcntl(redirect.fd, F_GETFD) < 0) {
                throw_os_error(EBADF, std::string("open_process: ") + name,
                               "fd " + std::to_string(redirect.fd));
            }
            if (redirect.fd <= 2) {
                const int copy = ::fcntl(redirect.fd, F_DUPFD_CLOEXEC, 3);
                if (copy < 0) throw_os_error(errno, "open_process: fcntl(F_DUPFD_CLOEXEC)");
                side.owned = FileDescriptor(copy);
            } else {
                side.fd = redirect.fd;
            }
            return side;
        }
        case Redirect::Kind::to_stdout:
            throw std::invalid_argument(std::string("open_process: STDOUT is only valid for "
                                                    "stderr, not for ") +
                                        name);
    }
    side.fd = side.owned.get();
    return side;
}

std::vector<std::string> build_environment(const ProcessOptions& options) {
    std::vector<std::string> env;
    if (options.inherit_env) {
        for (char** e = environ; e && *e; ++e)
            env.emplace_back(*e);
    }
    for (const EnvVar& var : options.env) {
        const std::string name(var.name);
        if (name.empty() || name.find('=') != std::string::npos ||
            name.find('\0') != std::string::npos) {
            throw std::invalid_argument("open_process: invalid environment variable name '" + name +
                                        "'");
        }
        check_no_nul(var.value, "the value of environment variable " + name);
        const std::string prefix = name + "=";
        std::erase_if(env, [&](const std::string& e) { return e.starts_with(prefix); });
        env.push_back(prefix + std::string(var.value));
    }
    return env;
}

class FileActions {
  public:
    FileActions() {
        if (const int rc = ::posix_spawn_file_actions_init(&actions_)) {
            throw_os_error(rc, "open_process: posix_spawn_file_actions_init");
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
    static void check(int rc) {
        if (rc != 0) throw_os_error(rc, "open_process: posix_spawn_file_actions");
    }
    posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
  public:
    explicit SpawnAttributes(bool new_session) {
        if (const int rc = ::posix_spawnattr_init(&attr_)) {
            throw_os_error(rc, "open_process: posix_spawnattr_init");
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

}  // namespace

SpawnedChild spawn_child(const Command& command, const ProcessOptions& options) {
    // Validate everything before creating anything.
    std::vector<std::string> args;
    if (command.is_shell()) {
        check_no_nul(command.args().front(), "the shell command");
        args = {"/bin/sh", "-c", command.args().front()};
    } else {
        if (command.args().empty()) throw std::invalid_argument("open_process: empty command");
        if (command.args().front().empty()) {
            throw std::invalid_argument("open_process: the program name is empty");
        }
        for (const std::string& arg : command.args())
            check_no_nul(arg, "an argument");
        args = command.args();
    }
    if (options.stdout.kind == Redirect::Kind::to_stdout) {
        throw std::invalid_argument("open_process: STDOUT is only valid for stderr, not stdout");
    }
    const std::string cwd(options.cwd);
    check_no_nul(cwd, "cwd");
    const bool custom_env = !options.inherit_env || !options.env.empty();
    std::vector<std::string> env_strings;
    if (custom_env) env_strings = build_environment(options);

    SpawnedChild child;
    Pipe in_pipe, out_pipe, err_pipe;
    ChildSide in = child_side(options.stdin, 0, "stdin", &in_pipe);
    ChildSide out = child_side(options.stdout, 1, "stdout", &out_pipe);
    ChildSide err;
    const bool err_to_stdout = options.stderr.kind == Redirect::Kind::to_stdout;
    if (!err_to_stdout) err = child_side(options.stderr, 2, "stderr", &err_pipe);

    FileActions actions;
    if (in.fd >= 0) actions.dup2(in.fd, 0);
    if (out.fd >= 0) actions.dup2(out.fd, 1);
    if (err_to_stdout) {
        actions.dup2(1, 2);
    } else if (err.fd >= 0) {
        actions.dup2(err.fd, 2);
    }
    if (!cwd.empty()) actions.chdir(cwd);
    actions.close_from(3);
    SpawnAttributes attributes(options.start_new_session);

    std::vector<char*> argv;
    for (std::string& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    if (custom_env) {
        for (std::string& e : env_strings)
            envp.push_back(e.data());
        envp.push_back(nullptr);
    }
    char* const* env = custom_env ? envp.data() : environ;

    const std::string program = command.program();
    const bool search_path = !command.is_shell() && program.find('/') == std::string::npos;
    pid_t pid = -1;
    const int rc =
        search_path
            ? ::posix_spawnp(&pid, argv[0], actions.get(), attributes.get(), argv.data(), env)
            : ::posix_spawn(&pid, argv[0], actions.get(), attributes.get(), argv.data(), env);
    if (rc != 0) {
        if (!cwd.empty() && !is_usable_directory(cwd)) {
            throw_os_error(rc, "open_process: cannot change to directory", "'" + cwd + "'");
        }
        throw_os_error(rc, "open_process: cannot execute", "'" + program + "'");
    }

    const int pidfd = pidfd_open(pid);
    if (pidfd < 0) {
        // Without a pidfd we cannot track the child: do not leave it behind.
        const int error = errno;
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        throw_os_error(error, "open_process: pidfd_open", "pid " + std::to_string(pid));
    }
    child.pid = pid;
    child.pidfd = FileDescriptor(pidfd);
    if (options.stdin.kind == Redirect::Kind::pipe)
        child.stdin_writer = std::move(in_pipe.write_end);
    if (options.stdout.kind == Redirect::Kind::pipe) {
        child.stdout_reader = std::move(out_pipe.read_end);
    }
    if (options.stderr.kind == Redirect::Kind::pipe) {
        child.stderr_reader = std::move(err_pipe.read_end);
    }
    return child;
}

}  // namespace coronet::stream_detail
