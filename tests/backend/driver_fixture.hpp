// Conformance fixture: every test runs on each backend (and on io_uring's
// emulated paths), through the public make_driver only.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/fd_count.hpp"
#include "coronet/backend/driver.hpp"

namespace coronet::test {

using backend::BackendKind;
using backend::Driver;
using backend::DriverOptions;
using backend::OpCode;
using backend::Operation;

struct BackendParam {
    const char* label;
    BackendKind kind;
    // CORONET_URING_EMULATE while the driver is made: "features" (no
    // multishot accept, no buffer ring) or "ops" (syscall + POLL_ADD).
    const char* emulate;
};

inline std::string param_name(const ::testing::TestParamInfo<BackendParam>& info) {
    return info.param.label;
}

inline const BackendParam kBackends[] = {
    {"epoll", BackendKind::epoll, nullptr},
    {"io_uring", BackendKind::io_uring, nullptr},
    {"io_uring_no_features", BackendKind::io_uring, "features"},
    {"io_uring_emulated_ops", BackendKind::io_uring, "ops"},
};

// An owned fd, closed on scope exit.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

// One operation plus what its completion reported.
struct TestOp {
    Operation op;
    int calls = 0;                          // completions through on_complete
    bool sync = false;                      // start() finished it inline
    std::vector<TestOp*>* order = nullptr;  // completion order, if wanted

    TestOp(OpCode code, int fd) {
        op.code = code;
        op.fd = fd;
        op.context = this;
        op.on_complete = &TestOp::on_complete;
    }
    TestOp(const TestOp&) = delete;
    TestOp& operator=(const TestOp&) = delete;

    bool done() const { return sync || calls > 0; }
    int result() const { return op.result; }

    static void on_complete(Operation& op) noexcept {
        auto* self = static_cast<TestOp*>(op.context);
        ++self->calls;
        if (self->order) self->order->push_back(self);
    }
};

inline std::pair<Fd, Fd> stream_pair(int type = SOCK_STREAM) {
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) {
        ADD_FAILURE() << "socketpair: " << errno;
        return {};
    }
    return {Fd(fds[0]), Fd(fds[1])};
}

inline sockaddr_in loopback(std::uint16_t port = 0) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

inline sockaddr_in local_address(int fd) {
    sockaddr_in a{};
    socklen_t length = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
    return a;
}

inline Fd inet_socket(int type) {
    return Fd(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

// A loopback TCP listener on an ephemeral port.
inline Fd tcp_listener(int backlog = 64) {
    Fd fd = inet_socket(SOCK_STREAM);
    sockaddr_in a = loopback();
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
        ::listen(fd.get(), backlog) < 0) {
        ADD_FAILURE() << "listener: " << errno;
    }
    return fd;
}

// Starts a non-blocking connect to `listener` (completes in the background).
inline Fd tcp_client(int listener) {
    Fd fd = inet_socket(SOCK_STREAM);
    sockaddr_in a = local_address(listener);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 &&
        errno != EINPROGRESS) {
        ADD_FAILURE() << "connect: " << errno;
    }
    return fd;
}

// Fills `fd`'s send buffer until it would block.
inline void fill_send_buffer(int fd) {
    static char junk[65536];
    for (int i = 0; i < 100000; ++i) {
        if (::send(fd, junk, sizeof junk, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) return;
    }
    ADD_FAILURE() << "send buffer never filled";
}

class DriverTest : public ::testing::TestWithParam<BackendParam> {
  protected:
    void SetUp() override {
        fds_before_ = open_fd_count();
        driver_ = make(DriverOptions{});
        ASSERT_NE(driver_, nullptr);
    }

    void TearDown() override {
        if (driver_) {
            EXPECT_EQ(driver_->pending(), 0u) << "operations still pending";
        }
        driver_.reset();
        extra_.clear();
        EXPECT_EQ(open_fd_count(), fds_before_) << "file descriptor leak";
    }

    // A driver of this test's backend (io_uring must be available here: if
    // it is not, make_driver throws and the test fails).
    std::unique_ptr<Driver> make(DriverOptions options) {
        options.kind = GetParam().kind;
        if (GetParam().emulate) ::setenv("CORONET_URING_EMULATE", GetParam().emulate, 1);
        auto driver = backend::make_driver(options);
        ::unsetenv("CORONET_URING_EMULATE");
        return driver;
    }

    void use_driver(DriverOptions options) {
        driver_.reset();
        driver_ = make(options);
    }

    bool is_uring() const { return GetParam().kind == BackendKind::io_uring; }
    Driver& d() { return *driver_; }

    // Starts `t`; records an inline finish.
    void start(TestOp& t) { t.sync = driver_->start(t.op); }

    // Polls until every op is done (bounded: a hang fails, never blocks).
    void wait(std::initializer_list<TestOp*> ops) {
        for (int i = 0; i < 2000; ++i) {
            bool all = true;
            for (TestOp* t : ops)
                all = all && t->done();
            if (all) return;
            driver_->poll(std::chrono::milliseconds(50));
        }
        ADD_FAILURE() << "operation never completed";
    }
    void wait(TestOp& t) { wait({&t}); }

    // Writes "socket <i>" into the peer end (second) of each pair.
    static void write_socket_names(std::vector<std::pair<Fd, Fd>>& pairs) {
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            const std::string message = "socket " + std::to_string(i);
            ASSERT_EQ(::write(pairs[i].second.get(), message.data(), message.size()),
                      static_cast<ssize_t>(message.size()));
        }
    }

    // Polls until every op is done (bounded), calling `finished(i)` once per
    // op as it completes, after poll returned. Returns how many completed.
    template <class Finished>
    std::size_t poll_until_each_done(std::vector<std::unique_ptr<TestOp>>& ops, Finished finished) {
        std::size_t count = 0;
        std::vector<bool> seen(ops.size(), false);
        for (int round = 0; round < 5000 && count < ops.size(); ++round) {
            driver_->poll(std::chrono::milliseconds(20));
            for (std::size_t i = 0; i < ops.size(); ++i) {
                if (!ops[i]->done() || seen[i]) continue;
                seen[i] = true;
                ++count;
                finished(i);
            }
        }
        return count;
    }

    // Polls without waiting, a few times, for completions that must not come.
    void settle(int rounds = 3) {
        for (int i = 0; i < rounds; ++i)
            driver_->poll(std::chrono::nanoseconds(0));
    }

    // Drains `reader` between polls until `t` (a send waiting for room) is
    // done (bounded: a hang fails in wait()).
    void drain_until_done(TestOp& t, int reader) {
        static char sink[65536];
        for (int i = 0; i < 1000 && !t.done(); ++i) {
            while (::read(reader, sink, sizeof sink) > 0) {
            }
            driver_->poll(std::chrono::milliseconds(10));
        }
        wait(t);
    }

    std::unique_ptr<Driver> driver_;
    std::vector<Fd> extra_;  // fds that must close after the driver
    int fds_before_ = 0;
};

}  // namespace coronet::test
