#!/usr/bin/env bash
# bench/tls/run.sh - coronet's TLS layer against plain OpenSSL, in one run.
#
#     bench/tls/run.sh            # 5 repetitions, 3 s per measurement (~4 min)
#     bench/tls/run.sh --quick    # 3 repetitions, 1.5 s per measurement (~1.5 min)
#
# Servers (each pinned to core 0), one at a time, alternating within every
# repetition (the order rotates from one repetition to the next):
#   openssl        bench_tls_openssl_server: OpenSSL over the socket, epoll
#   coronet_epoll  bench_tls_coronet_server --backend epoll   (TLSListener)
#   coronet_uring  bench_tls_coronet_server --backend io_uring
# all driven by the same load client, bench_tls_openssl_client (pinned to
# core 1), so that only the server differs, in two scenarios:
#   bulk        1 connection, echo both directions at once, every byte checked
#   handshakes  full TLS 1.3 handshakes + a 32-byte echo + close_notify both
#               ways, HS_CONC connections at a time
# The server's CPU time over each measurement comes from /proc/PID/stat
# (user + system, every thread). Reported: the client's rate, the units per
# server-CPU-second, and both as ratios to openssl in the same repetition
# (medians over the repetitions). A client-side comparison follows:
# bench_tls_coronet_client against bench_tls_openssl_client, both against
# the openssl server, per client-CPU-second (the clients measure their own).
#
# Writes bench/tls/results.md (raw data in build/bench-tls/raw.tsv).
# Knobs (environment): REPS, SECONDS_PER_RUN, HS_CONC [2], CLIENT_BACKEND (of the
# coronet client) [io_uring], OUT.
# Bounded: a fixed number of runs, each under `timeout`.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/run_common.sh
. "$ROOT/bench/run_common.sh"
bench_mode 2,26 "$@"
if [ $MODE = quick ]; then
  REPS=${REPS:-3}; SECONDS_PER_RUN=${SECONDS_PER_RUN:-1.5}
else
  REPS=${REPS:-5}; SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
fi
HS_CONC=${HS_CONC:-2}
CLIENT_BACKEND=${CLIENT_BACKEND:-io_uring}
OUT=${OUT:-$ROOT/bench/tls/results.md}
WORK=$ROOT/build/bench-tls
BIN=$ROOT/build/release/bench
rm -rf "$WORK"; mkdir -p "$WORK"

echo "== building the TLS bench programs (release preset)" >&2
targets=(bench_tls_openssl_server bench_tls_openssl_client bench_tls_coronet_server
  bench_tls_coronet_client)
bench_build "$ROOT" "$WORK/build.log" "${targets[@]}"
bash "$ROOT/bench/tls/make_certs.sh" "$WORK/certs" || exit 1
CERTS=(--cert "$WORK/certs/server.pem" --key "$WORK/certs/server.key")

declare -A SERVER=(
  [openssl]="$BIN/bench_tls_openssl_server"
  [coronet_epoll]="$BIN/bench_tls_coronet_server --backend epoll"
  [coronet_uring]="$BIN/bench_tls_coronet_server --backend io_uring"
)
SERVERS=(openssl coronet_epoll coronet_uring)

SRV=
PORT=
start_server() {  # NAME: pinned to core 0; sets SRV and PORT
  # shellcheck disable=SC2086
  taskset -c 0 ${SERVER[$1]} "${CERTS[@]}" 0 >"$WORK/port" 2>"$WORK/server-$1.log" &
  SRV=$!
  PORT=
  for _ in $(seq 100); do
    PORT=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$WORK/port")
    [ -n "$PORT" ] && return 0
    kill -0 "$SRV" 2>/dev/null || break
    sleep 0.1
  done
  echo "run.sh: server $1 did not start, see $WORK/server-$1.log" >&2
  return 1
}
stop_server() {
  kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; SRV=
}
trap 'stop_server' EXIT
server_ticks() { awk '{print $14 + $15}' "/proc/$SRV/stat"; }
TCK=$(getconf CLK_TCK)

client() {  # CLIENT MODE SECONDS: one pinned client run against $PORT; prints its line
  local extra=()
  [ "$2" = handshakes ] && extra+=(--concurrency "$HS_CONC")
  [ "$1" = coronet ] && extra+=(--backend "$CLIENT_BACKEND")
  timeout 120 taskset -c 1 "$BIN/bench_tls_$1_client" "$2" --port "$PORT" \
    --cafile "$WORK/certs/ca.pem" --seconds "$3" "${extra[@]}" 2>>"$WORK/client.log"
}
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }

RAW=$WORK/raw.tsv
printf 'rep\tscenario\tserver\tclient\trate\tunits\tserver_cpu\tclient_cpu\n' >"$RAW"
failures=0
measure() {  # REP SERVER CLIENT: both scenarios against the running server
  local mode out before after units rate
  for mode in bulk handshakes; do
    client "$3" "$mode" 0.3 >/dev/null || true  # warm-up
    before=$(server_ticks)
    if ! out=$(client "$3" "$mode" "$SECONDS_PER_RUN") || ! grep -q 'verified=1' <<<"$out"; then
      echo "run.sh: $3 client against $2, $mode: failed (see $WORK/client.log)" >&2
      failures=$((failures + 1))
      continue
    fi
    after=$(server_ticks)
    if [ "$mode" = bulk ]; then
      units=$(field bytes "$out"); rate=$(field mib_per_s "$out")
    else
      units=$(field count "$out"); rate=$(field per_s "$out")
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$mode" "$2" "$3" "$rate" "$units" \
      "$(awk -v d=$((after - before)) -v t="$TCK" 'BEGIN{print d / t}')" \
      "$(field cpu "$out")" >>"$RAW"
    echo "   rep $1 $mode server=$2 client=$3: $out" >&2
  done
}

START=$(date +%s)
for rep in $(seq "$REPS"); do
  # Rotate the order so that no server always runs first (or right after a build).
  order=()
  for i in 0 1 2; do order+=("${SERVERS[$(((i + rep) % 3))]}"); done
  for name in "${order[@]}"; do
    start_server "$name" || exit 1
    measure "$rep" "$name" openssl
    if [ "$name" = openssl ]; then
      measure "$rep" openssl coronet  # the client-side comparison
    fi
    stop_server
  done
done
echo "== $((($(date +%s) - START))) s of measurements, $failures failed runs" >&2

python3 "$ROOT/bench/tls/report.py" "$RAW" --reps "$REPS" --seconds "$SECONDS_PER_RUN" \
  --hs-conc "$HS_CONC" --client-backend "$CLIENT_BACKEND" --commit "$(git -C "$ROOT" rev-parse --short HEAD)" \
  --load "$(cut -d' ' -f1-3 /proc/loadavg)" >"$OUT" || exit 1
cat "$OUT"
echo "(written to $OUT; raw data in $RAW)" >&2
[ $failures -eq 0 ]
