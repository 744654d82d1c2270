#include "coronet/runtime/signal_receiver.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/fd_wait.hpp"
#include "coronet/runtime/loop.hpp"
#include "coronet/runtime/signals.hpp"
#include "signal_mask.hpp"

namespace coronet {

SignalReceiver open_signal_receiver(const std::vector<int>& signals) {
    Loop& loop = Loop::current();
    if (signals.empty()) throw std::invalid_argument("open_signal_receiver: no signals given");
    sigset_t set;
    ::sigemptyset(&set);
    for (int sig : signals) {
        check_catchable_signal(sig, "open_signal_receiver");
        ::sigaddset(&set, sig);
    }
    // Blocked before the signalfd exists, so none can slip through between.
    detail::watch_signals(set);
    const int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        detail::unwatch_signals(set);
        throw_os_error(error, "signalfd");
    }
    return SignalReceiver(fd, set, &loop);
}

SignalReceiver::SignalReceiver(SignalReceiver&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), set_(other.set_), loop_(other.loop_) {}

SignalReceiver& SignalReceiver::operator=(SignalReceiver&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        set_ = other.set_;
        loop_ = other.loop_;
    }
    return *this;
}

SignalReceiver::~SignalReceiver() {
    close();
}

void SignalReceiver::close() noexcept {
    if (fd_ < 0) return;
    // Only the running loop still has state for the fd (a finished loop's
    // driver may already be gone).
    if (Loop::current_or_null() == loop_) loop_->driver().forget_fd(fd_);
    ::close(std::exchange(fd_, -1));
    detail::unwatch_signals(set_);
}

Task<int> SignalReceiver::next() {
    detail::current_task("SignalReceiver::next").checkpoint_cancel();
    for (;;) {
        if (fd_ < 0) throw ClosedResourceError("SignalReceiver::next: the receiver is closed");
        signalfd_siginfo info{};
        const ssize_t n = ::read(fd_, &info, sizeof info);
        if (n == static_cast<ssize_t>(sizeof info)) co_return static_cast<int>(info.ssi_signo);
        if (n < 0 && errno != EAGAIN && errno != EINTR) throw_os_error(errno, "read(signalfd)");
        co_await wait_readable(fd_);
    }
}

}  // namespace coronet
