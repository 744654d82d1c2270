// run_process: collection, check and CalledProcessError, input, options,
// cancellation (the child is killed and reaped).
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <coronet/coronet.hpp>
#include <fstream>
#include <string>

#include "stream/process_test_support.hpp"
#include "stream/stream_test_support.hpp"

using namespace coronet;
using namespace std::chrono_literals;
using process_test::reaped;

TEST(RunProcess, CollectsOutputAndStatus) {
    run([]() -> Task<void> {
        CompletedProcess r = co_await run_process("echo hello; echo oops >&2");
        EXPECT_EQ(r.returncode, 0);
        EXPECT_EQ(r.stdout.str(), "hello\n");
        EXPECT_EQ(r.stderr.str(), "oops\n");
        EXPECT_TRUE(r.args.is_shell());
        EXPECT_EQ(r.args.to_string(), "echo hello; echo oops >&2");
        r.check_returncode();
        auto sorted = co_await run_process(Command::argv("sort"), {.input = "b\nc\na\n"});
        EXPECT_EQ(sorted.stdout.str(), "a\nb\nc\n");
        EXPECT_EQ(sorted.args.args(), (std::vector<std::string>{"sort"}));
    });
}

TEST(RunProcess, CheckRaisesCalledProcessError) {
    run([]() -> Task<void> {
        try {
            co_await run_process("echo partial; echo why >&2; exit 7");
            ADD_FAILURE() << "no exception";
        } catch (const CalledProcessError& e) {
            EXPECT_EQ(e.returncode(), 7);
            EXPECT_EQ(e.stdout().str(), "partial\n");
            EXPECT_EQ(e.stderr().str(), "why\n");
            EXPECT_EQ(e.command().to_string(), "echo partial; echo why >&2; exit 7");
            EXPECT_EQ(std::string(e.what()),
                      "Command 'echo partial; echo why >&2; exit 7' returned non-zero exit "
                      "status 7");
        }
        try {
            co_await run_process(Command::argv("sh", "-c", "kill -TERM $$"));
            ADD_FAILURE() << "no exception";
        } catch (const CalledProcessError& e) {
            EXPECT_EQ(e.returncode(), -SIGTERM);
            const std::string what = e.what();
            EXPECT_NE(what.find("'sh -c 'kill -TERM $$''"), std::string::npos) << what;
            EXPECT_NE(what.find("died with signal 15"), std::string::npos) << what;
        }
        auto unchecked = co_await run_process("exit 4", {.check = false});
        EXPECT_EQ(unchecked.returncode, 4);
        EXPECT_THROW(unchecked.check_returncode(), CalledProcessError);
    });
}

TEST(RunProcess, MissingProgramAndBadOptions) {
    run([]() -> Task<void> {
        EXPECT_THROW(co_await run_process(Command::argv("coronet-no-such-program")), OSError);
        EXPECT_THROW(co_await run_process("true", {.input = "x", .stdin = DEVNULL}),
                     std::invalid_argument);
    });
}

TEST(RunProcess, ChildNotReadingItsInputIsNoError) {
    run([]() -> Task<void> {
        Bytes big(std::size_t{4} << 20);
        auto r = co_await run_process("exit 0", {.input = big});
        EXPECT_EQ(r.returncode, 0);
    });
}

TEST(RunProcess, StdinChoices) {
    run([]() -> Task<void> {
        // An explicit stdin pipe with no input: the child reads EOF.
        auto piped = co_await run_process(Command::argv("cat"), {.stdin = PIPE});
        EXPECT_EQ(piped.stdout.str(), "");
        auto devnull = co_await run_process(Command::argv("wc", "-c"), {.stdin = DEVNULL});
        EXPECT_EQ(devnull.stdout.str(), "0\n");
    });
}

TEST(RunProcess, CancellationKillsAndReapsTheChild) {
    char path[] = "/tmp/coronet-run-process-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    run([&]() -> Task<void> {
        const std::string script = std::string("echo $$ > ") + path + "; exec sleep 30";
        auto r = co_await move_on_after(300ms, run_process(script));
        EXPECT_EQ(r, std::nullopt);
        co_return;
    });
    std::ifstream in(path);
    pid_t pid = 0;
    in >> pid;
    ::unlink(path);
    ASSERT_GT(pid, 0) << "the child did not start within the deadline";
    EXPECT_TRUE(reaped(pid));
}
