// Choosing the backend: CORONET_BACKEND, explicit kinds, and the fallback to
// epoll when a sandbox forbids io_uring.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "backend/fd_count.hpp"
#include "coronet/backend/driver.hpp"

namespace coronet::test {
namespace {

using backend::BackendKind;
using backend::make_driver;

// Sets (or, with nullptr, unsets) CORONET_BACKEND for one scope.
class ScopedBackendEnv {
  public:
    explicit ScopedBackendEnv(const char* value) {
        if (const char* old = std::getenv("CORONET_BACKEND")) saved_ = old;
        value ? ::setenv("CORONET_BACKEND", value, 1) : ::unsetenv("CORONET_BACKEND");
    }
    ~ScopedBackendEnv() {
        saved_ ? ::setenv("CORONET_BACKEND", saved_->c_str(), 1) : ::unsetenv("CORONET_BACKEND");
    }

  private:
    std::optional<std::string> saved_;
};

class BackendSelection : public ::testing::Test {
  protected:
    void SetUp() override { fds_before_ = open_fd_count(); }
    void TearDown() override { EXPECT_EQ(open_fd_count(), fds_before_) << "file descriptor leak"; }
    int fds_before_ = 0;
};

TEST_F(BackendSelection, EnvironmentPicksTheBackend) {
    {
        ScopedBackendEnv env("epoll");
        EXPECT_EQ(make_driver({})->name(), "epoll");
    }
    {
        ScopedBackendEnv env("io_uring");
        EXPECT_EQ(make_driver({})->name(), "io_uring");
    }
    {
        ScopedBackendEnv env("auto");
        EXPECT_EQ(make_driver({})->name(), "io_uring");
    }
    {
        ScopedBackendEnv env(nullptr);
        EXPECT_EQ(make_driver({})->name(), "io_uring") << "this machine supports io_uring";
    }
}

TEST_F(BackendSelection, ExplicitKindWinsOverTheEnvironment) {
    ScopedBackendEnv env("epoll");
    EXPECT_EQ(make_driver({.kind = BackendKind::io_uring})->name(), "io_uring");
    EXPECT_EQ(make_driver({.kind = BackendKind::epoll})->name(), "epoll");
}

TEST_F(BackendSelection, UnknownBackendNameIsAnError) {
    ScopedBackendEnv env("kqueue");
    try {
        make_driver({});
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("kqueue"), std::string::npos) << e.what();
    }
}

TEST_F(BackendSelection, IoUringIsAvailableHere) {
    std::string why;
    EXPECT_TRUE(backend::io_uring_available(&why)) << why;
}

// In a child: forbid io_uring_setup with seccomp (as container runtimes do),
// then check automatic selection falls back and an explicit request fails.
int run_sandboxed_child() {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 10;
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) return 11;

    ::unsetenv("CORONET_BACKEND");
    try {
        if (make_driver({})->name() != "epoll") return 12;
    } catch (...) {
        return 13;
    }
    std::string why;
    if (backend::io_uring_available(&why)) return 14;
    if (why.find("Operation not permitted") == std::string::npos) return 15;
    try {
        make_driver({.kind = BackendKind::io_uring});
        return 16;
    } catch (const std::runtime_error& e) {
        if (std::string(e.what()).find("io_uring") == std::string::npos) return 17;
    } catch (...) {
        return 18;
    }
    return 0;
}

TEST_F(BackendSelection, SeccompForbiddingIoUringFallsBackToEpoll) {
#if !defined(__x86_64__)
    GTEST_SKIP() << "the filter is written for x86-64";
#endif
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ::_exit(run_sandboxed_child());
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "child died: status " << status;
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << "10-11: seccomp setup, 12-13: automatic did not give epoll, 14-15: "
           "io_uring_available, 16-18: explicit io_uring did not throw runtime_error";
}

}  // namespace
}  // namespace coronet::test
