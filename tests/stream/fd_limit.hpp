// Sets RLIMIT_NOFILE's soft limit for a test's duration.
#pragma once

#include <sys/resource.h>

#include <algorithm>

namespace stream_test {

struct FdLimit {
    rlimit saved{};
    explicit FdLimit(rlim_t soft) {
        ::getrlimit(RLIMIT_NOFILE, &saved);
        rlimit changed = saved;
        changed.rlim_cur = std::min<rlim_t>(soft, saved.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &changed);
    }
    rlim_t current() const {
        rlimit now{};
        ::getrlimit(RLIMIT_NOFILE, &now);
        return now.rlim_cur;
    }
    ~FdLimit() { ::setrlimit(RLIMIT_NOFILE, &saved); }
    FdLimit(const FdLimit&) = delete;
    FdLimit& operator=(const FdLimit&) = delete;
};

}  // namespace stream_test
