// Listener<T> (AnyIO's abc.Listener): accept() connections one at a time, or
// serve(handler) them, one task per connection.
//
//     auto listener = co_await create_tcp_listener({.local_port = 1234});
//     co_await listener.serve([](SocketStream client) -> Task<void> { ... });
//
// serve():
//  * spawns handler(connection) in `task_group` (or in a group of its own);
//  * a handler that throws is reported through the loop's exception handler
//    (Loop::call_exception_handler, naming the remote address) and its
//    connection is closed; serving continues;
//  * cancelling serve stops accepting at once (handlers in a caller-provided
//    group keep running; those in serve's own group are cancelled with it).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/task.hpp"
#include "coronet/runtime/task_group.hpp"
#include "coronet/stream/typed_attributes.hpp"

namespace coronet {

template <class T>
class Listener : public virtual TypedAttributeProvider {
  public:
    using Handler = std::function<Task<void>(T)>;

    virtual Task<T> accept() = 0;
    virtual Task<void> aclose() = 0;

    // Serves until cancelled (or accept fails for good).
    Task<void> serve(Handler handler, TaskGroup* task_group = nullptr) {
        auto shared = std::make_shared<Handler>(std::move(handler));
        if (task_group) {
            co_await serve_into(std::move(shared), *task_group);
        } else {
            co_await with_task_group(
                [&](TaskGroup& group) -> Task<void> { co_await serve_into(shared, group); });
        }
    }

  protected:
    // Accepts forever, spawning each connection's handler in `group`.
    virtual Task<void> serve_into(std::shared_ptr<Handler> handler, TaskGroup& group) {
        for (;;) {
            T connection = co_await accept();
            spawn_handler(handler, std::move(connection), group);
        }
    }

    // Calls handler(connection) here and spawns the task it returns, wrapped
    // so a failure is reported. The call only creates the handler's
    // coroutine (its body runs in the child task), and a connection's task
    // then holds the handler's frame and a small wrapper, not a second copy
    // of the connection and the handler: what an idle connection costs. The
    // wrapper still holds a reference to the handler object, since a
    // coroutine lambda's frame points at its closure, and serve() (with it
    // the handler) can end while the connection's task goes on in `group`.
    static void spawn_handler(const std::shared_ptr<Handler>& handler, T connection,
                              TaskGroup& group) {
        std::string peer = describe_peer(connection);
        Task<void> task;
        try {
            task = (*handler)(std::move(connection));
        } catch (const Cancelled&) {
            throw;
        } catch (...) {
            report_failure(peer);
            return;
        }
        if (!task.valid()) {
            try {
                throw std::invalid_argument("the connection handler returned an empty Task");
            } catch (...) {
                report_failure(peer);
            }
            return;
        }
        group.spawn(run_handler(std::move(task), std::move(peer), handler));
    }

    static Task<void> run_handler(Task<void> task, std::string peer,
                                  std::shared_ptr<Handler> /*kept alive*/) {
        try {
            co_await std::move(task);
        } catch (const Cancelled&) {
            throw;
        } catch (...) {
            report_failure(peer);
        }
    }

    static void report_failure(const std::string& peer) {
        Loop::current().call_exception_handler(
            {"connection handler failed (remote " + peer + ")", std::current_exception()});
    }

    static std::string describe_peer(const T& connection) {
        if constexpr (std::is_base_of_v<TypedAttributeProvider, T>) {
            if (auto a = connection.template try_extra<attr::remote_address>()) {
                return a->to_string();
            }
        }
        return "unknown";
    }
};

}  // namespace coronet
