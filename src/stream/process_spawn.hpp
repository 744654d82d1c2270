// open_process's side of spawning: turns a Command and ProcessOptions into
// the net layer's layer-neutral SpawnSpec (coronet/net/spawn.hpp).
#pragma once

#include "coronet/net/spawn.hpp"
#include "coronet/stream/process.hpp"

namespace coronet::stream_detail {

net::SpawnedChild spawn_child(const Command& command, const ProcessOptions& options);

}  // namespace coronet::stream_detail
