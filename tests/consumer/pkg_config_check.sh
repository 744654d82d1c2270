#!/bin/sh
# pkg_config_check.sh <c++ compiler> <install prefix> <main.cpp> <work dir>
# Builds and runs main.cpp against an installed coronet using only pkg-config.
set -eu
cxx=$1 prefix=$2 source=$3 work=$4
pcdir=$(dirname "$(find "$prefix" -name coronet.pc | head -n 1)")
[ -f "$pcdir/coronet.pc" ] || { echo "no coronet.pc under $prefix" >&2; exit 1; }
mkdir -p "$work"
export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
flags=$(pkg-config --cflags --libs coronet)
echo "pkg-config --cflags --libs coronet: $flags"
# shellcheck disable=SC2086  # the flags are meant to split
"$cxx" -std=c++20 -Wall -Wextra -Werror "$source" -o "$work/consumer" $flags
LD_LIBRARY_PATH="$(pkg-config --variable=libdir coronet)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$work/consumer"
