#include "coronet/runtime/signal_handlers.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/signals.hpp"
#include "signal_mask.hpp"

namespace coronet {

namespace {
sigset_t only(int signal_number) {
    sigset_t set;
    ::sigemptyset(&set);
    ::sigaddset(&set, signal_number);
    return set;
}
}  // namespace

SignalHandlers::SignalHandlers(Loop& loop) : loop_(loop), watchers_(loop) {
    ::sigemptyset(&set_);
}

SignalHandlers::~SignalHandlers() {
    close_fd();
    for (const auto& entry : handlers_)
        detail::unwatch_signals(only(entry.first));
}

void SignalHandlers::add_signal_handler(int signal_number, std::function<void()> handler) {
    check_catchable_signal(signal_number, "add_signal_handler");
    loop_.check_thread("add_signal_handler");
    if (!handler) throw std::invalid_argument("add_signal_handler: the handler is empty");
    if (auto it = handlers_.find(signal_number); it != handlers_.end()) {
        it->second = std::move(handler);
        return;
    }
    const sigset_t one = only(signal_number);
    detail::watch_signals(one);
    sigset_t wanted = set_;
    ::sigaddset(&wanted, signal_number);
    // signalfd(fd, ...) updates the mask of an existing signalfd in place.
    const int fd = ::signalfd(fd_, &wanted, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        detail::unwatch_signals(one);
        throw_os_error(error, "signalfd");
    }
    set_ = wanted;
    handlers_.emplace(signal_number, std::move(handler));
    if (fd_ < 0) {
        fd_ = fd;
        watchers_.add_reader(fd_, [this] { on_readable(); });
    }
}

bool SignalHandlers::remove_signal_handler(int signal_number) {
    loop_.check_thread("remove_signal_handler");
    auto it = handlers_.find(signal_number);
    if (it == handlers_.end()) return false;
    handlers_.erase(it);
    ::sigdelset(&set_, signal_number);
    if (handlers_.empty()) {
        close_fd();
    } else {
        ::signalfd(fd_, &set_, SFD_NONBLOCK | SFD_CLOEXEC);
    }
    detail::unwatch_signals(only(signal_number));
    return true;
}

void SignalHandlers::on_readable() {
    for (;;) {
        signalfd_siginfo info{};
        const ssize_t n = ::read(fd_, &info, sizeof info);
        if (n != static_cast<ssize_t>(sizeof info)) return;  // EAGAIN: all read
        const int sig = static_cast<int>(info.ssi_signo);
        auto it = handlers_.find(sig);
        if (it == handlers_.end()) continue;
        // A copy: the handler may remove or replace itself.
        std::function<void()> handler = it->second;
        try {
            handler();
        } catch (...) {
            loop_.call_exception_handler({"exception in the signal handler for " + signal_name(sig),
                                          std::current_exception()});
        }
        if (fd_ < 0) return;  // the handler removed the last one
    }
}

void SignalHandlers::close_fd() noexcept {
    if (fd_ < 0) return;
    watchers_.remove_reader(fd_);
    loop_.driver().forget_fd(fd_);
    ::close(std::exchange(fd_, -1));
}

}  // namespace coronet
