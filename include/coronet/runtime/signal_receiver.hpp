// Receiving signals as a stream (AnyIO's open_signal_receiver, Trio's
// open_signal_receiver).
//
//     auto signals = open_signal_receiver({SIGINT, SIGTERM});
//     for (;;) {
//         int sig = co_await signals.next();
//         if (sig == SIGTERM) break;
//         reload_config();
//     }                               // leaving closes it: the old mask is back
//
// Opening blocks the signals in the loop's thread and reads them from a
// signalfd; several instances of one signal that arrive before they are read
// may be merged into one (as the kernel does for standard signals). Closing
// (close() or the destructor) restores the thread's previous mask for the
// signals no other receiver or handler still watches, discarding instances
// that arrived and were never read. Open, use and close a receiver on the
// thread of the loop that opened it. See signals.hpp for threads you start.
#pragma once

#include <signal.h>

#include <initializer_list>
#include <vector>

#include "coronet/runtime/task.hpp"

namespace coronet {

class Loop;

class SignalReceiver {
  public:
    SignalReceiver(SignalReceiver&& other) noexcept;
    SignalReceiver& operator=(SignalReceiver&& other) noexcept;
    ~SignalReceiver();

    // The number of the next signal received. Cancellable; ClosedResourceError
    // after close().
    Task<int> next();

    void close() noexcept;
    bool closed() const noexcept { return fd_ < 0; }

  private:
    friend SignalReceiver open_signal_receiver(const std::vector<int>& signals);
    SignalReceiver(int fd, const sigset_t& set, Loop* loop) noexcept
        : fd_(fd), set_(set), loop_(loop) {}

    int fd_ = -1;
    sigset_t set_{};
    Loop* loop_ = nullptr;
};

// std::invalid_argument for an invalid or uncatchable signal (SIGKILL,
// SIGSTOP) or an empty list; std::logic_error outside a running loop.
SignalReceiver open_signal_receiver(const std::vector<int>& signals);
inline SignalReceiver open_signal_receiver(std::initializer_list<int> signals) {
    return open_signal_receiver(std::vector<int>(signals));
}

}  // namespace coronet
