#include "coronet/runtime/signals.hpp"

#include <signal.h>
#include <string.h>

#include <stdexcept>

namespace coronet {

std::string signal_name(int signal_number) {
    if (signal_number >= SIGRTMIN && signal_number <= SIGRTMAX) {
        return signal_number == SIGRTMIN ? "SIGRTMIN"
                                         : "SIGRTMIN+" + std::to_string(signal_number - SIGRTMIN);
    }
    if (signal_number > 0 && signal_number < NSIG) {
        if (const char* abbrev = ::sigabbrev_np(signal_number)) return std::string("SIG") + abbrev;
    }
    return "signal " + std::to_string(signal_number);
}

void check_catchable_signal(int signal_number, const char* who) {
    sigset_t probe;
    ::sigemptyset(&probe);
    // sigaddset also rejects the realtime signals glibc keeps for itself.
    if (signal_number <= 0 || signal_number >= NSIG || ::sigaddset(&probe, signal_number) != 0) {
        throw std::invalid_argument(std::string(who) + ": " + std::to_string(signal_number) +
                                    " is not a valid signal number (expected 1.." +
                                    std::to_string(NSIG - 1) +
                                    ", excluding the C library's reserved signals)");
    }
    if (signal_number == SIGKILL || signal_number == SIGSTOP) {
        throw std::invalid_argument(std::string(who) + ": " + signal_name(signal_number) + " (" +
                                    std::to_string(signal_number) +
                                    ") cannot be caught, blocked or ignored");
    }
}

}  // namespace coronet
