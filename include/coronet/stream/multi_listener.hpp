// MultiListener<T>: several listeners served as one (AnyIO's MultiListener),
// e.g. the IPv4 and IPv6 sockets of create_tcp_listener. serve() serves all
// of them; accept() works only when there is exactly one (otherwise use
// serve()). Attributes come from the first listener.
#pragma once

#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "coronet/runtime/task_group.hpp"
#include "coronet/stream/listener.hpp"

namespace coronet {

template <class T>
class MultiListener : public Listener<T> {
  public:
    using Handler = typename Listener<T>::Handler;

    MultiListener() = default;
    explicit MultiListener(std::vector<std::unique_ptr<Listener<T>>> listeners)
        : listeners_(std::move(listeners)) {}
    MultiListener(MultiListener&&) noexcept = default;
    MultiListener& operator=(MultiListener&&) noexcept = default;

    const std::vector<std::unique_ptr<Listener<T>>>& listeners() const noexcept {
        return listeners_;
    }

    Task<T> accept() override {
        if (listeners_.size() != 1) {
            throw std::logic_error("MultiListener::accept needs exactly one listener; use serve()");
        }
        co_return co_await listeners_.front()->accept();
    }
    Task<void> aclose() override {
        for (auto& listener : listeners_)
            co_await listener->aclose();
    }
    std::any extra_attribute(AttributeId id) const override {
        if (listeners_.empty()) return {};
        return listeners_.front()->extra_attribute(id);
    }

  protected:
    Task<void> serve_into(std::shared_ptr<Handler> handler, TaskGroup& group) override {
        co_await with_task_group([&](TaskGroup& inner) -> Task<void> {
            for (auto& listener : listeners_)
                inner.spawn(listener->serve(*handler, &group));
            co_return;
        });
    }

  private:
    std::vector<std::unique_ptr<Listener<T>>> listeners_;
};

}  // namespace coronet
