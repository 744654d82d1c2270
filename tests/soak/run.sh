#!/usr/bin/env bash
# The soak (not part of CI; ctest runs a few-second smoke of it): 2,000
# connections churning for SECONDS_PER_RUN (600) in each mode (plain, TLS) on
# each backend, one run at a time, from the release build. Prints each run's
# figures and appends a row per run to tests/soak/RESULTS.md. Exits non-zero
# when a run failed.
#
#     tests/soak/run.sh                     # 4 runs of 10 minutes
#     SECONDS_PER_RUN=60 CONNECTIONS=500 MODES=tls BACKENDS=io_uring tests/soak/run.sh
#     MAX_HANDSHAKES=64 MODES=tls tests/soak/run.sh   # TLSListener's handshake cap
#
# The TLS certificates are made in-process at start (a temporary directory,
# removed at exit). Runs under `nice` (NICE, default 5): the churn rate it
# records is that of whatever else the machine is doing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
seconds=${SECONDS_PER_RUN:-600}
connections=${CONNECTIONS:-2000}
warmup=${WARMUP:-$((seconds / 10))}
modes=${MODES:-"plain tls"}
backends=${BACKENDS:-"epoll io_uring"}
niceness=${NICE:-5}
max_handshakes=${MAX_HANDSHAKES:-0}
results=tests/soak/RESULTS.md
{ cmake --preset release && cmake --build --preset release -j 2 --target coronet_soak; } \
    >/dev/null || { echo "build failed"; exit 1; }

# field <line> <key>: the value of key=value in the program's line.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
first() { cut -d, -f1 <<<"$1"; }
last() { tr ',' '\n' <<<"$1" | tail -n 1; }
peak() { tr ',' '\n' <<<"$1" | sort -n | tail -n 1; }

status=0
for mode in $modes; do
    for backend in $backends; do
        flag=()
        [ "$mode" = tls ] && flag=(--tls)
        # The program bounds itself (no exchange starts after `seconds`, none
        # outlasts its timeout); `timeout` is a last resort against a hang.
        line=$(CORONET_BACKEND=$backend timeout --signal=KILL $((seconds + 300)) \
            nice -n "$niceness" build/release/tests/coronet_soak "${flag[@]}" \
            --seconds "$seconds" --connections "$connections" --warmup "$warmup" \
            --max-handshakes "$max_handshakes")
        rc=$?
        echo "$line"
        result=pass
        if [ $rc -ne 0 ]; then
            result="FAIL (exit $rc)"
            status=1
        fi
        [ -z "$line" ] && line="mode=$mode backend=$backend"
        heap=$(field "$line" heap_in_use_samples_kib)
        shown_mode=$mode
        [ "$mode" = tls ] && [ "$max_handshakes" != 0 ] &&
            shown_mode="tls, max_concurrent_handshakes $max_handshakes"
        printf '| %s | %s | %s | %s s (warm-up %s s) | %s | %s (%s/s) | %s | %s → %s KiB (%s %%) | %s → %s KiB (peak %s) | %s / %s (in loop %s / %s) | %s |\n' \
            "$(date -u +%Y-%m-%d)" "$shown_mode" "$backend" "$seconds" "$warmup" "$connections" \
            "$(field "$line" exchanges)" "$(field "$line" per_second)" "$(field "$line" errors)" \
            "$(field "$line" rss_after_warmup_kib)" "$(field "$line" rss_end_kib)" \
            "$(field "$line" rss_growth_pct)" "$(first "$heap")" "$(last "$heap")" "$(peak "$heap")" \
            "$(field "$line" fds_start)" "$(field "$line" fds_end)" \
            "$(field "$line" loop_fds_start)" "$(field "$line" loop_fds_end)" "$result" \
            >>"$results"
    done
done
exit $status
