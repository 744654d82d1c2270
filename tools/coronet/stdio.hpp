// Standard input and output driven by the event loop.
//
// The loop must never block on a pipe or a terminal, yet setting O_NONBLOCK
// on the inherited descriptor would change it for every process sharing it
// (the shell, siblings in a pipeline). So a pipe or terminal is reopened
// through /proc/self/fd/N, which gives this process its own open file
// description to make non-blocking. Regular files (and anything that cannot
// be reopened) are read and written directly: they never wait for long.
#pragma once
#include <coronet/coronet.hpp>
#include <cstddef>
#include <optional>

namespace coronet::cli {

class StdioFile {
  public:
    // `fd` is 0 or 1; `for_writing` picks the direction to reopen it in.
    StdioFile(int fd, bool for_writing);
    StdioFile(const StdioFile&) = delete;
    StdioFile& operator=(const StdioFile&) = delete;
    ~StdioFile();

    // Up to max_bytes; nullopt at end of file (also when the fd is closed).
    Task<std::optional<Bytes>> read(std::size_t max_bytes = 65536);
    // All of `data`; BrokenResourceError when the reader went away (EPIPE).
    Task<void> write(BytesView data);

  private:
    int fd_ = -1;
    bool owned_ = false;     // we reopened it: ours to close
    bool pollable_ = false;  // non-blocking: wait for readiness on EAGAIN
    bool waited_ = false;    // the loop has seen the fd
};

}  // namespace coronet::cli
