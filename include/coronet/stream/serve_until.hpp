// serve_until: serve a listener until `stop` is set, then shut down
// gracefully (asyncio 3.13's Server.close_clients/abort_clients idea).
//
//     Event stop;
//     tg.spawn(serve_until(listener, handle, stop, {.grace = 5s}));
//     ...
//     stop.set();   // stop accepting now; connections get 5 s to finish
//
// On stop: accepting stops at once; connections still open get `grace` to
// finish on their own; whatever is left then is cancelled. serve_until
// returns when every connection handler has finished. The listener is not
// closed (aclose it when you are done with it).
#pragma once

#include <chrono>

#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/event.hpp"
#include "coronet/runtime/task_group.hpp"
#include "coronet/stream/listener.hpp"

namespace coronet {

struct ServeUntilOptions {
    std::chrono::milliseconds grace{5000};
};

template <class T>
Task<void> serve_until(Listener<T>& listener, typename Listener<T>::Handler handler, Event& stop,
                       ServeUntilOptions options = {}) {
    CancelScope accepting;  // outlives the group, so its children too
    co_await with_task_group([&](TaskGroup& connections) -> Task<void> {
        connections.spawn(
            [&]() -> Task<void> { co_await accepting.run(listener.serve(handler, &connections)); });
        co_await stop.wait();
        accepting.cancel();
        connections.cancel_scope().set_deadline(
            deadline_after(std::chrono::duration_cast<Duration>(options.grace), "serve_until"));
    });
}

}  // namespace coronet
