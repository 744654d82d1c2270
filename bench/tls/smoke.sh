#!/usr/bin/env bash
# bench/tls/smoke.sh BIN_DIR: the TLS benchmark programs, briefly (the ctest
# bench.tls_smoke). Each server (plain OpenSSL; coronet on CORONET_BACKEND)
# is driven by each client (plain OpenSSL; coronet) in both scenarios with
# tiny limits; every run must report verified=1 and a nonzero count. No
# timing is checked. Bounded: every wait and run has a timeout.
set -uo pipefail
bin=${1:?usage: smoke.sh BIN_DIR}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
srv=
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
bash "$here/make_certs.sh" "$work" || { echo "FAIL: certificates" >&2; exit 1; }

start_server() {  # EXE [ARGS...]: starts it on a free port, sets $srv and $port
  "$@" --cert "$work/server.pem" --key "$work/server.key" 0 >"$work/port" 2>"$work/server.err" &
  srv=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$work/port")
    [ -n "$port" ] && return 0
    kill -0 "$srv" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: $1 did not start:" >&2; cat "$work/server.err" >&2
  return 1
}
stop_server() {
  kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; srv=
}

failures=0
check() {  # LABEL CLIENT MODE LIMIT...: one client run, its output checked
  local label=$1 client=$2 mode=$3; shift 3
  local out
  out=$(timeout 60 "$bin/$client" "$mode" --port "$port" --cafile "$work/ca.pem" --seconds 5 "$@" 2>&1)
  local rc=$?
  if [ $rc -ne 0 ] || ! grep -q 'verified=1' <<<"$out" ||
     grep -Eq '(bytes|count)=0 ' <<<"$out"; then
    echo "FAIL: $label: rc=$rc: $out" >&2
    failures=$((failures + 1))
  else
    echo "ok: $label: $out"
  fi
}

for server in openssl coronet; do
  start_server "$bin/bench_tls_${server}_server" || exit 1
  for client in openssl coronet; do
    check "$client client -> $server server, bulk" bench_tls_${client}_client bulk --max-bytes 3000000
    check "$client client -> $server server, handshakes" bench_tls_${client}_client handshakes \
        --max-count 20 --concurrency 2
  done
  stop_server
done
[ $failures -eq 0 ] && echo "all TLS bench smoke runs verified"
exit $((failures > 0))
