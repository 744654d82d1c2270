// The glue between CLI11 and the event loop: each subcommand registers its
// options on the root app and returns a Command whose `run` is called when
// the user picked it. run_in_loop() is how every `run` executes: one event
// loop, SIGINT/SIGTERM ending the work cleanly, every error one line.
#pragma once
#include <CLI/CLI.hpp>
#include <coronet/coronet.hpp>
#include <functional>
#include <string>

namespace coronet::cli {

struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

Command add_connect(CLI::App& root);
Command add_listen(CLI::App& root);
Command add_relay(CLI::App& root);
Command add_bench(CLI::App& root);
Command add_resolve(CLI::App& root);
Command add_demo(CLI::App& root);

// Runs `body` in a fresh event loop. Returns its exit code, 130 when a
// signal ended it (after `body` unwound), or report_error's code.
// With `soft_stop`, see run_until_interrupted.
int run_in_loop(std::string name, std::function<Task<int>()> body, Event* soft_stop = nullptr);

// Bytes from "64", "64B", "4k", "1M" (binary multiples).
std::size_t parse_size(const std::string& text, const char* what);
// Seconds from "10", "2.5s", "500ms", "1m", "1h".
double parse_seconds(const std::string& text, const char* what);

}  // namespace coronet::cli
