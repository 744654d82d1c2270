# bench/run_common.sh - sourced by bench/run.sh and bench/tls/run.sh, which
# take the same command line and build their programs the same way.
# Needs bash; defines functions only.
# shellcheck shell=bash

# bench_mode HELP_LINES ARG...: sets MODE to quick (--quick) or full; -h or
# --help prints lines HELP_LINES (sed range) of the calling script, exit 0;
# anything else is an error, exit 2.
# shellcheck disable=SC2034  # MODE is the calling script's
bench_mode() {
  local lines=$1 arg
  shift
  MODE=full
  for arg in "$@"; do
    case "$arg" in
      --quick) MODE=quick ;;
      -h | --help) sed -n "${lines}p" "$0"; exit 0 ;;
      *) echo "run.sh: unknown argument '$arg' (want --quick)" >&2; exit 2 ;;
    esac
  done
}

# bench_build ROOT LOG TARGET...: builds the targets in ROOT's release
# preset (configured first if it is not yet), output to LOG; exit 1 if that
# fails. Bounded: 30 min.
bench_build() {
  local root=$1 log=$2
  shift 2
  ( cd "$root" && { [ -f build/release/CMakeCache.txt ] || cmake --preset release >/dev/null; } \
      && timeout 1800 cmake --build --preset release -j2 --target "$@" ) >"$log" 2>&1 \
    || { echo "run.sh: building $* failed, see $log" >&2; exit 1; }
}
