// CPU time of the whole process (every thread, io_uring workers included),
// user + system, in seconds: the clients print what their measured
// interval cost them, for the client-side comparison.
#pragma once

#include <sys/resource.h>

namespace tls_bench {

inline double process_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

}  // namespace tls_bench
