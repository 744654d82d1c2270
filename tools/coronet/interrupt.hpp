// Ending a subcommand on SIGINT or SIGTERM: the work is cancelled (so every
// await point unwinds, closing sockets and leaving what was already written
// to stdout there), and the caller learns that it was interrupted.
#pragma once
#include <coronet/coronet.hpp>
#include <functional>

namespace coronet::cli {

// Runs `body` until it returns or a SIGINT/SIGTERM arrives; true if a signal
// came. Exceptions from `body` propagate. With `soft_stop`, the first signal
// only sets that event (the body winds down itself, e.g. bench printing
// its results) and a second one cancels.
Task<bool> run_until_interrupted(std::function<Task<void>()> body, Event* soft_stop = nullptr);

}  // namespace coronet::cli
