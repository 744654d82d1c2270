#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <stdexcept>
#include <string>
#include <thread>

using namespace coronet;
using namespace std::chrono_literals;

TEST(Run, VoidMainReturnsZero) {
    EXPECT_EQ(run([]() -> Task<void> { co_return; }), 0);
}

TEST(Run, PassesArguments) {
    auto add = [](int a, int b) -> Task<int> { co_return a + b; };
    EXPECT_EQ(run(add, 2, 3), 5);
}

TEST(Run, MainExceptionPropagates) {
    EXPECT_THROW(run([]() -> Task<void> {
                     co_await sleep(1ms);
                     throw std::out_of_range("main failed");
                 }),
                 std::out_of_range);
}

TEST(Run, NestedRunIsAClearError) {
    run([]() -> Task<void> {
        try {
            run([]() -> Task<void> { co_return; });
            ADD_FAILURE() << "nested run did not throw";
        } catch (const std::logic_error& e) {
            EXPECT_NE(std::string(e.what()).find("already running"), std::string::npos);
        }
        co_return;
    });
}

TEST(Run, CurrentLoopOutsideRunIsAClearError) {
    EXPECT_THROW(Loop::current(), std::logic_error);
    EXPECT_THROW(current_time(), std::logic_error);
}

TEST(Run, BackendNameIsReported) {
    const std::string outside = backend_name();
    EXPECT_TRUE(outside == "epoll" || outside == "io_uring") << outside;
    run([&]() -> Task<void> {
        EXPECT_EQ(backend_name(), outside);
        co_return;
    });
}

TEST(Loop, UseFromAnotherThreadIsAClearError) {
    run([]() -> Task<void> {
        Loop& loop = Loop::current();
        std::string message;
        std::thread other([&] {
            try {
                loop.call_soon([] {});
            } catch (const std::logic_error& e) {
                message = e.what();
            }
        });
        other.join();
        EXPECT_NE(message.find("does not own the loop"), std::string::npos) << message;
        co_return;
    });
}

TEST(Loop, SpawnFromAnotherThreadIsAClearError) {
    run([]() -> Task<void> {
        co_await with_task_group([](TaskGroup& tg) -> Task<void> {
            std::string message;
            std::thread other([&] {
                try {
                    tg.spawn([]() -> Task<void> { co_return; });
                } catch (const std::logic_error& e) {
                    message = e.what();
                }
            });
            other.join();
            EXPECT_NE(message.find("does not own the loop"), std::string::npos) << message;
            co_return;
        });
    });
}

TEST(Loop, CallSoonRunsInOrder) {
    std::string order;
    run([&]() -> Task<void> {
        Loop& loop = Loop::current();
        loop.call_soon([&] { order += 'a'; });
        loop.call_soon([&] { order += 'b'; });
        co_await checkpoint();
        co_await checkpoint();
        order += 'c';
    });
    EXPECT_EQ(order, "abc");
}

TEST(Loop, CallSoonThreadsafeWakesTheLoop) {
    int value = 0;
    run([&]() -> Task<void> {
        Loop& loop = Loop::current();
        std::thread other([&] { loop.call_soon_threadsafe([&] { value = 42; }); });
        while (value == 0)
            co_await sleep(1ms);
        other.join();
    });
    EXPECT_EQ(value, 42);
}

TEST(Loop, ExceptionHandlerReceivesOrphanErrors) {
    std::string seen;
    run([&]() -> Task<void> {
        Loop& loop = Loop::current();
        loop.set_exception_handler([&](Loop&, const ExceptionContext& context) {
            seen = context.message + " | " + describe_exception(context.exception);
        });
        loop.call_soon([] { throw std::runtime_error("orphan"); });
        co_await checkpoint();
        co_await checkpoint();
    });
    EXPECT_NE(seen.find("call_soon"), std::string::npos) << seen;
    EXPECT_NE(seen.find("orphan"), std::string::npos) << seen;
}

TEST(Loop, DefaultExceptionHandlerPrintsOneLine) {
    ::testing::internal::CaptureStderr();
    Loop::default_exception_handler(
        {"connection handler failed", std::make_exception_ptr(std::runtime_error("bad peer"))});
    const std::string printed = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(printed, "coronet: connection handler failed: std::runtime_error: bad peer\n");
}

TEST(Loop, ThrowingExceptionHandlerDoesNotKillTheLoop) {
    ::testing::internal::CaptureStderr();
    run([&]() -> Task<void> {
        Loop& loop = Loop::current();
        loop.set_exception_handler(
            [](Loop&, const ExceptionContext&) { throw std::runtime_error("handler broke"); });
        loop.call_exception_handler({"first", nullptr});
        co_return;
    });
    const std::string printed = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(printed.find("handler broke"), std::string::npos) << printed;
    EXPECT_NE(printed.find("first"), std::string::npos) << printed;
}
