// Running the built `coronet` executable from tests: arguments in, exit
// status, stdout and stderr out. Output goes to files in a scratch
// directory (no pipe to fill up and stall the child); stdin comes from a
// file or from a pipe the test writes. Every wait is bounded: a child that
// hangs is killed and the test fails, so the suite itself never hangs.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace coronet::tools_test {

// The directory removed (with its contents) when this goes away.
class ScratchDir {
  public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    std::string path(const std::string& name) const { return dir_ + "/" + name; }

  private:
    std::string dir_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& data);

// How long a child may take before it counts as hung (generous: slow
// machines and sanitizers must never trip it).
inline constexpr std::chrono::seconds kHangLimit{120};

class Child {
  public:
    struct Options {
        std::string stdin_file = "/dev/null";  // ignored with stdin_pipe
        bool stdin_pipe = false;
    };
    // `program` empty: the coronet executable; else that program (socat, ...).
    Child(const ScratchDir& dir, std::vector<std::string> args, Options options,
          std::string program = {});
    Child(const ScratchDir& dir, std::vector<std::string> args)
        : Child(dir, std::move(args), Options{}) {}
    ~Child();  // kills a child still running
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    void write_stdin(const std::string& data);
    void close_stdin();
    void send_signal(int signal);

    // Waits for the exit; the exit code, or 1000 + signal when killed by one.
    int wait();
    bool exited_by_signal() const { return status_ >= 1000; }
    pid_t pid() const { return pid_; }

    std::string out() const { return read_file(out_path_); }
    std::string err() const { return read_file(err_path_); }
    // Polls until stdout / stderr contains `needle`; false if the child
    // exited first or kHangLimit passed.
    bool wait_for_out(const std::string& needle);
    bool wait_for_err(const std::string& needle);
    // The port from "listening on tcp://HOST:PORT" (or udp) on stderr.
    int listening_port();

  private:
    bool wait_for(const std::string& path, const std::string& needle);
    bool running();

    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int status_ = -1;
    std::string out_path_;
    std::string err_path_;
};

// Runs to completion (stdin /dev/null or `stdin_file`).
struct RunResult {
    int code;
    std::string out;
    std::string err;
};
RunResult run_cli(const ScratchDir& dir, std::vector<std::string> args,
                  std::string stdin_file = "/dev/null");

// CORONET_TEST_SCALE (default 1) times `bytes`, at least 1 MiB.
std::size_t scaled(std::size_t bytes);

}  // namespace coronet::tools_test
