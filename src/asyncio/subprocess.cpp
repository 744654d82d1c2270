// The subprocess transport: three pipe transports whose internal protocols
// forward to the SubprocessProtocol, plus a poll operation on the child's
// pidfd that reaps it the moment it exits.
#include "coronet/asyncio/subprocess.hpp"

#include <poll.h>
#include <signal.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "asyncio/pipe_transport.hpp"
#include "coronet/backend/operation.hpp"
#include "coronet/base/errors.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet::asyncio {
namespace {

class SubprocessImpl;

// Forwards one pipe's events to the subprocess transport (asyncio's
// ReadSubprocessPipeProto / WriteSubprocessPipeProto).
class PipeForwarder final : public Protocol {
  public:
    PipeForwarder(SubprocessImpl& owner, int fd) : owner_(owner), fd_(fd) {}
    void data_received(BytesView data) override;
    void connection_lost(std::exception_ptr exc) override;
    void pause_writing() override;
    void resume_writing() override;

  private:
    SubprocessImpl& owner_;
    int fd_;
};

class SubprocessImpl final : public SubprocessTransport {
  public:
    SubprocessImpl(Loop& loop, std::unique_ptr<BaseProtocol> protocol) : loop_(loop) {
        protocol_.reset(dynamic_cast<SubprocessProtocol*>(protocol.get()));
        if (!protocol_) {
            throw std::invalid_argument(
                "subprocess_exec: the protocol factory must return a SubprocessProtocol");
        }
        (void)protocol.release();
    }
    ~SubprocessImpl() override {
        // Only reached with the child reaped, unless the loop ended first:
        // never leave a zombie behind.
        if (pidfd_ && !returncode_) (void)net::kill_and_reap(pidfd_.get());
    }

    void start(net::SpawnedChild child) {
        pid_ = child.pid;
        pidfd_ = std::move(child.pidfd);
        self_ = shared_from_this();
        if (child.pipes[0]) {
            pipes_[0] = detail::start_write_pipe(loop_, std::move(child.pipes[0]),
                                                 std::make_unique<PipeForwarder>(*this, 0));
        }
        for (int fd : {1, 2}) {
            if (!child.pipes[fd]) continue;
            pipes_[fd] = detail::start_read_pipe(loop_, std::move(child.pipes[fd]),
                                                 std::make_unique<PipeForwarder>(*this, fd));
        }
        watch_exit();
        try {
            protocol_->connection_made(*this);
        } catch (...) {
            report("protocol.connection_made() failed", std::current_exception());
            close();
        }
        connected_ = true;
    }

    // --- BaseTransport ---
    void close() override {
        if (closing_) return;
        closing_ = true;
        for (auto& p : pipes_) {
            if (p && !p->is_closing()) p->close();
        }
        if (!returncode_) (void)net::pidfd_send_signal(pidfd_.get(), SIGKILL);
    }
    bool is_closing() const noexcept override { return closing_; }
    std::any get_extra_info(std::string_view name, std::any default_value) const override {
        if (name == "subprocess") return pid_;
        return default_value;
    }
    void set_protocol(std::unique_ptr<BaseProtocol> protocol) override {
        auto* p = dynamic_cast<SubprocessProtocol*>(protocol.get());
        if (!p) throw std::invalid_argument("set_protocol: a SubprocessProtocol is required");
        (void)protocol.release();
        retired_.push_back(std::move(protocol_));
        protocol_.reset(p);
    }
    BaseProtocol& get_protocol() const noexcept override { return *protocol_; }

    // --- SubprocessTransport ---
    pid_t get_pid() const noexcept override { return pid_; }
    BaseTransport* get_pipe_transport(int fd) const noexcept override {
        if (fd < 0 || fd > 2) return nullptr;
        return pipes_[fd].get();
    }
    std::optional<int> get_returncode() const noexcept override { return returncode_; }
    void send_signal(int signal) override {
        if (lost_done_) {
            throw_os_error(ESRCH, "SubprocessTransport::send_signal", "the transport is closed");
        }
        if (returncode_) return;
        if (net::pidfd_send_signal(pidfd_.get(), signal) < 0 && errno != ESRCH) {
            throw_os_error(errno, "SubprocessTransport::send_signal",
                           "signal " + std::to_string(signal));
        }
    }
    void terminate() override { send_signal(SIGTERM); }
    void kill() override { send_signal(SIGKILL); }

    // --- from the pipes ---
    void pipe_data(int fd, BytesView data) {
        try {
            protocol_->pipe_data_received(fd, data);
        } catch (...) {
            report("protocol.pipe_data_received() failed", std::current_exception());
        }
    }
    void pipe_lost(int fd, std::exception_ptr exc) {
        pipe_done_[fd] = true;
        // The pipe transport object may be released after this returns.
        auto keep = self_;
        try {
            protocol_->pipe_connection_lost(fd, exc);
        } catch (...) {
            report("protocol.pipe_connection_lost() failed", std::current_exception());
        }
        advance();
    }
    void pause_writing() {
        call_noexcept([this] { protocol_->pause_writing(); }, "pause_writing");
    }
    void resume_writing() {
        call_noexcept([this] { protocol_->resume_writing(); }, "resume_writing");
    }

  private:
    template <class F>
    void call_noexcept(F f, const char* what) {
        try {
            f();
        } catch (...) {
            report(std::string("protocol.") + what + "() failed", std::current_exception());
        }
    }
    void report(std::string message, std::exception_ptr error) noexcept {
        loop_.call_exception_handler({std::move(message), std::move(error)});
    }
    bool done(int fd) const { return !pipes_[fd] || pipe_done_[fd]; }

    void watch_exit() {
        for (int turn = 0; turn < 4; ++turn) {
            exit_op_ = backend::Operation{};
            exit_op_.code = backend::OpCode::poll;
            exit_op_.fd = pidfd_.get();
            exit_op_.poll_events = POLLIN;
            exit_op_.on_complete = &on_exit_ready;
            exit_op_.context = this;
            exit_pending_ = true;
            if (!loop_.driver().start(exit_op_)) return;
            exit_pending_ = false;
            if (reap()) return;
        }
        // A pidfd that stays "ready" without an exit is not expected: poll
        // again from the next iteration rather than spin here.
        loop_.call_soon([s = self_, this] { watch_exit(); });
    }
    static void on_exit_ready(backend::Operation& op) noexcept {
        auto* t = static_cast<SubprocessImpl*>(op.context);
        auto keep = t->self_;
        t->exit_pending_ = false;
        if (!t->reap()) t->watch_exit();
    }
    // Returns whether the child has been reaped.
    bool reap() noexcept {
        try {
            returncode_ = net::try_reap(pidfd_.get());
        } catch (...) {
            // ECHILD: reaped behind our back (SIGCHLD ignored); no status.
            report("subprocess: cannot wait for the child", std::current_exception());
            returncode_ = 255;
        }
        if (!returncode_) return false;
        // connection_made may not have run yet when the child is quick:
        // the callbacks are queued for the next iteration, as asyncio does.
        loop_.call_soon([s = self_, this] { advance(); });
        return true;
    }

    // process_exited after the child exited and its output pipes reached
    // EOF; connection_lost once every pipe is closed too.
    void advance() {
        if (!connected_ || !returncode_) return;
        if (!exited_called_ && done(1) && done(2)) {
            exited_called_ = true;
            call_noexcept([this] { protocol_->process_exited(); }, "process_exited");
            // Like asyncio, a write pipe to a dead child is left for the
            // reader-gone detection; nothing more to do here.
        }
        if (exited_called_ && !lost_done_ && done(0)) {
            lost_done_ = true;
            closing_ = true;
            call_noexcept([this] { protocol_->connection_lost(nullptr); }, "connection_lost");
            loop_.driver().forget_fd(pidfd_.get());
            pidfd_.reset();
            // Every caller holds a reference of its own (pipe_lost's `keep`,
            // the queued call's `s`), so dropping ours here is safe; a
            // deferred drop would leak the transport when the loop ends
            // right after connection_lost.
            release();
        }
    }
    void release() {
        if (exit_pending_) return;  // on_exit_ready cannot come: it was reaped
        self_.reset();
    }

    Loop& loop_;
    std::unique_ptr<SubprocessProtocol> protocol_;
    std::vector<std::unique_ptr<SubprocessProtocol>> retired_;
    pid_t pid_ = -1;
    net::FileDescriptor pidfd_;
    std::shared_ptr<BaseTransport> pipes_[3];
    bool pipe_done_[3]{};
    std::optional<int> returncode_;
    backend::Operation exit_op_;
    bool exit_pending_ = false;
    bool connected_ = false;
    bool closing_ = false;
    bool exited_called_ = false;
    bool lost_done_ = false;
    std::shared_ptr<BaseTransport> self_;
};

void PipeForwarder::data_received(BytesView data) {
    owner_.pipe_data(fd_, data);
}
void PipeForwarder::connection_lost(std::exception_ptr exc) {
    owner_.pipe_lost(fd_, exc);
}
void PipeForwarder::pause_writing() {
    owner_.pause_writing();
}
void PipeForwarder::resume_writing() {
    owner_.resume_writing();
}

SubprocessConnection start(const ProtocolFactory& factory, net::SpawnSpec spec,
                           const SubprocessOptions& options) {
    if (!factory) throw std::invalid_argument(spec.caller + ": empty protocol factory");
    spec.stdio[0] = options.stdin;
    spec.stdio[1] = options.stdout;
    spec.stdio[2] = options.stderr;
    spec.cwd = std::string(options.cwd);
    if (!options.inherit_env || !options.env.empty()) {
        spec.env = net::merge_environment(spec.caller, options.inherit_env, options.env);
    }
    spec.new_session = options.start_new_session;
    auto transport = std::make_shared<SubprocessImpl>(Loop::current(), factory());
    auto* protocol = &dynamic_cast<SubprocessProtocol&>(transport->get_protocol());
    transport->start(net::spawn_child(spec));
    return {transport, protocol};
}

}  // namespace

Task<SubprocessConnection> subprocess_exec(ProtocolFactory factory, std::vector<std::string> argv,
                                           SubprocessOptions options) {
    net::SpawnSpec spec;
    spec.caller = "subprocess_exec";
    spec.search_path = !argv.empty() && argv.front().find('/') == std::string::npos;
    spec.argv = std::move(argv);
    co_return start(factory, std::move(spec), options);
}

Task<SubprocessConnection> subprocess_shell(ProtocolFactory factory, std::string command,
                                            SubprocessOptions options) {
    if (command.find('\0') != std::string::npos) {
        throw std::invalid_argument("subprocess_shell: the command contains a NUL byte");
    }
    net::SpawnSpec spec;
    spec.caller = "subprocess_shell";
    spec.argv = {"/bin/sh", "-c", std::move(command)};
    co_return start(factory, std::move(spec), options);
}

}  // namespace coronet::asyncio
