#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <thread>

#include <coronet/backend/driver.hpp>
#include <coronet/coronet.hpp>
#include <coronet/runtime/event_loop.hpp>
#include <coronet/runtime/fd_wait.hpp>
#include <coronet/runtime/fd_watchers.hpp>

#include "support/forwarding_driver.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
struct Pair {
    int fd[2];
    Pair() {
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0);
    }
    ~Pair() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
};
}  // namespace

TEST(FdWait, ReadableAfterPeerWritesAndWritableAtOnce) {
    Pair p;
    run([&]() -> Task<void> {
        co_await wait_writable(p.fd[0]);
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await sleep(1ms);
                EXPECT_EQ(::write(p.fd[1], "x", 1), 1);
            });
            co_await wait_readable(p.fd[0]);
            char c = 0;
            EXPECT_EQ(::read(p.fd[0], &c, 1), 1);
            EXPECT_EQ(c, 'x');
        });
        notify_closing(p.fd[0]);
        notify_closing(p.fd[1]);
    });
}

TEST(FdWait, CancellableAndNotifyClosing) {
    Pair p;
    run([&]() -> Task<void> {
        EXPECT_FALSE(co_await move_on_after(1ms, wait_readable(p.fd[0])));
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                EXPECT_THROW(co_await wait_readable(p.fd[0]), ClosedResourceError);
            });
            co_await sleep(1ms);
            notify_closing(p.fd[0]);
        });
        EXPECT_THROW(co_await wait_readable(-5), OSError);
    });
}

namespace {
// A driver that counts the forget_fd calls it is given.
class CountingDriver final : public coronet::test::ForwardingDriver {
  public:
    CountingDriver(int& forgotten, int fd) : forgotten_(forgotten), fd_(fd) {}
    void forget_fd(int fd) noexcept override {
        if (fd == fd_) ++forgotten_;
        ForwardingDriver::forget_fd(fd);
    }

  private:
    int& forgotten_;
    int fd_;
};
}  // namespace

TEST(FdWait, NotifyClosingOnThisThreadReachesEveryIdleLoopOfTheThread) {
    Pair p;
    notify_closing_on_this_thread(p.fd[0]);  // no loop alive: nothing to tell
    int forgotten_a = 0, forgotten_b = 0, forgotten_elsewhere = 0;
    {
        Loop a(std::make_unique<CountingDriver>(forgotten_a, p.fd[0]));
        Loop b(std::make_unique<CountingDriver>(forgotten_b, p.fd[0]));
        std::thread other([&] {
            Loop c(std::make_unique<CountingDriver>(forgotten_elsewhere, p.fd[0]));
            // Made and gone on another thread: never told.
        });
        other.join();
        std::optional<Loop> gone(std::in_place,
                                 std::make_unique<CountingDriver>(forgotten_elsewhere, p.fd[0]));
        gone.reset();
        notify_closing_on_this_thread(p.fd[0]);
    }
    EXPECT_EQ(forgotten_a, 1);
    EXPECT_EQ(forgotten_b, 1);
    EXPECT_EQ(forgotten_elsewhere, 0);
    notify_closing_on_this_thread(p.fd[0]);  // both gone again
    EXPECT_EQ(forgotten_a, 1);
}

TEST(FdWatchers, ReaderRunsUntilRemovedAndReplaces) {
    Pair p;
    EventLoop loop;
    int first = 0;
    int second = 0;
    loop.add_reader(p.fd[0], [&] { ++first; });
    loop.add_reader(p.fd[0], [&] {  // replaces the first
        char buf[8];
        const auto n = ::read(p.fd[0], buf, sizeof buf);
        if (n > 0) second += static_cast<int>(n);
        if (second == 3) {
            EXPECT_TRUE(loop.remove_reader(p.fd[0]));
            loop.stop();
        }
    });
    int writes = 0;
    loop.add_writer(p.fd[1], [&] {
        EXPECT_EQ(::write(p.fd[1], "y", 1), 1);
        if (++writes == 3) {
            EXPECT_TRUE(loop.remove_writer(p.fd[1]));
        }
    });
    loop.run_forever();
    EXPECT_EQ(first, 0);
    EXPECT_EQ(second, 3);
    EXPECT_FALSE(loop.remove_reader(p.fd[0]));
    EXPECT_FALSE(loop.remove_writer(p.fd[1]));
    EXPECT_THROW(loop.add_reader(-1, [] {}), std::invalid_argument);
    loop.close();
}

TEST(FdWatchers, CallbackExceptionGoesToTheHandler) {
    Pair p;
    EventLoop loop;
    int reported = 0;
    loop.set_exception_handler([&](Loop&, const ExceptionContext& ctx) {
        ++reported;
        EXPECT_NE(ctx.message.find("fd watcher"), std::string::npos);
        loop.stop();
    });
    loop.add_writer(p.fd[0], [] { throw std::runtime_error("boom"); });
    loop.run_forever();
    EXPECT_GE(reported, 1);
    loop.close();  // removes the watch
}
