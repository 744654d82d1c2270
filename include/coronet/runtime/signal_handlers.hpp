// asyncio's add_signal_handler / remove_signal_handler.
//
//     SignalHandlers handlers(loop);            // EventLoop has its own
//     handlers.add_signal_handler(SIGTERM, [&] { server.close(); });
//     handlers.remove_signal_handler(SIGTERM);  // true: one was registered
//
// A handler runs on the loop as an ordinary callback once per received signal
// (instances arriving before the loop reads them may be merged), never in
// signal context, so it may do anything a callback may. An exception it
// throws goes to the loop's exception handler. Adding a handler for a signal
// that has one replaces it. Invalid or uncatchable signals (SIGKILL, SIGSTOP)
// raise std::invalid_argument naming them. The mechanism and its rules for
// threads are described in signals.hpp; the signals are unblocked again, as
// before, when their handler is removed or the SignalHandlers is destroyed.
// Loop thread only.
#pragma once

#include <signal.h>

#include <functional>
#include <map>

#include "coronet/runtime/fd_watchers.hpp"

namespace coronet {

class Loop;

class SignalHandlers {
  public:
    explicit SignalHandlers(Loop& loop);
    SignalHandlers(const SignalHandlers&) = delete;
    SignalHandlers& operator=(const SignalHandlers&) = delete;
    ~SignalHandlers();

    void add_signal_handler(int signal_number, std::function<void()> handler);
    // True if a handler was registered for the signal.
    bool remove_signal_handler(int signal_number);

  private:
    void on_readable();
    void close_fd() noexcept;

    Loop& loop_;
    FdWatchers watchers_;
    std::map<int, std::function<void()>> handlers_;
    sigset_t set_{};
    int fd_ = -1;
};

}  // namespace coronet
