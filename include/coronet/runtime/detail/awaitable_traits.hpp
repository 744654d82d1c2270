// What `co_await x` yields, for any awaitable x (a Task, an awaiter, or a
// type with operator co_await): lets scopes and groups wrap arbitrary
// awaitables generically.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

namespace coronet::detail {

template <class A>
concept has_member_co_await = requires(A&& a) {
    std::forward<A>(a).operator co_await();
};
template <class A>
concept has_free_co_await = requires(A&& a) {
    operator co_await(std::forward<A>(a));
};

template <class A>
decltype(auto) get_awaiter(A&& a) {
    if constexpr (has_member_co_await<A>) {
        return std::forward<A>(a).operator co_await();
    } else if constexpr (has_free_co_await<A>) {
        return operator co_await(std::forward<A>(a));
    } else {
        return std::forward<A>(a);
    }
}

template <class A>
using await_result_t = decltype(get_awaiter(std::declval<A>()).await_resume());

// What a scope returns for a body yielding T: optional<T>, or bool for void.
template <class T>
using scoped_result_t = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;

}  // namespace coronet::detail
