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
            group.spawn(run_handler(handler, std::move(connection)));
        }
    }

    static Task<void> run_handler(std::shared_ptr<Handler> handler, T connection) {
        std::string peer = describe_peer(connection);
        try {
            co_await (*handler)(std::move(connection));
        } catch (const Cancelled&) {
            throw;
        } catch (...) {
            Loop::current().call_exception_handler(
                {"connection handler failed (remote " + peer + ")", std::current_exception()});
        }
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
