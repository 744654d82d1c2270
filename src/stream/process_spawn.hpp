// Starting a child with posix_spawn: the file actions and attributes that
// put its standard streams in place, and the error that names what failed.
#pragma once

#include <sys/types.h>

#include "coronet/net/file_descriptor.hpp"
#include "coronet/stream/process.hpp"

namespace coronet::stream_detail {

struct SpawnedChild {
    pid_t pid = -1;
    net::FileDescriptor pidfd;
    // Our ends of the pipes the options asked for (invalid otherwise).
    net::FileDescriptor stdin_writer;
    net::FileDescriptor stdout_reader;
    net::FileDescriptor stderr_reader;
};

SpawnedChild spawn_child(const Command& command, const ProcessOptions& options);

}  // namespace coronet::stream_detail
