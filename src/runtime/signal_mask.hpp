// Per-thread, reference-counted blocking of signals for signalfd users: the
// first watcher of a signal in a thread blocks it there, the last one
// restores the thread's previous state for it.
#pragma once

#include <signal.h>

namespace coronet::detail {

// Blocks every signal of `set` in the calling thread (counting watchers).
void watch_signals(const sigset_t& set);
// Undoes watch_signals(set). A signal that becomes unblocked again has its
// pending instances discarded first: they were meant for the watcher that
// is going away, and delivering them now would run the default action
// (terminate, for most) that the watcher was there to prevent.
void unwatch_signals(const sigset_t& set);

}  // namespace coronet::detail
