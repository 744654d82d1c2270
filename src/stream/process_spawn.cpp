#include "stream/process_spawn.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace coronet::stream_detail {
namespace {

net::StdioSpec to_stdio(const Redirect& redirect) {
    switch (redirect.kind) {
        case Redirect::Kind::pipe:
            return {net::StdioKind::pipe};
        case Redirect::Kind::devnull:
            return {net::StdioKind::devnull};
        case Redirect::Kind::inherit:
            return {net::StdioKind::inherit};
        case Redirect::Kind::to_stdout:
            return {net::StdioKind::to_stdout};
        case Redirect::Kind::fd:
            return {net::StdioKind::fd, redirect.fd};
    }
    throw std::invalid_argument("open_process: unknown redirection");
}

}  // namespace

net::SpawnedChild spawn_child(const Command& command, const ProcessOptions& options) {
    net::SpawnSpec spec;
    spec.caller = "open_process";
    if (command.is_shell()) {
        if (command.args().front().find('\0') != std::string::npos) {
            throw std::invalid_argument("open_process: the shell command contains a NUL byte");
        }
        spec.argv = {"/bin/sh", "-c", command.args().front()};
    } else {
        spec.argv = command.args();
        spec.search_path = !spec.argv.empty() && spec.argv.front().find('/') == std::string::npos;
    }
    spec.stdio[0] = to_stdio(options.stdin);
    spec.stdio[1] = to_stdio(options.stdout);
    spec.stdio[2] = to_stdio(options.stderr);
    spec.cwd = std::string(options.cwd);
    if (!options.inherit_env || !options.env.empty()) {
        std::vector<std::pair<std::string_view, std::string_view>> vars;
        for (const EnvVar& var : options.env)
            vars.emplace_back(var.name, var.value);
        spec.env = net::merge_environment("open_process", options.inherit_env, vars);
    }
    spec.new_session = options.start_new_session;
    return net::spawn_child(spec);
}

}  // namespace coronet::stream_detail
