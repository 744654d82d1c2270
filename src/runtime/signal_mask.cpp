#include "signal_mask.hpp"

#include <pthread.h>

#include <array>
#include <ctime>

namespace coronet::detail {
namespace {

struct ThreadSignals {
    std::array<int, NSIG> watchers{};
    std::array<bool, NSIG> we_blocked{};
};
thread_local ThreadSignals tl_signals;

}  // namespace

void watch_signals(const sigset_t& set) {
    sigset_t current;
    ::pthread_sigmask(SIG_BLOCK, nullptr, &current);
    sigset_t to_block;
    ::sigemptyset(&to_block);
    for (int sig = 1; sig < NSIG; ++sig) {
        if (::sigismember(&set, sig) != 1) continue;
        if (tl_signals.watchers[sig]++ == 0 && ::sigismember(&current, sig) != 1) {
            tl_signals.we_blocked[sig] = true;
            ::sigaddset(&to_block, sig);
        }
    }
    ::pthread_sigmask(SIG_BLOCK, &to_block, nullptr);
}

void unwatch_signals(const sigset_t& set) {
    sigset_t to_unblock;
    ::sigemptyset(&to_unblock);
    bool any = false;
    for (int sig = 1; sig < NSIG; ++sig) {
        if (::sigismember(&set, sig) != 1 || tl_signals.watchers[sig] == 0) continue;
        if (--tl_signals.watchers[sig] == 0 && tl_signals.we_blocked[sig]) {
            tl_signals.we_blocked[sig] = false;
            ::sigaddset(&to_unblock, sig);
            any = true;
        }
    }
    if (!any) return;
    const timespec zero{0, 0};
    while (::sigtimedwait(&to_unblock, nullptr, &zero) > 0) {
    }
    ::pthread_sigmask(SIG_UNBLOCK, &to_unblock, nullptr);
}

}  // namespace coronet::detail
