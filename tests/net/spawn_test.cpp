// The layer-neutral spawning helper: pipes, status decoding, errors,
// reaping through the pidfd.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "coronet/base/errors.hpp"
#include "coronet/net/spawn.hpp"

namespace coronet::net {
namespace {

std::string read_all(int fd) {
    std::string out;
    char buf[256];
    for (int i = 0; i < 1000; ++i) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, std::size_t(n));
    }
    return out;
}

int wait_exit(int pidfd) {
    pollfd p{pidfd, POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 30000), 1);
    auto code = try_reap(pidfd);
    EXPECT_TRUE(code.has_value());
    return code.value_or(-1000);
}

TEST(Spawn, PipesCarryTheChildsStreams) {
    SpawnSpec spec;
    spec.argv = {"/bin/sh", "-c", "read x; echo out:$x; echo err:$x >&2; exit 3"};
    SpawnedChild child = spawn_child(spec);
    ASSERT_TRUE(child.pipes[0] && child.pipes[1] && child.pipes[2]);
    ASSERT_EQ(::write(child.pipes[0].get(), "hi\n", 3), 3);
    child.pipes[0].reset();
    EXPECT_EQ(read_all(child.pipes[1].get()), "out:hi\n");
    EXPECT_EQ(read_all(child.pipes[2].get()), "err:hi\n");
    EXPECT_EQ(wait_exit(child.pidfd.get()), 3);
}

TEST(Spawn, EnvironmentAndSearchPath) {
    SpawnSpec spec;
    spec.argv = {"sh", "-c", "echo $FOO"};
    spec.search_path = true;
    spec.stdio[0].kind = StdioKind::devnull;
    spec.stdio[2].kind = StdioKind::to_stdout;
    const std::pair<std::string_view, std::string_view> vars[] = {{"FOO", "bar"}};
    spec.env = merge_environment("test", true, vars);
    SpawnedChild child = spawn_child(spec);
    EXPECT_FALSE(child.pipes[0]);
    EXPECT_FALSE(child.pipes[2]);
    EXPECT_EQ(read_all(child.pipes[1].get()), "bar\n");
    EXPECT_EQ(wait_exit(child.pidfd.get()), 0);
}

TEST(Spawn, SignalsGiveNegativeCodesAndKillAndReapLeavesNoZombie) {
    SpawnSpec spec;
    spec.argv = {"/bin/sleep", "30"};
    for (auto& s : spec.stdio)
        s.kind = StdioKind::devnull;
    SpawnedChild child = spawn_child(spec);
    EXPECT_EQ(try_reap(child.pidfd.get()), std::nullopt);
    ASSERT_EQ(pidfd_send_signal(child.pidfd.get(), SIGTERM), 0);
    EXPECT_EQ(wait_exit(child.pidfd.get()), -SIGTERM);

    SpawnedChild other = spawn_child(spec);
    EXPECT_EQ(kill_and_reap(other.pidfd.get()), -SIGKILL);
    EXPECT_THROW(try_reap(other.pidfd.get()), OSError);  // already reaped: ECHILD
}

TEST(Spawn, BadInputIsAClearError) {
    SpawnSpec spec;
    spec.caller = "mine";
    EXPECT_THROW(spawn_child(spec), std::invalid_argument);
    spec.argv = {"/nonexistent/program"};
    try {
        spawn_child(spec);
        FAIL() << "spawned a missing program";
    } catch (const OSError& e) {
        EXPECT_NE(std::string(e.what()).find("mine: cannot execute"), std::string::npos);
        EXPECT_EQ(e.code().value(), ENOENT);
    }
    spec.argv = {"/bin/true"};
    spec.stdio[1].kind = StdioKind::to_stdout;
    EXPECT_THROW(spawn_child(spec), std::invalid_argument);
    const std::pair<std::string_view, std::string_view> bad[] = {{"A=B", "x"}};
    EXPECT_THROW(merge_environment("mine", false, bad), std::invalid_argument);
}

}  // namespace
}  // namespace coronet::net
