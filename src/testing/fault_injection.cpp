#include "coronet/testing/fault_injection.hpp"

#include <sys/socket.h>
#include <cerrno>

#include <stdexcept>
#include <string>

namespace coronet::testing {

using backend::OpCode;
using backend::Operation;

namespace {

void check_probability(double p, const char* name) {
    if (!(p >= 0 && p <= 1)) {
        std::string message = "FaultPlan.";
        message += name;
        message += " must be a probability in [0, 1], got ";
        message += std::to_string(p);
        throw std::invalid_argument(message);
    }
}

bool receives(OpCode code) {
    return code == OpCode::recv || code == OpCode::recv_provided || code == OpCode::recvmsg;
}

bool sends(OpCode code) {
    return code == OpCode::send || code == OpCode::sendmsg || code == OpCode::sendto;
}

}  // namespace

FaultInjectingDriver::FaultInjectingDriver(std::unique_ptr<backend::Driver> inner, FaultPlan plan)
    : inner_(std::move(inner)), plan_(plan), random_(plan.seed) {
    if (!inner_) throw std::invalid_argument("FaultInjectingDriver: no inner driver");
    check_probability(plan.short_io, "short_io");
    check_probability(plan.would_block, "would_block");
    check_probability(plan.interrupt, "interrupt");
    check_probability(plan.reset, "reset");
    check_probability(plan.no_buffers, "no_buffers");
    check_probability(plan.accept_fd_limit, "accept_fd_limit");
    if (plan.max_storm == 0) plan_.max_storm = 1;
}

FaultInjectingDriver::~FaultInjectingDriver() = default;

bool FaultInjectingDriver::chance(double probability) {
    if (probability <= 0) return false;
    return std::uniform_real_distribution<double>(0, 1)(random_) < probability;
}

bool FaultInjectingDriver::is_stream_socket(int fd) const noexcept {
    int type = 0;
    socklen_t length = sizeof type;
    return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == SOCK_STREAM;
}

bool FaultInjectingDriver::start(Operation& op) {
    if (op.code == OpCode::timeout) return inner_->start(op);

    // Hard faults finish at once with the kernel's error.
    if (op.code == OpCode::accept && chance(plan_.accept_fd_limit)) {
        ++counts_.accept_fd_limit;
        op.result = chance(0.5) ? -EMFILE : -ENFILE;
        return true;
    }
    if ((receives(op.code) || sends(op.code)) && plan_.reset + plan_.no_buffers > 0) {
        const bool stream = is_stream_socket(op.fd);
        if (stream && chance(plan_.reset)) {
            ++counts_.reset;
            op.result = receives(op.code) ? -ECONNRESET : -EPIPE;
            return true;
        }
        if (!stream && sends(op.code) && chance(plan_.no_buffers)) {
            ++counts_.no_buffers;
            op.result = -ENOBUFS;
            return true;
        }
    }

    // EAGAIN storms and interruptions: held back for a few loop iterations.
    const bool blocked = chance(plan_.would_block);
    if (blocked || chance(plan_.interrupt)) {
        ++(blocked ? counts_.would_block : counts_.interrupt);
        const auto storm = std::uniform_int_distribution<unsigned>(1, plan_.max_storm)(random_);
        held_.push_back(Held{&op, storm, false});
        return false;
    }
    return start_inner(op);
}

bool FaultInjectingDriver::start_inner(Operation& op) {
    const bool trimmable =
        (op.code == OpCode::recv || op.code == OpCode::recv_provided || op.code == OpCode::send) &&
        op.length > 1 && chance(plan_.short_io) && is_stream_socket(op.fd);
    if (!trimmable) return inner_->start(op);
    ++counts_.short_io;
    trimmed_[&op] = Trimmed{this, op.on_complete, op.context, op.length};
    op.length = std::uniform_int_distribution<std::size_t>(1, op.length - 1)(random_);
    op.on_complete = &FaultInjectingDriver::on_trimmed_complete;
    op.context = this;
    bool finished = false;
    try {
        finished = inner_->start(op);
    } catch (...) {
        restore(op);
        throw;
    }
    if (finished) restore(op);
    return finished;
}

void FaultInjectingDriver::restore(Operation& op) noexcept {
    auto it = trimmed_.find(&op);
    if (it == trimmed_.end()) return;
    op.on_complete = it->second.on_complete;
    op.context = it->second.context;
    op.length = it->second.length;
    trimmed_.erase(it);
}

void FaultInjectingDriver::on_trimmed_complete(Operation& op) noexcept {
    static_cast<FaultInjectingDriver*>(op.context)->restore(op);
    op.on_complete(op);
}

void FaultInjectingDriver::cancel(Operation& op) noexcept {
    for (Held& held : held_) {
        if (held.op == &op) {
            held.cancelled = true;
            return;
        }
    }
    inner_->cancel(op);
}

void FaultInjectingDriver::forget_fd(int fd) noexcept {
    for (Held& held : held_)
        if (held.op->fd == fd) held.cancelled = true;
    inner_->forget_fd(fd);
}

std::size_t FaultInjectingDriver::run_held() {
    // Completions may start (and hold) new operations: work on a snapshot.
    std::vector<Held> batch;
    batch.swap(held_);
    std::size_t ran = 0;
    for (Held& held : batch) {
        Operation& op = *held.op;
        if (held.cancelled) {
            op.result = -ECANCELED;
        } else if (--held.storm_left > 0) {
            held_.push_back(held);
            continue;
        } else {
            bool finished = true;
            try {
                finished = start_inner(op);
            } catch (...) {
                // The inner driver could not take it (out of memory): the
                // owner hears an error rather than waiting forever.
                op.result = -ENOMEM;
            }
            if (!finished) continue;  // the inner driver completes it later
        }
        ++ran;
        op.on_complete(op);
    }
    return ran;
}

std::size_t FaultInjectingDriver::poll(std::optional<Duration> timeout) {
    // Held operations must get their turn soon: never block while any wait.
    if (!held_.empty()) timeout = Duration::zero();
    std::size_t ran = inner_->poll(timeout);
    ran += run_held();
    return ran;
}

std::size_t FaultInjectingDriver::pending() const noexcept {
    return inner_->pending() + held_.size();
}

void run_with_faults(const FaultPlan& plan, const std::function<Task<void>()>& fn,
                     FaultCounts* counts) {
    auto driver = std::make_unique<FaultInjectingDriver>(backend::make_driver(), plan);
    FaultInjectingDriver& faults = *driver;
    {
        Loop loop(std::move(driver));
        try {
            loop.run_until_complete(fn());
        } catch (...) {
            if (counts) *counts = faults.counts();
            throw;
        }
        if (counts) *counts = faults.counts();
    }
}

}  // namespace coronet::testing
