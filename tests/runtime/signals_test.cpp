#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <coronet/coronet.hpp>
#include <coronet/runtime/event_loop.hpp>
#include <coronet/runtime/signal_receiver.hpp>
#include <coronet/runtime/signals.hpp>

using namespace coronet;
using namespace std::chrono_literals;

namespace {
bool blocked_here(int sig) {
    sigset_t mask;
    pthread_sigmask(SIG_BLOCK, nullptr, &mask);
    return sigismember(&mask, sig) == 1;
}
std::string message_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no exception";
}
}  // namespace

TEST(Signals, ReceiverGetsRaisedAndKilledSignals) {
    ASSERT_FALSE(blocked_here(SIGUSR1));
    run([]() -> Task<void> {
        auto receiver = open_signal_receiver({SIGUSR1, SIGUSR2});
        EXPECT_TRUE(blocked_here(SIGUSR1));
        ::raise(SIGUSR1);
        EXPECT_EQ(co_await receiver.next(), SIGUSR1);
        ::kill(::getpid(), SIGUSR2);
        EXPECT_EQ(co_await receiver.next(), SIGUSR2);
        // Nothing pending: the wait is cancellable.
        EXPECT_FALSE(co_await move_on_after(1ms, receiver.next()));
        receiver.close();
        EXPECT_THROW(co_await receiver.next(), ClosedResourceError);
    });
    EXPECT_FALSE(blocked_here(SIGUSR1));
    EXPECT_FALSE(blocked_here(SIGUSR2));
}

TEST(Signals, HandlerRunsOnTheLoopAndExceptionsGoToTheHandler) {
    EventLoop loop;
    int calls = 0;
    std::string reported;
    loop.set_exception_handler([&](Loop&, const ExceptionContext& ctx) {
        reported = ctx.message;
        loop.stop();
    });
    loop.add_signal_handler(SIGUSR1, [&] {
        ++calls;
        ::kill(::getpid(), SIGUSR2);
    });
    loop.add_signal_handler(SIGUSR2, [&] { throw std::runtime_error("handler failed"); });
    loop.call_soon([] { ::kill(::getpid(), SIGUSR1); });
    loop.run_forever();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(reported, "exception in the signal handler for SIGUSR2");
    EXPECT_TRUE(loop.remove_signal_handler(SIGUSR1));
    EXPECT_FALSE(loop.remove_signal_handler(SIGUSR1));
    EXPECT_TRUE(loop.remove_signal_handler(SIGUSR2));
    EXPECT_FALSE(blocked_here(SIGUSR1));
    loop.close();
}

TEST(Signals, InvalidAndUncatchableSignalsAreRejected) {
    EventLoop loop;
    EXPECT_EQ(message_of([&] { loop.add_signal_handler(SIGKILL, [] {}); }),
              "add_signal_handler: SIGKILL (9) cannot be caught, blocked or ignored");
    EXPECT_EQ(message_of([&] { loop.add_signal_handler(SIGSTOP, [] {}); }),
              "add_signal_handler: SIGSTOP (19) cannot be caught, blocked or ignored");
    EXPECT_NE(message_of([&] {
                  loop.add_signal_handler(0, [] {});
              }).find("add_signal_handler: 0 is not a valid signal number"),
              std::string::npos);
    EXPECT_NE(message_of([&] { loop.add_signal_handler(NSIG, [] {}); }).find("is not a valid"),
              std::string::npos);
    run([]() -> Task<void> {
        EXPECT_NE(message_of([] {
                      open_signal_receiver({SIGINT, SIGKILL});
                  }).find("open_signal_receiver: SIGKILL"),
                  std::string::npos);
        EXPECT_FALSE(blocked_here(SIGINT));  // nothing half-registered
        co_return;
    });
    EXPECT_EQ(signal_name(SIGINT), "SIGINT");
    loop.close();
}
