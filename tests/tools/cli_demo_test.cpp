// `coronet demo`, `coronet resolve` and the help texts.
#include <gtest/gtest.h>

#include "cli_process.hpp"

namespace coronet::tools_test {
namespace {

TEST(CliDemo, PassesEveryStep) {
    ScratchDir dir;
    RunResult demo = run_cli(dir, {"demo", "--duration", "1s"});
    EXPECT_EQ(demo.code, 0) << demo.out << demo.err;
    EXPECT_NE(demo.out.find("all 6 steps passed"), std::string::npos) << demo.out;
    for (const char* step :
         {"TCP stream", "UNIX stream", "passing a descriptor", "UDP", "UNIX datagram", "req/s"}) {
        EXPECT_NE(demo.out.find(step), std::string::npos) << step;
    }
    EXPECT_EQ(demo.out.find("FAIL"), std::string::npos) << demo.out;
    EXPECT_EQ(demo.err, "");
}

TEST(CliResolve, NumericAndLocalNames) {
    ScratchDir dir;
    RunResult v4 = run_cli(dir, {"resolve", "127.0.0.1"});
    EXPECT_EQ(v4.code, 0) << v4.err;
    EXPECT_EQ(v4.out, "ipv4 127.0.0.1\n");
    RunResult with_port = run_cli(dir, {"resolve", "::1", "8080"});
    EXPECT_EQ(with_port.code, 0) << with_port.err;
    EXPECT_EQ(with_port.out, "ipv6 [::1]:8080\n");
    RunResult local = run_cli(dir, {"resolve", "localhost", "-4"});
    EXPECT_EQ(local.code, 0) << local.err;
    EXPECT_NE(local.out.find("ipv4 127.0.0.1\n"), std::string::npos) << local.out;
    EXPECT_EQ(local.out.find("ipv6"), std::string::npos) << local.out;
}

TEST(CliHelp, EverySubcommandHasHelpWithExamples) {
    ScratchDir dir;
    RunResult version = run_cli(dir, {"--version"});
    EXPECT_EQ(version.code, 0);
    EXPECT_TRUE(version.out.starts_with("coronet 0.")) << version.out;
    RunResult top = run_cli(dir, {"--help"});
    EXPECT_EQ(top.code, 0);
    EXPECT_NE(top.out.find("Exit codes: 0 ok, 1 peer or network error, 2 usage error"),
              std::string::npos)
        << top.out;
    for (const char* command : {"connect", "listen", "relay", "bench", "resolve", "demo"}) {
        SCOPED_TRACE(command);
        RunResult help = run_cli(dir, {command, "--help"});
        EXPECT_EQ(help.code, 0);
        EXPECT_NE(top.out.find(command), std::string::npos);
        EXPECT_NE(help.out.find("Usage: coronet " + std::string(command)), std::string::npos)
            << help.out;
        EXPECT_NE(help.out.find("coronet " + std::string(command) + " "), std::string::npos);
        EXPECT_NE(help.out.find("Example"), std::string::npos) << help.out;
    }
}

// docs/cli.md documents every command and every option `--help` lists.
TEST(CliHelp, DocsNameEveryOptionOfEveryCommand) {
    ScratchDir dir;
    const std::string doc = read_file(CORONET_CLI_DOC);
    ASSERT_FALSE(doc.empty());
    for (const char* command : {"connect", "listen", "relay", "bench", "resolve", "demo"}) {
        SCOPED_TRACE(command);
        EXPECT_NE(doc.find("## " + std::string(command) + "\n"), std::string::npos);
        EXPECT_NE(doc.find("coronet " + std::string(command) + " [OPTIONS]"), std::string::npos);
        const std::string help = run_cli(dir, {command, "--help"}).out;
        std::size_t at = 0;
        int options = 0;
        while ((at = help.find("\n  -", at)) != std::string::npos) {
            at += 3;
            const std::size_t end = help.find_first_of(" \n", at);
            std::string names = help.substr(at, end - at);  // "-c,--connections"
            const std::size_t comma = names.find(',');
            const std::string longest =
                comma == std::string::npos ? names : names.substr(comma + 1);
            if (longest == "--help") continue;
            ++options;
            EXPECT_NE(doc.find(longest), std::string::npos) << longest << " is not in docs/cli.md";
        }
        EXPECT_GE(options, std::string(command) == "demo" ? 1 : 2);
    }
}

}  // namespace
}  // namespace coronet::tools_test
