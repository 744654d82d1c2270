#!/usr/bin/env bash
# The main job: build the `coronet` command-line tool (release preset) and run
# `coronet demo`: an in-process echo server and a short bench against it, then
# the reference's TCP, UNIX, fd-passing, UDP and UNIX-datagram exchanges.
#   bash scripts/demo.sh [demo arguments...]     (e.g. --duration 2s)
# CORONET_BACKEND=epoll|io_uring chooses the backend (default: io_uring when
# the kernel allows it, else epoll). The runtime walk-through that used to be
# the demo is still built as build/release/examples/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

ensure_packages cmake g++ make pkg-config libgtest-dev libgmock-dev libbenchmark-dev \
    liburing-dev libssl-dev libcli11-dev

jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release --target coronet_cli -j "$jobs"

coronet=build/release/tools/coronet
if [ ! -x "$coronet" ]; then
    echo "error: the build finished but $coronet was not produced" >&2
    exit 1
fi
exec "$coronet" demo "$@"
