// Helpers for the process tests: zombie checks and reading a pipe to EOF.
#pragma once

#include <sys/wait.h>

#include <cerrno>
#include <coronet/coronet.hpp>

namespace process_test {

// True when `pid` is no child of ours any more (reaped): no zombie left.
inline bool reaped(pid_t pid) {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) < 0 &&
           errno == ECHILD;
}

inline coronet::Task<coronet::Bytes> read_all(coronet::ByteReceiveStream& stream) {
    coronet::Bytes all;
    for (int i = 0; i < 1'000'000; ++i) {
        try {
            all.append(co_await stream.receive());
        } catch (const coronet::EndOfStream&) {
            break;
        }
    }
    co_return all;
}

}  // namespace process_test
