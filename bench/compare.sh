#!/usr/bin/env bash
# bench/compare.sh (make bench-compare): the benchmark on an earlier
# commit's module and on the working tree's, so that what changed between
# them is measured rather than read off two tables written on different
# days.
#
# BENCH_BASE (default 122ba40, the last commit before the redesign of
# issue 10) is exported with `git archive` to $BUILDDIR/compare/base-src
# and its module built there.  Then, per Lua of BENCH_LUAS, the same
# bench/bench.lua (the working tree's) runs BENCH_ROUNDS times on each
# module, alternately in separate processes (base, head, base, head, ...)
# on the same cached documents, so a change in the machine's load bills
# both.  A row that a module cannot measure (encode_to, list:column and
# acr.ffi are not in 122ba40) is skipped for it.  bench/compare.lua then
# writes the table between the "compare:" marks of docs/performance.md.
# BENCH_CPU=N runs every measuring process on CPU N (taskset), for machines
# whose CPUs do not run alike (the 2-core VM of docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDDIR=${BUILDDIR:-build}
BASE=${BENCH_BASE:-122ba40}
ROUNDS=${BENCH_ROUNDS:-2}
pin=()
if [ -n "${BENCH_CPU:-}" ]; then pin=(taskset -c "$BENCH_CPU"); fi
out=$BUILDDIR/compare
src=$out/base-src
rev=$(git rev-parse --verify "$BASE^{commit}")
mkdir -p "$out"
if [ "$(cat "$src/.rev" 2>/dev/null)" != "$rev" ]; then
  rm -rf "$src"
  mkdir -p "$src"
  git archive "$rev" | tar -x -C "$src"
  echo "$rev" > "$src/.rev"
fi
rm -f "$out"/*.tsv "$out"/*.txt
echo "$rev" > "$out/base.rev"
# the tree's commit, "-dirty" when what is measured (the module, its Lua
# modules, the benchmark) differs from it; documents do not count
head=$(git rev-parse --short HEAD)
if [ -n "$(git status --porcelain -- csrc lua bench Makefile \
           ':(exclude)bench/results-*.txt')" ]; then
  head=$head-dirty
fi
echo "$head" > "$out/head.rev"
for v in ${BENCH_LUAS:-5.4 jit}; do
  if [ "$v" = jit ]; then lua=luajit; else lua=lua$v; fi
  command -v "$lua" >/dev/null || { echo "bench: $lua not installed, skipped"; continue; }
  make -s module LUA_VERSION="$v" BUILDDIR="$BUILDDIR" >/dev/null
  make -s -C "$src" module LUA_VERSION="$v" BUILDDIR=build >/dev/null
  for round in $(seq 1 "$ROUNDS"); do
    for side in base head; do
      if [ "$side" = base ]; then root=$PWD/$src; build=$root/build
      else root=$PWD; build=$PWD/$BUILDDIR; fi
      echo "== $lua, round $round of $ROUNDS: $side ($(cat "$out/$side.rev"))"
      LUA_CPATH="$build/$v/?.so;;" \
      LUA_PATH="$PWD/bench/?.lua;$root/lua/?.lua;;" \
      ACR_BENCH_CACHE="$BUILDDIR/bench" \
      ACR_BENCH_RESULTS="$out/$side-$v-$round.tsv" \
        ${pin[@]+"${pin[@]}"} "$lua" bench/bench.lua "$@" > "$out/$side-$v-$round.txt"
    done
  done
done
LUA_PATH="$PWD/bench/?.lua;;" lua5.4 bench/compare.lua "$out" docs/performance.md
