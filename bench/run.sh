#!/usr/bin/env bash
# bench/run.sh: the benchmark on Lua 5.4 and LuaJIT (BENCH_LUAS), each in
# its own process; results also go to bench/results-<version>.txt.
# Arguments after the script are passed to bench.lua (N runs, repetitions).
# BENCH_CPU=N runs the measuring processes on CPU N (taskset), for machines
# whose CPUs do not run alike.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDDIR=${BUILDDIR:-build}
pin=()
if [ -n "${BENCH_CPU:-}" ]; then pin=(taskset -c "$BENCH_CPU"); fi
for v in ${BENCH_LUAS:-5.4 jit}; do
  if [ "$v" = jit ]; then lua=luajit; else lua=lua$v; fi
  command -v "$lua" >/dev/null || { echo "bench: $lua not installed, skipped"; continue; }
  make -s module LUA_VERSION="$v" BUILDDIR="$BUILDDIR" >/dev/null
  echo "== $lua"
  LUA_CPATH="$PWD/$BUILDDIR/$v/?.so;;" \
  LUA_PATH="$PWD/bench/?.lua;$PWD/lua/?.lua;;" \
  ACR_BENCH_CACHE="$BUILDDIR/bench" \
    ${pin[@]+"${pin[@]}"} "$lua" bench/bench.lua "$@" | tee "bench/results-$v.txt"
done
# The tables and the chart of docs/performance.md, from both runs' rows.
mkdir -p docs
LUA_PATH="$PWD/bench/?.lua;;" ACR_BENCH_CACHE="$BUILDDIR/bench" \
  lua5.4 bench/report.lua docs/performance.md
