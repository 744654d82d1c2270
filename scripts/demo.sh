#!/usr/bin/env bash
# The main job: build the release preset's demo and run it.
#   bash scripts/demo.sh [demo arguments...]
# CORONET_BACKEND=epoll|io_uring chooses the backend (default: io_uring when
# the kernel allows it, else epoll).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

ensure_packages cmake g++ make pkg-config libgtest-dev libgmock-dev libbenchmark-dev \
    liburing-dev libssl-dev

if [ ! -f examples/demo.cpp ]; then
    echo "error: examples/demo.cpp does not exist, so there is no demo to run" >&2
    exit 1
fi

jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release --target demo -j "$jobs"

demo=build/release/examples/demo
if [ ! -x "$demo" ]; then
    echo "error: the build finished but $demo was not produced" >&2
    exit 1
fi
exec "$demo" "$@"
