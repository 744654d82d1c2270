// Running the example programs (examples/*.cpp) as child processes from the
// stream and asyncio tests: where they are built, a scratch directory, a
// child whose stdout and stderr go to files and which is killed if still
// running at the end, and bounded waits for a server to come up.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace example_process {

using namespace std::chrono_literals;

inline constexpr const char* kPython = "/usr/bin/python3";

// The examples are built beside the tests: build/<preset>/examples/<name>
// next to build/<preset>/tests/<this executable>.
inline std::string example_path(const char* name) {
    const auto self = std::filesystem::read_symlink("/proc/self/exe");
    return (self.parent_path().parent_path() / "examples" / name).string();
}

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/coronet-example-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

inline std::string read_text(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline void write_text(const std::string& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

// A child process with stderr (and stdout, if a file is named) going to
// files and stdin from /dev/null; killed and reaped if still running when
// destroyed.
class Child {
  public:
    Child(const std::string& program, std::vector<std::string> args, const std::string& stderr_file,
          const std::string& stdout_file = {})
        : stderr_file_(stderr_file), stdout_file_(stdout_file) {
        args.insert(args.begin(), program);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        ::posix_spawn_file_actions_init(&actions);
        ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        if (!stdout_file.empty())
            ::posix_spawn_file_actions_addopen(&actions, 1, stdout_file.c_str(),
                                               O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::posix_spawn_file_actions_addopen(&actions, 2, stderr_file.c_str(),
                                           O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int rc =
            ::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
        ::posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) throw std::runtime_error("cannot start " + program);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() { kill(); }

    // The exit status (128 + signal if killed), waiting at most about
    // `limit`; -1 if it is still running then.
    int wait(std::chrono::milliseconds limit = 30s) {
        for (auto waited = 0ms; pid_ > 0; waited += 10ms) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                break;
            }
            if (waited >= limit) return -1;
            ::usleep(10'000);
        }
        return status_;
    }
    bool running() { return wait(0ms) == -1; }
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    std::string stderr_text() const { return read_text(stderr_file_); }
    std::string stdout_text() const { return read_text(stdout_file_); }

  private:
    pid_t pid_ = -1;
    int status_ = -1;
    std::string stderr_file_;
    std::string stdout_file_;
};

// The server's socket file appears once it is bound (bounded wait).
inline void wait_for_path(const std::string& path, Child& server) {
    for (int i = 0; i < 3000 && !std::filesystem::exists(path) && server.running(); ++i)
        ::usleep(10'000);
}

// Reads what a probe connection gets until the server closes it, closing
// any descriptor passed along (fd_server sends one); at most about 10 s.
inline void drain_probe(int fd) {
    timeval limit{.tv_sec = 10, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    for (int i = 0; i < 1000; ++i) {
        char data[256];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
        iovec iov{.iov_base = data, .iov_len = sizeof data};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(fd, &message, MSG_CMSG_CLOEXEC);
        for (cmsghdr* c = CMSG_FIRSTHDR(&message); n >= 0 && c; c = CMSG_NXTHDR(&message, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t k = 0; k < count; ++k) {
                int passed = -1;
                std::memcpy(&passed, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
                ::close(passed);
            }
        }
        if (n <= 0) return;
    }
}

// Connects until `address` accepts, while `server` runs (bounded); the
// probe sends nothing, half-closes and reads until the server hangs up, so
// the server sees an ordinary client that had nothing to say.
inline bool wait_until_accepting(const sockaddr* address, socklen_t length, Child& server) {
    for (int i = 0; i < 3000 && server.running(); ++i) {
        const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return false;
        const bool connected = ::connect(fd, address, length) == 0;
        if (connected) {
            ::shutdown(fd, SHUT_WR);
            drain_probe(fd);
        }
        ::close(fd);
        if (connected) return true;
        ::usleep(10'000);
    }
    return false;
}

inline bool wait_until_accepting_tcp(int port, Child& server) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return wait_until_accepting(reinterpret_cast<const sockaddr*>(&address), sizeof address,
                                server);
}

inline bool wait_until_accepting_unix(const std::string& path, Child& server) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return false;
    std::memcpy(address.sun_path, path.data(), path.size());
    return wait_until_accepting(reinterpret_cast<const sockaddr*>(&address), sizeof address,
                                server);
}

// Connects until `path` refuses (a socket file nobody listens on); bounded.
inline bool wait_until_refused_unix(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return false;
    std::memcpy(address.sun_path, path.data(), path.size());
    for (int i = 0; i < 3000; ++i) {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return false;
        const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
        const int error = errno;
        ::close(fd);
        if (rc != 0 && error == ECONNREFUSED) return true;
        ::usleep(10'000);
    }
    return false;
}

inline std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// True if `text` is exactly one line (ending in its only newline).
inline bool is_one_line(const std::string& text) {
    return !text.empty() && text.find('\n') == text.size() - 1;
}

}  // namespace example_process
