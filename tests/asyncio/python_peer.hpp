// A python3 child process running a script (the interop tests' peer).
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <coronet/coronet.hpp>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace asyncio_test {

using namespace std::chrono_literals;

constexpr const char* kPython = "/usr/bin/python3";

class PythonPeer {
  public:
    PythonPeer(const std::string& script, const std::vector<std::string>& args) {
        std::vector<std::string> strings{"python3", "-c", script};
        strings.insert(strings.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : strings)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, kPython, nullptr, nullptr, argv.data(), environ) != 0) {
            throw std::runtime_error("cannot start python3");
        }
    }
    ~PythonPeer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    // Waits (without blocking the loop; bounded) for the exit status.
    coronet::Task<int> wait() {
        for (int i = 0; i < 60000; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                co_return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            co_await coronet::sleep(1ms);
        }
        co_return -1;
    }

  private:
    pid_t pid_ = -1;
};

}  // namespace asyncio_test
