#!/usr/bin/env bash
# The soak (not part of CI): 2,000 connections churning for SECONDS (600) on
# each backend, from the release build; appends the figures to
# tests/soak/RESULTS.md.
#
#     tests/soak/run.sh            # 10 minutes per backend
#     SECONDS_PER_RUN=60 CONNECTIONS=500 tests/soak/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
seconds=${SECONDS_PER_RUN:-600}
connections=${CONNECTIONS:-2000}
warmup=${WARMUP:-$((seconds / 10))}
{ cmake --preset release && cmake --build --preset release -j "$(nproc)" --target coronet_soak; } \
    >/dev/null || { echo "build failed"; exit 1; }
status=0
for backend in epoll io_uring; do
    line=$(CORONET_BACKEND=$backend build/release/tests/coronet_soak --seconds "$seconds" \
        --connections "$connections" --warmup "$warmup")
    rc=$?
    [ $rc -ne 0 ] && status=1
    echo "$line"
    echo "| $(date -u +%Y-%m-%d) | plain | $line | $([ $rc -eq 0 ] && echo pass || echo FAIL) |" \
        >>tests/soak/RESULTS.md
done
exit $status
