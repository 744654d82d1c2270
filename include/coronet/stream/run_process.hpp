// run_process (AnyIO's): run a command to completion and collect its output.
//
//     CompletedProcess r = co_await run_process("echo hello");
//     r.stdout;      // "hello\n"
//     r.returncode;  // 0
//
//     const Bytes input = "b\na\n";
//     auto sorted = co_await run_process(Command::argv("sort"), {.input = input});
//
// stdout and stderr are collected concurrently (a child that fills its
// stderr pipe while we read stdout cannot deadlock), and `input`, if any, is
// fed to the child's stdin at the same time, then stdin is closed. Without
// input the child's stdin is ours (INHERIT, as in AnyIO) unless `stdin`
// says otherwise; giving both is std::invalid_argument. A child that exits
// without reading all its input is not an error (Python's rule: the broken
// pipe is ignored; its exit status tells the story).
//
// With check (the default) a non-zero returncode raises CalledProcessError,
// which carries the command, the returncode and what was collected. If
// run_process is cancelled (or collecting fails), the child is killed and
// reaped before the cancellation (or error) goes on.
//
// Braced argument lists do not compile inside co_await on g++ 12: use
// Command::argv(...) there (coronet/stream/command.hpp).
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "coronet/base/bytes.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/stream/command.hpp"
#include "coronet/stream/process.hpp"

namespace coronet {

struct CompletedProcess {
    Command args;
    int returncode = 0;
    Bytes stdout;  // empty when not collected (stdout was not PIPE)
    Bytes stderr;  // empty when not collected (stderr was not PIPE)

    // Raises CalledProcessError if returncode is not 0.
    void check_returncode() const;
};

// run_process with check, for a non-zero returncode. what() reads like
// "Command 'false' returned non-zero exit status 1" (or "... died with
// signal 15 (Terminated)").
class CalledProcessError : public Error {
  public:
    CalledProcessError(Command command, int returncode, Bytes stdout, Bytes stderr);
    int returncode() const noexcept { return returncode_; }
    const Command& command() const noexcept { return command_; }
    const Bytes& stdout() const noexcept { return stdout_; }
    const Bytes& stderr() const noexcept { return stderr_; }

  private:
    Command command_;
    int returncode_;
    Bytes stdout_;
    Bytes stderr_;
};

// Borrowed strings, spans and input, as in ProcessOptions.
struct RunProcessOptions {
    std::optional<BytesView> input{};
    std::optional<Redirect> stdin{};  // unset: PIPE with input, else INHERIT
    Redirect stdout = PIPE;
    Redirect stderr = PIPE;
    bool check = true;
    std::string_view cwd{};
    std::span<const EnvVar> env{};
    bool inherit_env = true;
    bool start_new_session = false;
};

Task<CompletedProcess> run_process(Command command, RunProcessOptions options = {});

}  // namespace coronet
