// coronet: nc, socat and wrk's everyday jobs in one tool, on coronet's public
// API. See docs/cli.md; every subcommand lives in its own cmd_*.cpp.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <coronet/version.hpp>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_error.hpp"
#include "command.hpp"

namespace {

constexpr const char* kFooter =
    R"(URLs: tcp://HOST:PORT  tls://HOST:PORT  udp://HOST:PORT  unix:PATH  unix:@NAME  unix-dgram:PATH
Exit codes: 0 ok, 1 peer or network error, 2 usage error, 130 interrupted (SIGINT/SIGTERM).
Run 'coronet demo' to see it all at work; 'coronet COMMAND --help' for each command.)";

}  // namespace

int main(int argc, char** argv) {
    using namespace coronet::cli;
    // A closed stdout is an error to report (EPIPE), not a silent death.
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App app("coronet: connect, listen, relay and benchmark sockets (nc, socat and wrk's jobs)",
                 "coronet");
    app.footer(kFooter);
    app.require_subcommand(1);
    app.set_version_flag("--version", CORONET_VERSION_STRING);
    std::vector<Command> commands = {add_connect(app), add_listen(app),  add_relay(app),
                                     add_bench(app),   add_resolve(app), add_demo(app)};
    // CLI11 would call a misspelt command a missing one; name it instead.
    if (argc > 1 && argv[1][0] != '-') {
        const std::string word = argv[1];
        const bool known = std::any_of(commands.begin(), commands.end(),
                                       [&](const Command& c) { return c.app->get_name() == word; });
        if (!known) {
            std::fprintf(stderr,
                         "coronet: unknown command '%s' (connect, listen, relay, bench, resolve, "
                         "demo; see 'coronet --help')\n",
                         word.c_str());
            return kExitUsage;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return kExitOk;
    } catch (const CLI::CallForAllHelp&) {
        std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
        return kExitOk;
    } catch (const CLI::CallForVersion& e) {
        std::printf("coronet %s\n", e.what());
        return kExitOk;
    } catch (const CLI::Success&) {
        return kExitOk;
    } catch (const CLI::ParseError& e) {
        // CLI11 prints help for a subcommand's --help through CallForHelp on
        // the root; every other parse error is one line, exit code 2.
        std::string where = "coronet";
        for (const CLI::App* sub : app.get_subcommands())
            where += " " + sub->get_name();
        std::fprintf(stderr, "%s: %s (see '%s --help')\n", where.c_str(), e.what(), where.c_str());
        return kExitUsage;
    }
    for (const Command& command : commands) {
        if (command.app->parsed()) return command.run();
    }
    return kExitUsage;
}
