#include "coronet/stream/process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/fd_wait.hpp"
#include "coronet/runtime/loop.hpp"
#include "stream/process_spawn.hpp"

namespace coronet {
namespace {

template <class Stream>
Stream& stream_or_throw(const std::unique_ptr<Stream>& stream, const char* name) {
    if (!stream) {
        throw std::logic_error(std::string("Process::") + name + ": the child's " + name +
                               " is not a pipe of this Process (not PIPE, or taken)");
    }
    return *stream;
}

}  // namespace

Process::Process(Command command, pid_t pid, int pidfd) noexcept
    : command_(std::move(command)), pid_(pid), pidfd_(pidfd) {}

Process::Process(Process&& other) noexcept
    : command_(std::move(other.command_)),
      pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      returncode_(std::exchange(other.returncode_, std::nullopt)),
      stdin_(std::move(other.stdin_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)) {}

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        Process old(std::move(*this));  // kills and reaps our old child, if any
        command_ = std::move(other.command_);
        pid_ = std::exchange(other.pid_, -1);
        pidfd_ = std::exchange(other.pidfd_, -1);
        returncode_ = std::exchange(other.returncode_, std::nullopt);
        stdin_ = std::move(other.stdin_);
        stdout_ = std::move(other.stdout_);
        stderr_ = std::move(other.stderr_);
    }
    return *this;
}

Process::~Process() {
    stdin_.reset();
    stdout_.reset();
    stderr_.reset();
    if (pidfd_ < 0) return;
    if (!returncode_) reap_blocking();
    close_pidfd();
}

void Process::reap_blocking() noexcept {
    if (auto code = net::kill_and_reap(pidfd_)) returncode_ = *code;
}

void Process::close_pidfd() noexcept {
    if (pidfd_ < 0) return;
    if (Loop::current_or_null()) notify_closing(pidfd_);
    ::close(std::exchange(pidfd_, -1));
}

PipeSendStream& Process::stdin() {
    return stream_or_throw(stdin_, "stdin");
}
PipeReceiveStream& Process::stdout() {
    return stream_or_throw(stdout_, "stdout");
}
PipeReceiveStream& Process::stderr() {
    return stream_or_throw(stderr_, "stderr");
}

std::optional<int> Process::returncode() {
    if (returncode_ || pidfd_ < 0) return returncode_;
    try {
        returncode_ = net::try_reap(pidfd_);
    } catch (const OSError& e) {
        // ECHILD: someone else reaped it (SIGCHLD ignored, or waitpid(-1)).
        throw_os_error(e.code().value(), "Process: waitid", "pid " + std::to_string(pid_));
    }
    return returncode_;
}

Task<int> Process::wait() {
    for (;;) {
        if (auto code = returncode()) co_return *code;
        if (pidfd_ < 0) throw std::logic_error("Process::wait on a moved-from Process");
        // The pidfd turns readable when the child exits (and stays so).
        co_await wait_readable(pidfd_);
    }
}

void Process::send_signal(int signal) {
    if (returncode_) return;
    if (pidfd_ < 0) throw std::logic_error("Process::send_signal on a moved-from Process");
    if (net::pidfd_send_signal(pidfd_, signal) < 0) {
        if (errno == ESRCH) return;  // exited, not reaped yet
        throw_os_error(errno, "Process::send_signal", "signal " + std::to_string(signal));
    }
}

void Process::terminate() {
    send_signal(SIGTERM);
}
void Process::kill() {
    send_signal(SIGKILL);
}

Task<void> Process::aclose() {
    if (stdin_) co_await stdin_->aclose();
    if (stdout_) co_await stdout_->aclose();
    if (stderr_) co_await stderr_->aclose();
    if (pidfd_ < 0 && !returncode_) co_return;  // moved-from
    std::exception_ptr interrupted;
    try {
        co_await wait();
    } catch (...) {  // Cancelled too: kill, reap, then let it go on
        interrupted = std::current_exception();
    }
    if (!interrupted) co_return;
    kill();
    CancelScope shield(kNoDeadline, /*shield=*/true);
    co_await shield.run(wait());
    std::rethrow_exception(interrupted);
}

Process open_process(const Command& command, const ProcessOptions& options) {
    net::SpawnedChild child = stream_detail::spawn_child(command, options);
    Process process(command, child.pid, child.pidfd.release());
    if (child.pipes[0]) {
        process.stdin_ = std::make_unique<PipeSendStream>(std::move(child.pipes[0]));
    }
    if (child.pipes[1]) {
        process.stdout_ = std::make_unique<PipeReceiveStream>(std::move(child.pipes[1]));
    }
    if (child.pipes[2]) {
        process.stderr_ = std::make_unique<PipeReceiveStream>(std::move(child.pipes[2]));
    }
    return process;
}

}  // namespace coronet
