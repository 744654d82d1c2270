#!/usr/bin/env bash
# The test command: builds coronet and runs the whole suite once per backend.
#   bash scripts/test.sh
#
# Phases (each prints "phase <name>: <seconds> s"):
#   build release             configure + build the release preset (-Werror)
#   checks                    headers compile alone, layering, installed-package consumers
#   release/<backend>         ctest once per backend in RELEASE_BACKENDS
#   build asan                ASan+UBSan build
#   asan/<backend>            ctest once per backend in ASAN_BACKENDS (CORONET_TEST_SCALE=0.1)
#   build clang               clang++-14 build of the library and examples (no run;
#                             the tests already run under two g++ builds)
#   build fuzz, fuzz          clang++-14 libFuzzer targets (ASan+UBSan), each run
#                             FUZZ_SECONDS (20) from its corpus in fuzz/corpus/
#   build tsan, tsan/<b>      ThreadSanitizer on the tests labelled `threads`
# The last line is "<N> passed, <M> failed": N counts ctest tests passed over
# all phases; M counts failed tests plus one per phase that failed outright.
# The exit status is non-zero when anything failed.
#
# Tuning (environment): JOBS (default nproc), RELEASE_BACKENDS ("epoll io_uring"),
# ASAN_BACKENDS ("io_uring epoll"), RUN_CLANG (1), RUN_TSAN (1), RUN_FUZZ (1), FUZZ_SECONDS (20),
# TSAN_BACKENDS ("epoll io_uring").
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source scripts/deps.sh

ensure_packages cmake g++ make pkg-config libgtest-dev libgmock-dev libbenchmark-dev \
    liburing-dev libssl-dev openssl clang-14 libclang-rt-14-dev python3 nftables libcli11-dev \
    socat netcat-openbsd || exit 1

JOBS=${JOBS:-$(nproc)}
RELEASE_BACKENDS=${RELEASE_BACKENDS:-"epoll io_uring"}
ASAN_BACKENDS=${ASAN_BACKENDS:-"io_uring epoll"}
TSAN_BACKENDS=${TSAN_BACKENDS:-"epoll io_uring"}
RUN_CLANG=${RUN_CLANG:-1}
RUN_TSAN=${RUN_TSAN:-1}
RUN_FUZZ=${RUN_FUZZ:-1}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

# Labels that do not depend on the backend run once, in the "checks" phase.
STATIC_LABELS='^(headers|layering|consumer)$'

LOG_DIR=build/logs
mkdir -p "$LOG_DIR"

passed=0
failed=0
failed_phases=()
summary=()

finish_phase() {  # finish_phase <name> <start seconds> <status>
    local line="phase $1: $((SECONDS - $2)) s"
    if [ "$3" -ne 0 ]; then
        line+=" (FAILED)"
        failed_phases+=("$1")
    fi
    echo "$line"
    summary+=("$line")
}

# build <preset> [target...]: configure and build (everything, or just the
# targets named); output goes to build/logs/build-<preset>.log.
build() {
    local preset=$1 start=$SECONDS status=0 log="$LOG_DIR/build-$1.log"
    shift
    local targets=()
    [ $# -gt 0 ] && targets=(--target "$@")
    echo "=== build $preset"
    { cmake --preset "$preset" && cmake --build --preset "$preset" -j "$JOBS" "${targets[@]}"; } \
        >"$log" 2>&1 || status=$?
    if [ $status -ne 0 ]; then
        echo "--- last lines of $log:"
        tail -n 60 "$log"
        failed=$((failed + 1))
    fi
    finish_phase "build $preset" $start $status
    return $status
}

# run_ctest <phase name> <preset> [ctest args...]: runs ctest and counts results.
run_ctest() {
    local name=$1 preset=$2 start=$SECONDS status=0 log="$LOG_DIR/ctest-${1//\//-}.log"
    shift 2
    echo "=== $name"
    # The full output is in the log; the console skips ctest's "Start" lines.
    ctest --preset "$preset" -j "$JOBS" "$@" 2>&1 | tee "$log" | grep -v '^ *Start '
    status=${PIPESTATUS[0]}
    # "95% tests passed, 3 tests failed out of 60"
    local counts
    counts=$(sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\)$/\1 \2/p' "$log" |
        tail -n 1)
    if [ -n "$counts" ]; then
        local nfail=${counts% *} total=${counts#* }
        passed=$((passed + total - nfail))
        failed=$((failed + nfail))
        if [ "$nfail" -eq 0 ] && [ $status -ne 0 ]; then failed=$((failed + 1)); fi
    elif [ $status -ne 0 ]; then
        failed=$((failed + 1))  # ctest itself failed (no tests found, bad preset, ...)
    fi
    finish_phase "$name" $start $status
}

# --- release: both backends, plus the backend-independent checks -----------
if build release; then
    run_ctest "checks" release -L "$STATIC_LABELS"
    for backend in $RELEASE_BACKENDS; do
        CORONET_BACKEND=$backend run_ctest "release/$backend" release -LE "$STATIC_LABELS"
    done
fi

# --- asan + ubsan ------------------------------------------------------------
if [ -n "$ASAN_BACKENDS" ] && build asan; then
    for backend in $ASAN_BACKENDS; do
        CORONET_BACKEND=$backend CORONET_TEST_SCALE=0.1 \
            run_ctest "asan/$backend" asan -LE "$STATIC_LABELS"
    done
fi

# --- clang 14: build only ----------------------------------------------------
if [ "$RUN_CLANG" = 1 ]; then
    build clang
fi

# --- libFuzzer: every target for FUZZ_SECONDS from its committed corpus -----
if [ "$RUN_FUZZ" = 1 ] && build fuzz; then
    start=$SECONDS
    echo "=== fuzz (${FUZZ_SECONDS} s per target)"
    fuzz_log="$LOG_DIR/fuzz.log"
    SKIP_BUILD=1 JOBS=$JOBS fuzz/run.sh "$FUZZ_SECONDS" 2>&1 | tee "$fuzz_log"
    status=${PIPESTATUS[0]}
    passed=$((passed + $(grep -c 'no findings$' "$fuzz_log")))
    failed=$((failed + $(grep -c ': FINDING' "$fuzz_log")))
    finish_phase "fuzz" $start $status
fi

# --- tsan: the tests labelled threads ---------------------------------------
# Only the *_threads executables are built: they are all the label selects.
tsan_targets=()
for dir in tests/*/; do
    layer=$(basename "$dir")
    compgen -G "tests/$layer/*thread*.cpp" >/dev/null && tsan_targets+=("test_${layer}_threads")
done
if [ "$RUN_TSAN" = 1 ] && [ ${#tsan_targets[@]} -gt 0 ] && build tsan "${tsan_targets[@]}"; then
    for backend in $TSAN_BACKENDS; do
        CORONET_BACKEND=$backend run_ctest "tsan/$backend" tsan -L threads
    done
fi

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed_phases[@]} -gt 0 ]; then
    echo "failed phases: ${failed_phases[*]} (logs in $LOG_DIR)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failed_phases[@]} -eq 0 ]
