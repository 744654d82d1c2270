// Shared by open_signal_receiver and SignalHandlers: which signal numbers can
// be handled, and their names for messages.
//
// coronet handles signals through signalfd: while a signal is watched it is
// blocked in the loop's thread (threads coronet starts block every signal), so
// the kernel queues it for the signalfd instead of interrupting anyone, and
// handlers run on the loop as ordinary callbacks, never in signal context.
// Threads you start yourself inherit the mask of the thread that starts them:
// start them after opening a receiver, or block the signals in them, or a
// signal sent to the process may be delivered to them instead.
#pragma once

#include <string>

namespace coronet {

// "SIGINT", "SIGRTMIN+3", or "signal 99" for a number that is no signal.
std::string signal_name(int signal_number);

// Throws std::invalid_argument naming the signal when it cannot be watched:
// not a signal number (outside 1..NSIG-1, or reserved by the C library), or
// SIGKILL / SIGSTOP, which can never be caught. `who` prefixes the message.
void check_catchable_signal(int signal_number, const char* who);

}  // namespace coronet
