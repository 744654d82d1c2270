// Tasks with no parent group never outlive their loop.
#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <coronet/runtime/detail/detached_task.hpp>
#include <memory>

using namespace coronet;
using namespace std::chrono_literals;

TEST(DetachedTask, StillRunningWhenMainEndsIsCancelledAndFreed) {
    auto alive = std::make_shared<int>(0);
    bool cancelled = false;
    run([&]() -> Task<void> {
        detail::spawn_detached(Loop::current(),
                               [](std::shared_ptr<int> token, bool& flag) -> Task<void> {
                                   try {
                                       co_await sleep(1h);
                                   } catch (const Cancelled&) {
                                       flag = true;
                                       throw;
                                   }
                                   ++*token;
                               }(alive, cancelled));
        co_await sleep(1ms);
    });
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(alive.use_count(), 1);  // the task's frame, holding a copy, is gone
    EXPECT_EQ(*alive, 0);
}

TEST(DetachedTask, FailureGoesToTheExceptionHandler) {
    std::string seen;
    run([&]() -> Task<void> {
        Loop::current().set_exception_handler(
            [&](Loop&, const ExceptionContext& context) { seen = context.message; });
        detail::spawn_detached(Loop::current(), []() -> Task<void> {
            co_await checkpoint();
            throw std::runtime_error("detached failure");
        }());
        co_await sleep(1ms);
    });
    EXPECT_EQ(seen, "exception in a detached task");
}
