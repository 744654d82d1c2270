// coronet::run: the entry point (anyio.run / asyncio.run).
//
//     Task<void> amain() { co_await sleep(1s); }
//     int main() { return coronet::run(amain); }
//
// Creates a loop on the calling thread (backend from CORONET_BACKEND, else
// the best available), runs the task the callable returns to completion, and
// returns its result (0 for a Task<void>) or rethrows its exception.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/task.hpp"

namespace coronet {

template <class F, class... Args>
requires std::is_invocable_v<F&, Args&...>
auto run_with(LoopOptions options, F fn, Args... args) {
    using TaskT = std::invoke_result_t<F&, Args&...>;
    static_assert(is_task<TaskT>::value, "coronet::run needs a callable returning a Task");
    Loop loop(std::move(options));
    // The callable and its arguments live in this frame for the whole run,
    // so a capturing lambda coroutine is safe here.
    if constexpr (std::is_void_v<typename TaskT::value_type>) {
        loop.run_until_complete(std::invoke(fn, args...));
        return 0;
    } else {
        return loop.run_until_complete(std::invoke(fn, args...));
    }
}

template <class F, class... Args>
requires std::is_invocable_v<F&, Args&...>
auto run(F fn, Args... args) {
    return run_with(LoopOptions{}, std::move(fn), std::move(args)...);
}

}  // namespace coronet
