// The bridge from tasks to backend operations: inline completion, waiting,
// cancellation that keeps completed data, and the fairness budget.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <coronet/coronet.hpp>
#include <coronet/runtime/operation_awaiter.hpp>
#include <string>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

struct SocketPair {
    int fd[2] = {-1, -1};
    SocketPair() {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd) != 0) {
            throw std::runtime_error("socketpair failed");
        }
    }
    ~SocketPair() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
};

Task<int> receive_into(int fd, char* buffer, std::size_t length) {
    backend::Operation op;
    op.code = backend::OpCode::recv;
    op.fd = fd;
    op.buffer = buffer;
    op.length = length;
    co_return co_await OperationAwaiter(op);
}

}  // namespace

TEST(OperationAwaiter, ReadyDataCompletesInline) {
    SocketPair pair;
    ASSERT_EQ(::write(pair.fd[1], "hi", 2), 2);
    run([&]() -> Task<void> {
        char buffer[8];
        EXPECT_EQ(co_await receive_into(pair.fd[0], buffer, sizeof buffer), 2);
        EXPECT_EQ(std::string(buffer, 2), "hi");
    });
}

TEST(OperationAwaiter, WaitsForData) {
    SocketPair pair;
    run([&]() -> Task<void> {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await sleep(1ms);
                EXPECT_EQ(::write(pair.fd[1], "late", 4), 4);
            });
            char buffer[8];
            EXPECT_EQ(co_await receive_into(pair.fd[0], buffer, sizeof buffer), 4);
        });
    });
}

TEST(OperationAwaiter, CancelledWaitRaisesCancelled) {
    SocketPair pair;
    run([&]() -> Task<void> {
        char buffer[8];
        auto r = co_await move_on_after(1ms, receive_into(pair.fd[0], buffer, sizeof buffer));
        EXPECT_FALSE(r);
        // The descriptor is still usable afterwards.
        EXPECT_EQ(::write(pair.fd[1], "ok", 2), 2);
        EXPECT_EQ(co_await receive_into(pair.fd[0], buffer, sizeof buffer), 2);
    });
}

TEST(OperationAwaiter, ErrorsComeBackAsNegativeErrno) {
    run([&]() -> Task<void> {
        char buffer[8];
        int result = co_await receive_into(-1, buffer, sizeof buffer);
        EXPECT_EQ(result, -EBADF);
    });
}

TEST(OperationAwaiter, BusyTaskYieldsToOthers) {
    // A socket that always has data must not let one task starve the rest.
    SocketPair pair;
    std::string big(1 << 20, 'x');
    int other_ran = 0;
    run([&]() -> Task<void> {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                for (int i = 0; i < 10; ++i) {
                    ++other_ran;
                    co_await checkpoint();
                }
            });
            char byte;
            int reads = 0;
            EXPECT_GT(::write(pair.fd[1], big.data(), 4096), 0);
            while (reads < 4096) {
                if (co_await receive_into(pair.fd[0], &byte, 1) == 1) ++reads;
            }
            // 4096 inline completions with a budget of 128 yield at least 10 times.
            EXPECT_EQ(other_ran, 10);
        });
    });
}
