// open_process and Process: pipes, exit status, signals, spawn errors,
// cwd/env, redirections, cancellation, and no zombie or fd left behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <coronet/coronet.hpp>
#include <string>

#include "stream/process_test_support.hpp"
#include "stream/stream_test_support.hpp"

using namespace coronet;
using namespace std::chrono_literals;
using process_test::read_all;
using process_test::reaped;

TEST(Process, EchoThroughCat) {
    run([]() -> Task<void> {
        Process cat = open_process({"cat"});
        EXPECT_GT(cat.pid(), 0);
        EXPECT_FALSE(cat.command().is_shell());
        co_await cat.stdin().send("hello\n");
        co_await cat.stdin().send_eof();
        EXPECT_EQ((co_await read_all(cat.stdout())).str(), "hello\n");
        EXPECT_EQ((co_await read_all(cat.stderr())).str(), "");
        EXPECT_EQ(co_await cat.wait(), 0);
        EXPECT_EQ(cat.returncode(), 0);
        EXPECT_THROW(co_await cat.stdin().send("late"), ClosedResourceError);
        co_await cat.aclose();
        EXPECT_TRUE(reaped(cat.pid()));
    });
}

TEST(Process, ExitCodesAndReturncodeWhileRunning) {
    run([]() -> Task<void> {
        Process exit3 = open_process("exit 3");
        EXPECT_TRUE(exit3.command().is_shell());
        EXPECT_EQ(co_await exit3.wait(), 3);
        EXPECT_EQ(co_await exit3.wait(), 3);  // again: the stored status
        Process ok = open_process(Command::argv("true"), {.stdin = DEVNULL});
        EXPECT_EQ(co_await ok.wait(), 0);
        Process sleeper = open_process({"sleep", "30"});
        EXPECT_EQ(sleeper.returncode(), std::nullopt);
        sleeper.kill();
        EXPECT_EQ(co_await sleeper.wait(), -SIGKILL);
    });
}

TEST(Process, SignalsGiveNegativeReturncodes) {
    run([]() -> Task<void> {
        Process a = open_process({"sleep", "30"});
        a.terminate();
        EXPECT_EQ(co_await a.wait(), -SIGTERM);
        a.terminate();  // reaped: no effect, no error
        a.kill();
        Process b = open_process({"sleep", "30"});
        b.send_signal(SIGUSR1);
        EXPECT_EQ(co_await b.wait(), -SIGUSR1);
        Process c = open_process({"sleep", "30"});
        EXPECT_THROW(c.send_signal(12345), OSError);
        c.kill();
        EXPECT_EQ(co_await c.wait(), -SIGKILL);
    });
}

TEST(Process, ChildGetsNoBlockedSignalsFromTheLoop) {
    run([]() -> Task<void> {
        // The receiver blocks SIGTERM in this thread; the child must not
        // inherit that, or terminate() would not end it.
        auto receiver = open_signal_receiver({SIGTERM});
        Process p = open_process({"sleep", "30"});
        p.terminate();
        EXPECT_EQ(co_await p.wait(), -SIGTERM);
    });
}

TEST(Process, MissingProgramIsAClearError) {
    run([]() -> Task<void> {
        try {
            open_process({"coronet-no-such-program", "x"});
            ADD_FAILURE() << "no exception";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), ENOENT);
            EXPECT_NE(std::string(e.what()).find("coronet-no-such-program"), std::string::npos)
                << e.what();
        }
        try {
            open_process({"/dev/null"});
            ADD_FAILURE() << "no exception";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), EACCES);
            EXPECT_NE(std::string(e.what()).find("/dev/null"), std::string::npos) << e.what();
        }
        try {
            open_process({"true"}, {.cwd = "/coronet/no/such/dir"});
            ADD_FAILURE() << "no exception";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), ENOENT);
            EXPECT_NE(std::string(e.what()).find("/coronet/no/such/dir"), std::string::npos)
                << e.what();
        }
        co_return;
    });
}

TEST(Process, BadArgumentsAreClearErrors) {
    run([]() -> Task<void> {
        EXPECT_THROW(open_process(std::vector<std::string>{}), std::invalid_argument);
        EXPECT_THROW(open_process({""}), std::invalid_argument);
        EXPECT_THROW(open_process({"echo", std::string("a\0b", 3)}), std::invalid_argument);
        EXPECT_THROW(open_process(std::string("echo a\0b", 8)), std::invalid_argument);
        EXPECT_THROW(open_process({"true"}, {.stdin = STDOUT}), std::invalid_argument);
        EXPECT_THROW(open_process({"true"}, {.stdout = STDOUT}), std::invalid_argument);
        const EnvVar bad_names[] = {{"A=B", "1"}};
        EXPECT_THROW(open_process({"true"}, {.env = bad_names}), std::invalid_argument);
        const EnvVar empty_name[] = {{"", "1"}};
        EXPECT_THROW(open_process({"true"}, {.env = empty_name}), std::invalid_argument);
        try {
            open_process({"true"}, {.stdout = Redirect::from_fd(987654)});
            ADD_FAILURE() << "no exception";
        } catch (const OSError& e) {
            EXPECT_EQ(e.error_number(), EBADF);
            EXPECT_NE(std::string(e.what()).find("987654"), std::string::npos) << e.what();
        }
        Process p =
            open_process({"true"}, {.stdin = DEVNULL, .stdout = INHERIT, .stderr = DEVNULL});
        EXPECT_FALSE(p.has_stdin());
        EXPECT_FALSE(p.has_stdout());
        EXPECT_THROW(p.stdout(), std::logic_error);
        EXPECT_THROW(p.stdin(), std::logic_error);
        EXPECT_EQ(co_await p.wait(), 0);
    });
}

TEST(Process, CwdAndEnvironment) {
    run([]() -> Task<void> {
        auto pwd = co_await run_process("pwd", {.cwd = "/"});
        EXPECT_EQ(pwd.stdout.str(), "/\n");

        const EnvVar added[] = {{"CORONET_TEST_VAR", "some value"}, {"HOME", "/nowhere"}};
        auto echo =
            co_await run_process("echo \"$CORONET_TEST_VAR|$HOME|${PATH:+path}\"", {.env = added});
        EXPECT_EQ(echo.stdout.str(), "some value|/nowhere|path\n");

        const EnvVar only[] = {{"A", "1"}, {"B", "two words"}};
        auto env = co_await run_process(Command::argv("/usr/bin/env"),
                                        {.env = only, .inherit_env = false});
        EXPECT_EQ(env.stdout.str(), "A=1\nB=two words\n");
        auto empty = co_await run_process(Command::argv("/usr/bin/env"), {.inherit_env = false});
        EXPECT_EQ(empty.stdout.str(), "");
    });
}

TEST(Process, Redirections) {
    run([]() -> Task<void> {
        // stderr into stdout.
        auto both = co_await run_process("echo out; echo err >&2", {.stderr = STDOUT});
        EXPECT_EQ(both.stdout.str(), "out\nerr\n");
        EXPECT_EQ(both.stderr.str(), "");
        // DEVNULL stdin: cat sees EOF at once.
        auto none = co_await run_process(Command::argv("cat"), {.stdin = DEVNULL});
        EXPECT_EQ(none.stdout.str(), "");
        // DEVNULL stdout.
        auto quiet = co_await run_process("echo hidden", {.stdout = DEVNULL});
        EXPECT_EQ(quiet.stdout.str(), "");
        // A caller's fd as stdout (a pipe we read ourselves).
        int fds[2];
        CO_ASSERT(::pipe2(fds, O_CLOEXEC) == 0);
        Process p = open_process("echo via-fd", {.stdout = Redirect::from_fd(fds[1])});
        ::close(fds[1]);
        PipeReceiveStream reader{net::FileDescriptor(fds[0])};
        EXPECT_EQ((co_await read_all(reader)).str(), "via-fd\n");
        EXPECT_EQ(co_await p.wait(), 0);
        co_await reader.aclose();
    });
}

TEST(Process, StartNewSession) {
    run([]() -> Task<void> {
        // ps is not always installed; the shell reads its own session id
        // from /proc: field 6 of /proc/self/stat.
        auto same = co_await run_process("cut -d' ' -f6 /proc/$$/stat");
        auto fresh = co_await run_process("cut -d' ' -f6 /proc/$$/stat; echo $$",
                                          {.start_new_session = true});
        const std::string ours = std::to_string(::getsid(0)) + "\n";
        EXPECT_EQ(same.stdout.str(), ours);
        const std::string text = fresh.stdout.to_string();
        const auto nl = text.find('\n');
        CO_ASSERT(nl != std::string::npos);
        EXPECT_EQ(text.substr(0, nl), text.substr(nl + 1, text.size() - nl - 2))
            << "the child is not its own session leader: " << text;
    });
}

TEST(Process, OnlyStandardFdsReachTheChild) {
    run([]() -> Task<void> {
        // An fd without close-on-exec must still not reach the child.
        int leaky = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC, on purpose
        CO_ASSERT(leaky >= 0);
        auto listing = co_await run_process("ls /proc/$$/fd");
        ::close(leaky);
        EXPECT_EQ(listing.stdout.str(), "0\n1\n2\n");
    });
}

TEST(Process, LargeOutputOnBothStreamsAtOnce) {
    run([]() -> Task<void> {
        // Each stream is far bigger than a pipe: reading only one of them
        // first would deadlock.
        auto r = co_await run_process(
            "head -c 6291456 /dev/zero & head -c 5242880 /dev/zero | tr '\\0' e >&2; wait");
        EXPECT_EQ(r.stdout.size(), 6291456u);
        EXPECT_EQ(r.stderr.size(), 5242880u);
        EXPECT_EQ(r.stderr.str().find_first_not_of('e'), std::string::npos);
        // And input fed while the output is collected.
        Bytes input;
        input.resize_uninitialized(std::size_t{5} << 20);
        for (std::size_t i = 0; i < input.size(); ++i)
            input[i] = static_cast<std::byte>(i * 7 + i / 4096);
        auto echoed = co_await run_process(Command::argv("cat"), {.input = input});
        EXPECT_TRUE(echoed.stdout == input);
    });
}

TEST(Process, WaitIsCancellable) {
    run([]() -> Task<void> {
        Process p = open_process({"sleep", "30"});
        EXPECT_EQ(co_await move_on_after(5ms, p.wait()), std::nullopt);
        EXPECT_EQ(p.returncode(), std::nullopt);  // still running
        p.kill();
        EXPECT_EQ(co_await p.wait(), -SIGKILL);
    });
}

TEST(Process, CancelledACloseKillsAndReaps) {
    run([]() -> Task<void> {
        // sleep ignores its closed pipes: aclose waits until cancelled,
        // then kills and still reaps.
        Process p = open_process({"sleep", "30"});
        EXPECT_FALSE(co_await move_on_after(5ms, p.aclose()));
        EXPECT_EQ(p.returncode(), -SIGKILL);
        EXPECT_TRUE(reaped(p.pid()));
        EXPECT_THROW(co_await p.stdout().receive(), ClosedResourceError);
    });
}

TEST(Process, ACloseWaitsForAGracefulExit) {
    run([]() -> Task<void> {
        Process p = open_process({"cat"});
        co_await p.stdin().send("unread");
        co_await p.aclose();  // cat sees EOF on stdin and exits
        const auto code = p.returncode();
        CO_ASSERT(code.has_value());
        // cat may or may not have written before its stdout closed.
        EXPECT_TRUE(*code == 0 || *code == 1 || *code == -SIGPIPE) << *code;
        EXPECT_TRUE(reaped(p.pid()));
    });
}

TEST(Process, DestroyingARunningProcessLeavesNoZombie) {
    pid_t running = -1;
    pid_t exited = -1;
    run([&]() -> Task<void> {
        {
            Process p = open_process({"sleep", "30"});
            running = p.pid();
        }
        {
            Process q = open_process("exit 0", {.stdin = DEVNULL});
            exited = q.pid();
            co_await sleep(10ms);  // exits meanwhile, never waited for
        }
    });
    EXPECT_TRUE(reaped(running));
    EXPECT_TRUE(reaped(exited));
    // Outside any loop too.
    pid_t outside = -1;
    {
        Process p = open_process({"sleep", "30"});
        outside = p.pid();
    }
    EXPECT_TRUE(reaped(outside));
}

TEST(Process, MovedProcessKeepsTheChild) {
    run([]() -> Task<void> {
        Process a = open_process({"cat"});
        Process b = std::move(a);
        co_await b.stdin().send("moved");
        co_await b.stdin().aclose();
        EXPECT_EQ((co_await read_all(b.stdout())).str(), "moved");
        EXPECT_EQ(co_await b.wait(), 0);
        EXPECT_THROW(co_await a.wait(), std::logic_error);
        Process c = open_process({"sleep", "30"});
        const pid_t old = c.pid();
        c = std::move(b);  // kills and reaps the sleep
        EXPECT_TRUE(reaped(old));
        EXPECT_EQ(c.returncode(), 0);
    });
}

TEST(Process, ManyWaitersAtOnce) {
    run([]() -> Task<void> {
        Process p = open_process({"sleep", "30"});
        int finished = 0;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            for (int i = 0; i < 3; ++i) {
                tg.spawn([&]() -> Task<void> {
                    EXPECT_EQ(co_await p.wait(), -SIGTERM);
                    ++finished;
                });
            }
            co_await sleep(2ms);
            p.terminate();
        });
        EXPECT_EQ(finished, 3);
    });
}

TEST(Process, ChildStartsWithDefaultSigpipeAndNoBlockedSignals) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction previous {};
    ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &previous), 0);
    run([]() -> Task<void> {
        auto receiver = open_signal_receiver({SIGUSR2});  // blocks SIGUSR2 here
        auto status =
            co_await run_process(Command::argv("grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"));
        // SigIgn may hold what our own parent ignored (we reset only SIGPIPE
        // and SIGXFSZ, as Python does).
        const std::string text = status.stdout.to_string();
        const auto ign = text.find("SigIgn:\t");
        CO_ASSERT(text.starts_with("SigBlk:\t0000000000000000\n") && ign != std::string::npos);
        const unsigned long long ignored = std::stoull(text.substr(ign + 8), nullptr, 16);
        EXPECT_EQ(ignored & (1ull << (SIGPIPE - 1)), 0u) << text;
        EXPECT_EQ(ignored & (1ull << (SIGXFSZ - 1)), 0u) << text;
    });
    ::sigaction(SIGPIPE, &previous, nullptr);
}

TEST(Process, WritingToAnExitedChildIsBrokenResourceError) {
    run([]() -> Task<void> {
        Process p = open_process("exit 0");
        EXPECT_EQ(co_await p.wait(), 0);
        Bytes chunk(std::size_t{64} << 10);
        try {
            co_await p.stdin().send(chunk);
            ADD_FAILURE() << "no exception";
        } catch (const BrokenResourceError& e) {
            EXPECT_EQ(e.error_number(), EPIPE);
        }
        EXPECT_THROW(co_await p.stdout().receive(), EndOfStream);
        co_await p.aclose();
    });
}
