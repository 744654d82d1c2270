#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset) and runs each one.
#
#     fuzz/run.sh                 # every target for 20 s (what CI runs)
#     fuzz/run.sh 600             # every target for 10 minutes
#     fuzz/run.sh 600 buffered_stream
#     MERGE=1 fuzz/run.sh 600     # then fold new interesting inputs into fuzz/corpus/
#
# Each target starts from its committed corpus (fuzz/corpus/<name>, only
# read) and writes what it discovers to a scratch corpus in build/fuzz/.
# A crash, leak, sanitizer report or timeout leaves its input in
# build/fuzz/artifacts/<name>/ and makes the script exit non-zero.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

seconds=${1:-20}
shift || true
JOBS=${JOBS:-$(nproc)}

# SKIP_BUILD=1: the caller (scripts/test.sh) has built the preset already.
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    mkdir -p build/logs
    if ! { cmake --preset fuzz && cmake --build --preset fuzz -j "$JOBS"; } >build/logs/build-fuzz.log 2>&1; then
        tail -n 40 build/logs/build-fuzz.log
        echo "fuzz: build failed (log: build/logs/build-fuzz.log)"
        exit 1
    fi
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for source in fuzz/*.cpp; do targets+=("$(basename "$source" .cpp)"); done
fi

status=0
for name in "${targets[@]}"; do
    binary=build/fuzz/fuzz/fuzz_$name
    scratch=build/fuzz/corpus/$name
    artifacts=build/fuzz/artifacts/$name
    mkdir -p "$scratch" "$artifacts" "fuzz/corpus/$name"
    # The epoll backend: a loop per input is cheaper to create there.
    if CORONET_BACKEND=epoll "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 \
        "$scratch" "fuzz/corpus/$name" >"build/fuzz/$name.log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build/fuzz/$name.log" | grep -o '[0-9]*$')
        echo "fuzz $name: ${seconds} s, ${runs:-?} inputs, no findings"
        if [ "${MERGE:-0}" = 1 ]; then
            CORONET_BACKEND=epoll "$binary" -merge=1 "fuzz/corpus/$name" "$scratch" >/dev/null 2>&1
        fi
    else
        status=1
        echo "fuzz $name: FINDING (log build/fuzz/$name.log, input in $artifacts/):"
        grep -E "ERROR|invariant broken|SUMMARY|deadly signal" "build/fuzz/$name.log" | head -n 10
    fi
done
exit $status
