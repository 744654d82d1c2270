#include "cli_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace coronet::tools_test {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::atomic<int> g_children{0};

}  // namespace

ScratchDir::ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "coronet-cli-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

Child::Child(const ScratchDir& dir, std::vector<std::string> args, Options options,
             std::string program) {
    const int n = g_children++;
    out_path_ = dir.path("child" + std::to_string(n) + ".out");
    err_path_ = dir.path("child" + std::to_string(n) + ".err");
    if (program.empty()) program = CORONET_CLI_PATH;
    args.insert(args.begin(), program);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int pipe_fds[2] = {-1, -1};
    if (options.stdin_pipe) {
        if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, options.stdin_file.c_str(), O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    std::vector<char*> argv;
    for (std::string& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    // posix_spawnp: socat, nc and python3 are found on PATH.
    const int error = ::posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (options.stdin_pipe) {
        ::close(pipe_fds[0]);
        stdin_fd_ = pipe_fds[1];
    }
    if (error != 0) {
        if (stdin_fd_ >= 0) ::close(stdin_fd_);
        stdin_fd_ = -1;
        pid_ = -1;
        throw std::runtime_error("cannot start " + args.front());
    }
}

Child::~Child() {
    close_stdin();
    if (pid_ > 0 && status_ < 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

void Child::write_stdin(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(stdin_fd_, data.data() + done, data.size() - done);
        if (n < 0) throw std::runtime_error("writing the child's stdin failed");
        done += static_cast<std::size_t>(n);
    }
}

void Child::close_stdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
}

void Child::send_signal(int signal) {
    if (pid_ > 0 && status_ < 0) ::kill(pid_, signal);
}

bool Child::running() {
    if (status_ >= 0) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
    return false;
}

int Child::wait() {
    const auto deadline = Clock::now() + kHangLimit;
    while (running()) {
        if (Clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            status_ = 2000;  // hung
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    return status_;
}

bool Child::wait_for(const std::string& path, const std::string& needle) {
    const auto deadline = Clock::now() + kHangLimit;
    while (Clock::now() < deadline) {
        if (read_file(path).find(needle) != std::string::npos) return true;
        if (!running()) return read_file(path).find(needle) != std::string::npos;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

bool Child::wait_for_out(const std::string& needle) {
    return wait_for(out_path_, needle);
}
bool Child::wait_for_err(const std::string& needle) {
    return wait_for(err_path_, needle);
}

int Child::listening_port() {
    if (!wait_for_err("\n")) return -1;
    const std::string text = err();
    const auto at = text.find("listening on ");
    if (at == std::string::npos) return -1;
    const auto line_end = text.find_first_of(" ,\n", at + 13);
    const std::string address = text.substr(at + 13, line_end - at - 13);
    const auto colon = address.rfind(':');
    return colon == std::string::npos ? -1 : std::atoi(address.c_str() + colon + 1);
}

RunResult run_cli(const ScratchDir& dir, std::vector<std::string> args, std::string stdin_file) {
    Child child(dir, std::move(args), {.stdin_file = std::move(stdin_file), .stdin_pipe = false});
    const int code = child.wait();
    return {code, child.out(), child.err()};
}

std::size_t scaled(std::size_t bytes) {
    double scale = 1.0;
    if (const char* value = std::getenv("CORONET_TEST_SCALE")) scale = std::atof(value);
    if (!(scale > 0)) scale = 1.0;
    const auto result = static_cast<std::size_t>(static_cast<double>(bytes) * scale);
    return result < (1u << 20) ? (1u << 20) : result;
}

}  // namespace coronet::tools_test
