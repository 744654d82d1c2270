#include "interrupt.hpp"

#include <csignal>

namespace coronet::cli {

Task<bool> run_until_interrupted(std::function<Task<void>()> body, Event* soft_stop) {
    bool interrupted = false;
    SignalReceiver signals = open_signal_receiver({SIGINT, SIGTERM});
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            co_await signals.next();
            interrupted = true;
            if (soft_stop) {
                soft_stop->set();
                co_await signals.next();
            }
            tg.cancel_scope().cancel();
        });
        co_await body();
        tg.cancel_scope().cancel();
    });
    co_return interrupted;
}

}  // namespace coronet::cli
