// Linked into every test executable: each test must leave the process with
// exactly the file descriptors it found (sockets, eventfds, rings, pipes).
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdio>

namespace {

int open_fd_count() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return -1;
    int count = 0;
    while (::readdir(dir))
        ++count;
    ::closedir(dir);
    return count;  // includes ".", ".." and the directory's own fd: constant
}

class FdLeakListener final : public ::testing::EmptyTestEventListener {
    void OnTestStart(const ::testing::TestInfo&) override { before_ = open_fd_count(); }
    // Runs before the result printer's OnTestEnd, while failures are still
    // attributed to the test, so a leak fails the test that caused it.
    void OnTestEnd(const ::testing::TestInfo&) override {
        const int after = open_fd_count();
        if (after != before_) {
            ADD_FAILURE() << "file descriptor leak: " << before_ << " open before the test, "
                          << after << " after";
        }
    }
    int before_ = 0;
};

const bool registered = [] {
    ::testing::UnitTest::GetInstance()->listeners().Append(new FdLeakListener);
    return true;
}();

}  // namespace
