// `coronet listen --exec CMD`: a child per connection, its stdin and stdout
// the connection, with half-close both ways; children are always reaped.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cli_process.hpp"

namespace coronet::tools_test {
namespace {

std::string url_of(Child& listener) {
    const int port = listener.listening_port();
    EXPECT_GT(port, 0) << listener.err();
    return "tcp://127.0.0.1:" + std::to_string(port);
}

// The connection's end closes cat's stdin; cat's end half-closes the
// connection; --max-conns 2 serves two and exits 0.
TEST(CliExec, CatEchoesEachConnection) {
    ScratchDir dir;
    Child listener(dir, {"listen", "tcp://127.0.0.1:0", "--exec", "cat", "--max-conns", "2"});
    const std::string url = url_of(listener);
    for (int i = 0; i < 2; ++i) {
        const std::string text = "line " + std::to_string(i) + "\nand more\n";
        write_file(dir.path("in"), text);
        RunResult client = run_cli(dir, {"connect", url}, dir.path("in"));
        EXPECT_EQ(client.code, 0) << client.err;
        EXPECT_EQ(client.out, text);
    }
    EXPECT_EQ(listener.wait(), 0) << listener.err();
}

// The command goes through /bin/sh -c (a pipeline works), and a larger
// transfer passes through the child intact.
TEST(CliExec, ShellPipelineOnAUnixSocket) {
    ScratchDir dir;
    const std::string url = "unix:" + dir.path("exec.sock");
    Child listener(dir, {"listen", "-v", url, "--exec", "tr a-z A-Z | cat", "--max-conns", "1"});
    ASSERT_TRUE(listener.wait_for_err("listening on")) << listener.err();
    std::string text;
    for (int i = 0; text.size() < (1u << 20); ++i)
        text += "line number " + std::to_string(i) + "\n";
    write_file(dir.path("in"), text);
    RunResult client = run_cli(dir, {"connect", url}, dir.path("in"));
    EXPECT_EQ(client.code, 0) << client.err;
    std::string upper = text;
    for (char& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(client.out == upper) << client.out.size() << " bytes, expected " << upper.size();
    EXPECT_EQ(listener.wait(), 0) << listener.err();
}

// A command that prints and exits without reading: the client gets the
// output and a clean end (no reset), also when it sends a lot; the
// child's stderr is the listener's.
TEST(CliExec, CommandThatPrintsAndExits) {
    ScratchDir dir;
    Child listener(dir, {"listen", "tcp://127.0.0.1:0", "--exec",
                         "echo printed; echo to-stderr >&2; exit 3", "--max-conns", "2"});
    const std::string url = url_of(listener);
    RunResult quiet = run_cli(dir, {"connect", url});
    EXPECT_EQ(quiet.code, 0) << quiet.err;
    EXPECT_EQ(quiet.out, "printed\n");
    write_file(dir.path("big"), std::string(4u << 20, 'x'));
    RunResult talkative = run_cli(dir, {"connect", url}, dir.path("big"));
    EXPECT_EQ(talkative.code, 0) << talkative.err;
    EXPECT_EQ(talkative.out, "printed\n");
    EXPECT_EQ(listener.wait(), 0) << listener.err();
    EXPECT_NE(listener.err().find("to-stderr"), std::string::npos) << listener.err();
}

bool process_gone(const std::string& pid) {
    const auto deadline = std::chrono::steady_clock::now() + kHangLimit;
    while (std::filesystem::exists("/proc/" + pid)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

// Each child is reaped while the listener keeps serving (--keep-open): its
// /proc entry (which a zombie keeps) goes away.
TEST(CliExec, ChildrenAreReaped) {
    ScratchDir dir;
    Child listener(dir, {"listen", "tcp://127.0.0.1:0", "--exec", "echo $$", "--keep-open"});
    const std::string url = url_of(listener);
    for (int i = 0; i < 3; ++i) {
        RunResult client = run_cli(dir, {"connect", url});
        ASSERT_EQ(client.code, 0) << client.err;
        ASSERT_TRUE(client.out.ends_with("\n")) << client.out;
        const std::string pid = client.out.substr(0, client.out.size() - 1);
        ASSERT_GT(std::atoi(pid.c_str()), 1) << client.out;
        EXPECT_TRUE(process_gone(pid)) << "child " << pid << " was not reaped";
    }
    EXPECT_TRUE(std::filesystem::exists("/proc/" + std::to_string(listener.pid())));
    listener.send_signal(SIGINT);
    EXPECT_EQ(listener.wait(), 130) << listener.err();
}

// Ctrl-C while a child runs: the child is killed and reaped, the listener
// exits 130.
TEST(CliExec, SigintKillsARunningChild) {
    ScratchDir dir;
    Child listener(dir, {"listen", "tcp://127.0.0.1:0", "--exec", "echo $$; exec sleep 600"});
    const std::string url = url_of(listener);
    Child client(dir, {"connect", url}, {.stdin_pipe = true});
    ASSERT_TRUE(client.wait_for_out("\n")) << client.err();
    const std::string pid = client.out().substr(0, client.out().size() - 1);
    listener.send_signal(SIGINT);
    EXPECT_EQ(listener.wait(), 130) << listener.err();
    EXPECT_TRUE(process_gone(pid)) << "child " << pid << " still exists";
    client.close_stdin();
    EXPECT_EQ(client.wait(), 0) << client.err();
}

}  // namespace
}  // namespace coronet::tools_test
