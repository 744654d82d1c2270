#!/usr/bin/env bash
# bench/run.sh - coronet's echo servers beside the baselines and the peers, in one run.
#
#     bench/run.sh            # full run (~70 min): every server, scenarios a a_busy b c d e,
#                             #   10,000 idle connections, callgrind instructions per request
#     bench/run.sh --quick    # subset (~5 min): native servers only, scenarios a and d
#
# Writes bench/results.md (raw data under build/bench-run/; the repetitions it reads,
# pooled runs' too, in bench/results-data/). Every figure is quoted as a ratio to the
# plain epoll baseline (raw_epoll) measured in the same run and repetition; absolute
# numbers on a shared 2-core VM are noise.
#
# Pieces:
#  * coronet servers: build/release/bench/bench_echo_* (bench/echo/*.cpp, release
#    preset). Each takes `--backend epoll|io_uring PORT` and is run once per backend
#    as coronet_<name>_epoll / coronet_<name>_uring; bench_echo_stream is the
#    stream layer, and any further bench/echo/<name>.cpp with the same command line
#    (the asyncio Protocol / BufferedProtocol servers) joins the run automatically.
#  * baselines and peers: the shared harness (../shared/bench, or $SHARED_BENCH),
#    copied to build/bench-shared/ and compiled there: the load generator, raw_epoll
#    (plain epoll, level-triggered), uring_tuned (multishot accept + recv, provided
#    buffers, SINGLE_ISSUER/DEFER_TASKRUN, batched submission), Boost.Asio, libuv,
#    Tokio and the Python servers. A peer that cannot be built is listed as such.
#  * load: the shared run_peers.sh (server on core 0, generator on core 1), then
#    bench/idle_conns.py (memory per idle connection), callgrind (user-space
#    instructions per request, 1 connection ping-pong) and cachegrind (cache lines of
#    user-space data per request at 1,000 connections, epoll servers).
#
# Knobs (environment): REPS, DUR, WARM (run_peers.sh's), SCEN, IDLE_CONNS [10000],
# CALLGRIND [1] (also cachegrind), OUT [bench/results.md], PEER_SERVERS (the peers to run beside raw_epoll and
# coronet, space-separated; empty for none: an A/B of coronet against the baseline alone),
# POOL (earlier runs' build/bench-history/<run> directories, space-separated, whose repetitions
# join this run's medians: every run keeps its raw figures there, and on this noisy VM one
# run's medians move by more than the targets' margins).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/run_common.sh
. "$ROOT/bench/run_common.sh"
bench_mode 2,30 "$@"
SHARED=${SHARED_BENCH:-}
for cand in "$ROOT/../shared/bench" /work/shared/bench; do
  [ -z "$SHARED" ] && [ -f "$cand/run_peers.sh" ] && SHARED=$(cd "$cand" && pwd)
done
[ -n "$SHARED" ] || { echo "run.sh: shared bench harness not found (set SHARED_BENCH)" >&2; exit 2; }
PEERS=$ROOT/build/bench-shared
WORK=$ROOT/build/bench-run
OUT=${OUT:-$ROOT/bench/results.md}
IDLE_CONNS=${IDLE_CONNS:-10000}
CALLGRIND=${CALLGRIND:-1}
if [ $MODE = quick ]; then
  REPS=${REPS:-3}; DUR=${DUR:-2}; WARM=${WARM:-1}; SCEN=${SCEN:-a,d}; SANITY=${SANITY:-0}
else
  REPS=${REPS:-5}; DUR=${DUR:-3}; WARM=${WARM:-1}; SCEN=${SCEN:-a,a_busy,b,c,d,e}; SANITY=${SANITY:-1}
fi
rm -rf "$WORK"; mkdir -p "$WORK"
NOTES=$WORK/notes.txt; : >"$NOTES"
note() { echo "$*" | tee -a "$NOTES" >&2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
START=$(date +%s)
# Read once at the start: the run measures this code even if HEAD moves meanwhile.
COMMIT_LINE=$(git -C "$ROOT" log -1 --format='%h %s' 2>/dev/null || echo unknown)
COMMIT=${COMMIT_LINE%% *}
echo "$COMMIT_LINE" >"$WORK/commit"  # what report.py names, not HEAD at report time
pool_args=()
for d in ${POOL:-}; do pool_args+=(--pool "$d"); done

# ---- build coronet's servers ------------------------------------------------------
echo "== building coronet echo servers (release preset)" >&2
targets=()
for src in "$ROOT"/bench/echo/*.cpp; do targets+=("bench_$(basename "$src" .cpp)"); done
bench_build "$ROOT" "$WORK/build.log" "${targets[@]}"

# ---- build the shared harness, baselines and peers (a copy: /work/shared is read-only) --
echo "== building the shared harness and peers in $PEERS" >&2
if ! diff -rq -x build -x results -x target "$SHARED" "$PEERS" >/dev/null 2>&1; then
  rm -rf "$PEERS"; cp -r "$SHARED" "$PEERS"; chmod -R u+w "$PEERS"; rm -rf "$PEERS"/results/*
fi
mkdir -p "$PEERS/build"
build_piece() {  # NAME OUTPUT COMMAND... : builds unless up to date; failures are noted
  local name=$1 out=$2; shift 2
  [ -x "$PEERS/build/$out" ] && return 0
  (cd "$PEERS" && timeout 900 "$@") >>"$WORK/peers-build.log" 2>&1 \
    || note "not built: $name (see build/bench-run/peers-build.log)"
}
need=""
for p in liburing-dev libboost-dev libuv1-dev librust-tokio-dev python3-uvloop python3-trio python3-anyio; do
  dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
  echo "   installing Debian packages:$need" >&2
  timeout 600 apt-get install -y -qq $need >>"$WORK/peers-build.log" 2>&1 \
    || note "apt-get install$need failed: the peers needing them are skipped"
fi
CF="-O2 -Wall -Wextra -g"
build_piece echo_load echo_load gcc $CF -o build/echo_load loadgen/echo_load.c
build_piece raw_epoll raw_epoll gcc $CF -o build/raw_epoll servers/raw_epoll.c
build_piece raw_uring raw_uring gcc $CF -o build/raw_uring servers/raw_uring.c -luring
build_piece uring_tuned uring_tuned gcc $CF -o build/uring_tuned servers/uring_tuned.c -luring
build_piece libuv libuv_echo gcc $CF -o build/libuv_echo servers/libuv_echo.c -luv
build_piece asio_coro asio_coro g++ -O2 -g -std=c++20 -Wall -o build/asio_coro servers/asio_coro.cpp -pthread
if command -v cargo >/dev/null; then
  build_piece tokio tokio_echo bash -c 'cd servers/tokio_echo && cargo build --release --offline -q && cp target/release/tokio_echo ../../build/tokio_echo'
else
  note "not built: tokio (no cargo on this machine)"
fi
for b in echo_load raw_epoll; do
  [ -x "$PEERS/build/$b" ] || { echo "run.sh: $b is required and did not build" >&2; exit 1; }
done

# ---- which servers ----------------------------------------------------------------
# The VM's speed jumps by up to 20 % every few tens of seconds (every server in a
# stretch of the sequence moves together), and a fixed order favours whichever
# server runs in the better part of each repetition, the same way every time
# (bench/log/README.md, sixth section of 2026-12-05). So each repetition runs the peers
# and coronet's servers in a fresh random order, with raw_epoll first, again before
# each pair and at the very end; report.py compares each server with the baseline
# runs on either side of it, interpolated to its place in that repetition's sequence.
declare -A PEER_BIN=([raw_uring]=raw_uring [uring_tuned]=uring_tuned [asio_coro]=asio_coro [libuv]=libuv_echo [tokio]=tokio_echo)
declare -A PY_MOD=([uvloop_protocol]=uvloop [asyncio_protocol]=asyncio [asyncio_streams]=asyncio [trio]=trio [anyio]=anyio)
declare -A PY_FILE=([uvloop_protocol]=uvloop_protocol.py [asyncio_protocol]=asyncio_protocol.py [asyncio_streams]=asyncio_streams.py [trio]=trio_echo.py [anyio]=anyio_echo.py)
if [ -n "${PEER_SERVERS+set}" ]; then read -r -a peers <<<"$PEER_SERVERS"
elif [ $MODE = quick ]; then peers=(uring_tuned asio_coro libuv tokio)
else peers=(raw_uring uring_tuned asio_coro libuv tokio uvloop_protocol asyncio_protocol asyncio_streams trio anyio); fi
kept_peers=()
for p in "${peers[@]}"; do
  if [ -n "${PEER_BIN[$p]:-}" ]; then
    [ -x "$PEERS/build/${PEER_BIN[$p]}" ] && kept_peers+=("$p") || note "skipped: $p (not built here)"
  elif [ -z "${PY_MOD[$p]:-}" ]; then
    echo "run.sh: unknown peer '$p' in PEER_SERVERS (known: ${!PEER_BIN[*]} ${!PY_MOD[*]})" >&2; exit 2
  else
    /usr/bin/python3 -c "import ${PY_MOD[$p]}" 2>/dev/null && kept_peers+=("$p") || note "skipped: $p (python module ${PY_MOD[$p]} missing)"
  fi
done
peer_cmd() {  # NAME -> the shared harness's command line for that peer, with {port}
  if [ -n "${PEER_BIN[$1]:-}" ]; then echo "$PEERS/build/${PEER_BIN[$1]} {port}"
  else echo "/usr/bin/python3 $PEERS/servers/${PY_FILE[$1]} {port}"; fi
}
# run_peers.sh runs its own servers first, in its fixed order, so the peers go to it
# as extra servers like coronet's, named peer_<name>; the merge below gives them
# their names back.
SHUFFLED=()
for p in "${kept_peers[@]}"; do SHUFFLED+=("peer_$p=$(peer_cmd "$p")"); done
CORONET=()
for t in "${targets[@]}"; do
  exe=$ROOT/build/release/bench/$t; short=${t#bench_echo_}
  CORONET+=("coronet_${short}_epoll=$exe --backend epoll {port}" "coronet_${short}_uring=$exe --backend io_uring {port}")
done
SHUFFLED+=("${CORONET[@]}")
BASELINE_CMD="$PEERS/build/raw_epoll {port}"
n_pairs=$(( (${#SHUFFLED[@]} + 1) / 2 ))
mapfile -t BASELINES < <(for k in $(seq 2 $((n_pairs + 1))); do echo "raw_epoll_$k"; done)
# shuffled_order: one repetition's extra servers for run_peers.sh, in run order
shuffled_order() {
  local k=1 i=0 s
  while IFS= read -r s; do
    [ $((i % 2)) = 0 ] && { k=$((k + 1)); printf '%s\n' "raw_epoll_$k=$BASELINE_CMD"; }
    printf '%s\n' "$s"; i=$((i + 1))
  done < <(printf '%s\n' "${SHUFFLED[@]}" | shuf)
  printf '%s\n' "raw_epoll_end=$BASELINE_CMD"
}
only="raw_epoll,$(printf '%s,' "${BASELINES[@]}")"
for s in "${SHUFFLED[@]}"; do only+="${s%%=*},"; done
only+="raw_epoll_end,"

# ---- throughput / latency through the shared harness --------------------------------
# One run_peers.sh per repetition (its order is fixed within a run), merged into one
# raw directory: rows keep their run order, which is each repetition's sequence.
# Its one-repetition tables go to /dev/null: summarize.py runs once over them all below.
echo "== run_peers.sh x $REPS: DUR=$DUR SCEN=$SCEN servers=$only" >&2
mkdir -p "$WORK/raw"
: >"$WORK/raw/results.tsv"
for rep in $(seq "$REPS"); do
  mapfile -t extra < <(shuffled_order)
  echo "   repetition $rep/$REPS: $(printf '%s ' "${extra[@]%%=*}")" >&2
  (cd "$PEERS" && REPS=1 DUR=$DUR WARM=$WARM SCEN=$SCEN SANITY=$([ "$rep" = 1 ] && echo "$SANITY" || echo 0) \
     ONLY=$only OUT=/dev/null timeout 7200 ./run_peers.sh "${extra[@]}") 2>>"$WORK/run_peers.log"
  rc=$?
  raw=$(sed -n 's/.*(raw data: \(.*\))$/\1/p' "$WORK/run_peers.log" | tail -1)
  if [ $rc -ne 0 ] || [ -z "$raw" ] || [ ! -f "$PEERS/$raw/results.tsv" ]; then
    echo "run.sh: run_peers.sh failed (rc=$rc), see $WORK/run_peers.log" >&2; exit 1
  fi
  awk -F'\t' -v OFS='\t' -v rep="$rep" '$1 == "run" { $2 = rep; sub(/^peer_/, "", $4) }
    $1 == "sanity" { sub(/^peer_/, "", $2) } { print }' \
    "$PEERS/$raw/results.tsv" >>"$WORK/raw/results.tsv"
  # meta.txt: the first repetition's header and scenarios, the servers in a fixed
  # order (the tables list them in it)
  if [ "$rep" = 1 ]; then
    { head -1 "$PEERS/$raw/meta.txt" | sed "s/reps=1/reps=$REPS/"
      grep '^server raw_epoll ' "$PEERS/$raw/meta.txt"
      for p in "${kept_peers[@]}"; do echo "server $p :: $(peer_cmd "$p")"; done
      for b in "${BASELINES[@]}"; do echo "server $b :: $BASELINE_CMD"; done
      for s in "${CORONET[@]}"; do echo "server ${s%%=*} :: ${s#*=}"; done
      echo "server raw_epoll_end :: $BASELINE_CMD"
      grep '^scenario ' "$PEERS/$raw/meta.txt"; } >"$WORK/raw/meta.txt"
  fi
  # each repetition's server logs and load generator output stay beside the merged figures
  mv "$PEERS/$raw" "$WORK/raw/rep-$rep"
done
# the harness's absolute tables, over every repetition (report.py quotes them)
(cd "$PEERS" && /usr/bin/python3 summarize.py "$WORK/raw" "$WORK/peers.md") 2>>"$WORK/run_peers.log" \
  || note "summarize.py failed: no absolute figures in the report"
# Kept past the next run (which empties $WORK), so later runs of the same code
# can pool these repetitions: POOL=build/bench-history/<this run> bench/run.sh
HIST=$ROOT/build/bench-history/$(date +%Y%m%d-%H%M)-$COMMIT
mkdir -p "$HIST" && cp "$WORK/raw/meta.txt" "$WORK/raw/results.tsv" "$WORK/commit" "$HIST/"

# ---- helpers for the two extra measurements -----------------------------------------
server_cmd() {  # NAME -> command line with {port}
  local s
  for s in "${CORONET[@]}"; do [ "${s%%=*}" = "$1" ] && { echo "${s#*=}"; return; }; done
  if [ "$1" = raw_epoll ]; then echo "$BASELINE_CMD"; else peer_cmd "$1"; fi
}
SRV=
start_srv() {  # PREFIX CMD PORT LOG
  : >"$4"  # appended to: the load generator and callgrind_control write to it too
  bash -c "exec taskset -c 0 $1 ${2//\{port\}/$3}" >>"$4" 2>&1 &
  SRV=$!
  for _ in $(seq 300); do
    kill -0 "$SRV" 2>/dev/null || return 1
    ss -Hltn "sport = :$3" | grep -q . && return 0
    sleep 0.1
  done
  return 1
}
stop_srv() {
  [ -n "$SRV" ] || return 0
  kill -TERM "$SRV" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$SRV" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; SRV=
}
trap 'stop_srv; exit 130' INT TERM
# A free port below the ephemeral range (32768+), so the idle run's 10,000 client
# ports (and their TIME_WAIT) never collide with the next server's.
port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 12000))
    ss -Htan "( sport = :$p or dport = :$p )" | grep -q . || { echo $p; return; }
  done
  echo $p
}
native=(raw_epoll)
for p in "${kept_peers[@]}"; do [ -n "${PEER_BIN[$p]:-}" ] && [ "$p" != raw_uring ] && native+=("$p"); done
native+=("${CORONET[@]%%=*}")

# ---- memory per idle connection -------------------------------------------------
echo "== $IDLE_CONNS idle connections" >&2
: >"$WORK/idle.tsv"
for name in "${native[@]}"; do
  p=$(port); cmd=$(server_cmd "$name")
  if start_srv "" "$cmd" "$p" "$WORK/idle_$name.log"; then
    line=$(timeout 300 taskset -c 1 /usr/bin/python3 "$ROOT/bench/idle_conns.py" "$p" "$SRV" "$IDLE_CONNS" 2>>"$WORK/idle_$name.log" | grep '^RESULT')
  else
    line="RESULT ok=0 error=server_not_listening"
  fi
  stop_srv
  echo -e "$name\t${line:-RESULT ok=0 error=no_result}" >>"$WORK/idle.tsv"
  echo "   $name: ${line:-failed}" >&2
done

# One server under valgrind (PREFIX, which names its output file) for SECONDS of 64-byte
# ping-pong over CONNS connections, logged beside that file; sets VERIFIED to the bytes the
# load generator verified (0 when the server or the load failed).
valgrind_load() {  # PREFIX SERVER CONNS SECONDS
  local p line log=${1##*-out-file=}
  log=${log%.out}.log
  p=$(port); line=""
  if start_srv "$1" "$(server_cmd "$2")" "$p" "$log"; then
    line=$(timeout 120 taskset -c 1 "$PEERS/build/echo_load" -p "$p" -c "$3" -s 64 -P 1 -d "$4" -w 0 2>>"$log" | grep '^RESULT')
    # uring_tuned leaves on SIGTERM's default action, which valgrind cannot deliver
    # while it waits in io_uring_enter: stop_srv then kills it and callgrind writes
    # no profile. A dump asked for now (vgdb reaches a process blocked in a syscall)
    # goes to PREFIX's file with ".1" appended.
    [[ $1 == *--tool=callgrind* ]] && timeout 30 callgrind_control -d "$SRV" >>"$log" 2>&1
  fi
  stop_srv
  VERIFIED=$(sed -n 's/.*verified_bytes=\([0-9]*\).*/\1/p' <<<"$line")
  VERIFIED=${VERIFIED:-0}
}

# ---- callgrind: user-space instructions per request, 1 connection ping-pong ----------------
# Two runs of different lengths per server; (Ir_long - Ir_short) / (req_long - req_short)
# cancels start-up and shutdown, leaving the per-request cost.
: >"$WORK/callgrind.tsv"
if [ "$CALLGRIND" = 1 ] && command -v valgrind >/dev/null; then
  echo "== callgrind, 1 connection ping-pong" >&2
  mkdir -p "$WORK/callgrind"
  for name in "${native[@]}"; do
    # quick mode: the baseline and coronet only (each server costs ~15 s under valgrind)
    [ $MODE = quick ] && [[ $name != raw_epoll && $name != coronet_* ]] && continue
    vals=()
    for d in 1 3; do
      f=$WORK/callgrind/$name.$d.out
      valgrind_load "valgrind --tool=callgrind --callgrind-out-file=$f" "$name" 1 $d
      [ -s "$f.1" ] && f=$f.1  # the dump after the load, when there is one
      ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p;s/^totals: *\([0-9]*\).*/\1/p' "$f" 2>/dev/null | head -1)
      vals+=("$VERIFIED" "${ir:-0}")
    done
    echo -e "$name\t${vals[*]}" >>"$WORK/callgrind.tsv"
    echo "   $name: bytes/Ir ${vals[*]}" >&2
  done
else
  note "callgrind skipped (CALLGRIND=0 or valgrind missing)"
fi

# ---- cachegrind: cache lines of user-space data per request, 1,000 connections ------------
# Where the stream layer's figure falls short of raw_epoll's at 1,000 connections, the
# kernel does the same work for both (same syscalls per request): the difference is
# user space, and there it is less the instructions than the memory each request touches.
# Every connection's state is cold when its turn comes again, so each cache line a
# request touches costs a trip to L3. The simulated last level cache is 512 KiB, half
# the L2 of a core of this machine: the kernel's loopback path shares the real one and is
# not simulated. Data misses in it per request = lines a request brings in. epoll servers
# only (valgrind's io_uring support is partial), same two-length difference as callgrind.
: >"$WORK/cachegrind.tsv"
if [ "$CALLGRIND" = 1 ] && command -v valgrind >/dev/null; then
  echo "== cachegrind, 1,000 connections" >&2
  mkdir -p "$WORK/cachegrind"
  for name in "${native[@]}"; do
    [[ $name == raw_epoll || ( $name == coronet_* && $name == *_epoll ) ]] || continue
    vals=()
    for d in 2 5; do
      f=$WORK/cachegrind/$name.$d.out
      valgrind_load "valgrind --tool=cachegrind --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 --LL=524288,8,64 --cachegrind-out-file=$f" "$name" 1000 $d
      # summary: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
      read -r ir _ _ _ _ dlmr _ _ dlmw < <(sed -n 's/^summary: *//p' "$f" 2>/dev/null)
      vals+=("$VERIFIED" "${ir:-0}" "$(( ${dlmr:-0} + ${dlmw:-0} ))")
    done
    echo -e "$name\t${vals[*]}" >>"$WORK/cachegrind.tsv"
    echo "   $name: bytes/Ir/lines ${vals[*]}" >&2
  done
fi

# ---- report ------------------------------------------------------------------------
# The history keeps what the report reads besides the repetitions, so that
# `report.py --work $HIST` can re-report this run (with other runs pooled in)
# after the next run has emptied $WORK.
cut -d' ' -f1-3 /proc/loadavg >"$WORK/loadavg"
for f in idle.tsv callgrind.tsv cachegrind.tsv notes.txt peers.md loadavg; do
  [ -f "$WORK/$f" ] && cp "$WORK/$f" "$HIST/"
done
/usr/bin/python3 "$ROOT/bench/report.py" --mode "$MODE" --work "$WORK" --out "$OUT" \
  --elapsed $(( $(date +%s) - START )) --cmd "bench/run.sh $*" "${pool_args[@]}" \
  || { echo "run.sh: report failed" >&2; exit 1; }
# The repetitions behind the report (this run's and the pooled runs') go beside
# it, as <report>-data/<run>/: build/ does not outlive the machine, and a later
# run of the same code elsewhere can pool them from there, or report.py re-report them.
DATA=${OUT%.md}-data
rm -rf "$DATA.new" && mkdir -p "$DATA.new" || { echo "run.sh: cannot write $DATA.new" >&2; exit 1; }
for d in "$HIST" ${POOL:-}; do cp -r "$d" "$DATA.new/$(basename "$d")"; done
rm -rf "$DATA" && mv "$DATA.new" "$DATA"
echo "results: $OUT (raw data: $WORK, kept in $DATA; took $(( $(date +%s) - START )) s)" >&2
