// Command: what open_process and run_process run. As in Python, a string is
// a shell command line and a list of strings is an argument vector.
//
//     open_process("ls -l | wc -l");                   // /bin/sh -c 'ls -l | wc -l'
//     open_process({"ls", "-l", "/tmp"});              // exec, no shell
//     co_await run_process(Command::argv("ls", "-l")); // the form for co_await lines
//
// g++ 12 cannot compile a braced list of strings inside a co_await
// expression ("array used as initializer"), so write
// `co_await run_process(Command::argv(...))` there, or build the Command
// (or a std::vector<std::string>) on its own line first.
//
// An argument vector's first element is the program: a name without '/' is
// looked up in the PATH of the calling process (also when the child gets a
// different environment), a path is used as is.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coronet {

class Command {
  public:
    // A shell command line, run as /bin/sh -c COMMAND.
    Command(std::string shell_command)  // NOLINT: implicit, as Python's str
        : args_{std::move(shell_command)}, shell_(true) {}
    Command(std::string_view shell_command)  // NOLINT
        : Command(std::string(shell_command)) {}
    Command(const char* shell_command)  // NOLINT
        : Command(std::string(shell_command)) {}

    // An argument vector: program and arguments, no shell.
    Command(std::vector<std::string> argv) : args_(std::move(argv)) {}  // NOLINT
    Command(std::initializer_list<std::string> argv) : args_(argv) {}   // NOLINT

    template <class... Args>
    static Command argv(Args&&... args) {
        std::vector<std::string> v;
        v.reserve(sizeof...(Args));
        (v.emplace_back(std::forward<Args>(args)), ...);
        return Command(std::move(v));
    }

    bool is_shell() const noexcept { return shell_; }
    // The argument vector as given, or {command line} for a shell command.
    const std::vector<std::string>& args() const noexcept { return args_; }
    // The program that runs: argv[0], or /bin/sh.
    std::string program() const;
    // For messages: the command line, or the arguments joined with spaces
    // (quoted where a shell would split them).
    std::string to_string() const;

  private:
    std::vector<std::string> args_;
    bool shell_ = false;
};

}  // namespace coronet
