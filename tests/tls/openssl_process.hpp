// Runs the `openssl` command-line tool as a peer for the interop tests:
// stdin from a string, stdout and stderr into a file we can read while it
// runs. The child is killed and reaped if the test ends first.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <coronet/runtime/sleep.hpp>
#include <coronet/runtime/task.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_certs.hpp"

namespace tls_test {

class OpensslProcess {
  public:
    OpensslProcess(const std::vector<std::string>& args, const std::string& input) {
        static int counter = 0;
        const std::string stem = certs().dir + "/openssl-" + std::to_string(counter++);
        in_path_ = stem + ".in";
        out_path_ = stem + ".out";
        std::ofstream(in_path_) << input;
        std::vector<std::string> all{"openssl"};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            const int in = ::open(in_path_.c_str(), O_RDONLY);
            const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (in < 0 || out < 0) ::_exit(126);
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(out, 2);
            ::execvp("openssl", argv.data());
            ::_exit(127);
        }
    }
    ~OpensslProcess() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    OpensslProcess(const OpensslProcess&) = delete;
    OpensslProcess& operator=(const OpensslProcess&) = delete;

    std::string output() const {
        std::ifstream f(out_path_);
        std::stringstream s;
        s << f.rdbuf();
        return s.str();
    }

    // Waits (bounded: about 20 s) until the output contains `text`.
    coronet::Task<bool> wait_for_output(std::string text) {
        for (int i = 0; i < 2000; ++i) {
            if (output().find(text) != std::string::npos) co_return true;
            co_await coronet::sleep(std::chrono::milliseconds(10));
        }
        co_return false;
    }

    // The exit status (bounded wait, about 20 s); -1 if it did not exit.
    coronet::Task<int> wait_exit() {
        for (int i = 0; i < 2000 && !status_; ++i) {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
            co_await coronet::sleep(std::chrono::milliseconds(10));
        }
        co_return status_ ? *status_ : -1;
    }

  private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::string in_path_;
    std::string out_path_;
};

}  // namespace tls_test
