#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <memory>
#include <stdexcept>
#include <string>

using namespace coronet;

namespace {

Task<int> constant(int value) {
    co_return value;
}

Task<int> nested(int depth) {
    if (depth == 0) co_return 0;
    co_return 1 + co_await nested(depth - 1);
}

Task<void> fail_with(std::string message) {
    co_await checkpoint();
    throw std::runtime_error(message);
}

}  // namespace

TEST(Task, ReturnsValueToAwaiter) {
    EXPECT_EQ(run([]() -> Task<int> { co_return co_await constant(7) + 1; }), 8);
}

TEST(Task, IsLazy) {
    bool started = false;
    auto body = [&]() -> Task<void> {
        started = true;
        co_return;
    };
    run([&]() -> Task<void> {
        Task<void> t = body();
        EXPECT_FALSE(started);
        co_await t;
        EXPECT_TRUE(started);
    });
}

TEST(Task, ExceptionPropagatesToAwaiter) {
    run([]() -> Task<void> {
        try {
            co_await fail_with("boom");
            ADD_FAILURE() << "no exception";
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "boom");
        }
    });
}

TEST(Task, MoveOnlyResult) {
    auto p = run([]() -> Task<std::unique_ptr<int>> { co_return std::make_unique<int>(5); });
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, 5);
}

TEST(Task, AwaitedTwiceIsAClearError) {
    run([]() -> Task<void> {
        Task<int> t = constant(1);
        EXPECT_EQ(co_await t, 1);
        try {
            co_await t;
            ADD_FAILURE() << "second await did not throw";
        } catch (const std::logic_error& e) {
            EXPECT_NE(std::string(e.what()).find("awaited twice"), std::string::npos) << e.what();
        }
    });
}

TEST(Task, AwaitingAnEmptyTaskIsAClearError) {
    run([]() -> Task<void> {
        Task<int> t = constant(1);
        Task<int> moved = std::move(t);
        EXPECT_THROW(co_await t, std::logic_error);
        EXPECT_EQ(co_await moved, 1);
    });
}

TEST(Task, MillionNestedAwaitsKeepStackFlat) {
    // Each level is a frame on the heap; the native stack must not grow with
    // depth in any build (no reliance on tail calls).
    EXPECT_EQ(run([]() -> Task<int> { co_return co_await nested(1'000'000); }), 1'000'000);
}

TEST(Task, MillionSequentialSynchronousAwaits) {
    EXPECT_EQ(run([]() -> Task<long> {
                  long sum = 0;
                  for (int i = 0; i < 1'000'000; ++i)
                      sum += co_await constant(1);
                  co_return sum;
              }),
              1'000'000);
}

TEST(Task, UnstartedTaskIsDestroyedCleanly) {
    auto counter = std::make_shared<int>(0);
    {
        auto body = [](std::shared_ptr<int> c) -> Task<void> {
            ++*c;
            co_return;
        };
        Task<void> t = body(counter);
        EXPECT_EQ(counter.use_count(), 2);
    }
    EXPECT_EQ(counter.use_count(), 1);
    EXPECT_EQ(*counter, 0);
}
