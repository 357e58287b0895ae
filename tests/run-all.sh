#!/usr/bin/env bash
# Runs the test suites named in the arguments (default: checks c lua install
# embed),
# each through the Makefile, and ends with one line "N passed, M failed"
# that totals them all.  Exit status 1 if anything failed or did not build.
#
#   checks the rockspecs list exactly csrc/*.c and lua/acr/**.lua; the
#          documents link inside the repository; one version number; the
#          benchmark's report scripts (tests/check-bench.lua)
#   c      every tests/test_*.c, built and run; each prints "NAME: N passed,
#          M failed" and exits nonzero on failure.  Those that include lua.h
#          are built and run once per installed Lua in $LUAS
#   lua    for every Lua in $LUAS that is installed: the module's exports
#          (check-module) and the busted suite
#   install  make install of every Lua in $LUAS into one fresh prefix under
#          the build directory, used as a user would, then make uninstall
#          (tests/check-install.sh)
#   embed  examples/embed, the C host, built with pkg-config from a tree
#          installed under the build directory
#
# Invoked by `make test` (also sanitize, valgrind, gc-stress) with BUILDDIR,
# LUAS and LUA_VERSION set; make's own command-line variables (CC, CFLAGS,
# LUA_WRAPPER, ...) reach the sub-makes through MAKEFLAGS.
set -u
cd "$(dirname "$0")/.." || exit 2

MAKE=${MAKE:-make}
BUILDDIR=${BUILDDIR:-build}
LUAS=${LUAS-5.1 5.2 5.3 5.4 jit}
LUA_VERSION=${LUA_VERSION:-5.4}
[ $# -gt 0 ] || set -- checks c lua install embed

passed=0 failed=0 summary="" started=$SECONDS
log=$(mktemp) || exit 2
trap 'rm -f "$log"' EXIT

# record NAME P F: add to the totals and to the closing table, with the
# seconds since $started (set before each step).
record() {
  passed=$((passed + $2)) failed=$((failed + $3))
  summary="$summary$(printf '  %-30s %6d passed, %d failed  %4ds' \
    "$1" "$2" "$3" $((SECONDS - started)))
"
}

# tally NAME RC: counts of a program run whose output is in $log.  Its last
# "N passed, M failed" line when there is one (plus a failure if the exit
# status disagrees with it: a crash or a sanitizer report after the line),
# else one passed or failed check by exit status.
tally() {
  local counts p f
  counts=$(sed -n 's/^.*[^0-9]\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed[[:space:]]*$/\1 \2/p' "$log" | tail -n 1)
  if [ -n "$counts" ]; then
    read -r p f <<<"$counts"
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  elif [ "$2" -eq 0 ]; then p=1 f=0
  else p=0 f=1
  fi
  record "$1" "$p" "$f"
}

# busted_tally NAME RC: counts from busted's "X successes / Y failures /
# Z errors" summary (errors count as failures; pending counts as neither).
busted_tally() {
  local line p f e
  line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" |
    grep -E '^[0-9]+ success(es)? / [0-9]+ failures? / [0-9]+ errors?' | tail -n 1)
  if [ -z "$line" ]; then
    echo "!! $1: busted printed no summary (exit status $2)" >&2
    record "$1" 0 1
    return
  fi
  read -r p _ _ f _ _ e _ <<<"$line"
  f=$((f + e))
  if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  record "$1" "$p" "$f"
}

# run_programs LUA_VERSION SUFFIX BIN...: build and run each test program,
# tally its line; one that does not build counts as one failure.
run_programs() {
  local v=$1 suffix=$2 bin name rc
  shift 2
  for bin in "$@"; do
    name="C $(basename "$bin")$suffix"
    started=$SECONDS
    if ! $MAKE LUA_VERSION="$v" "$bin"; then
      record "$name (build)" 0 1
      continue
    fi
    "$bin" >"$log" 2>&1
    rc=$?
    cat "$log"
    tally "$name" "$rc"
  done
}

run_c() {
  local bins v
  bins=$($MAKE -s list-ctests)
  if [ -n "$bins" ]; then
    echo "== C tests of the core"
    # shellcheck disable=SC2086 # a list of paths without spaces
    run_programs "$LUA_VERSION" "" $bins
  fi
  for v in $LUAS; do
    bins=$($MAKE -s LUA_VERSION="$v" list-lua-ctests)
    [ -n "$bins" ] || break
    $MAKE -s LUA_VERSION="$v" have-lua 2>/dev/null || continue
    echo "== C tests of the binding, Lua $v"
    # shellcheck disable=SC2086
    run_programs "$v" " $v" $bins
  done
}

run_lua() {
  local v rc
  for v in $LUAS; do
    if ! $MAKE -s LUA_VERSION="$v" have-lua 2>/dev/null; then
      echo "== Lua $v: interpreter or headers not installed, skipped"
      continue
    fi
    echo "== busted on Lua $v"
    started=$SECONDS
    if ! $MAKE LUA_VERSION="$v" module; then record "busted $v (build)" 0 1; continue; fi
    if $MAKE LUA_VERSION="$v" check-module; then record "check-module $v" 1 0
    else record "check-module $v" 0 1; fi
    started=$SECONDS
    $MAKE LUA_VERSION="$v" busted 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    busted_tally "busted $v" "$rc"
  done
}

run_install() {
  local rc
  echo "== make install / uninstall for $LUAS"
  started=$SECONDS
  $MAKE LUAS="$LUAS" check-install 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  tally "install" "$rc"
}

run_embed() {
  local rc
  [ -d examples/embed ] || return 0
  if ! $MAKE -s LUA_VERSION="$LUA_VERSION" have-lua 2>/dev/null; then
    echo "== examples/embed: Lua $LUA_VERSION not installed, skipped"
    return
  fi
  echo "== examples/embed (Lua $LUA_VERSION)"
  started=$SECONDS
  $MAKE LUA_VERSION="$LUA_VERSION" embed 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  tally "embed $LUA_VERSION" "$rc"
}

for suite in "$@"; do
  case $suite in
    checks) # the rockspec lists exactly the sources
      started=$SECONDS
      if $MAKE check-rockspec; then record "check-rockspec" 1 0
      else record "check-rockspec" 0 1; fi
      started=$SECONDS
      if $MAKE check-readme; then record "check-readme" 1 0
      else record "check-readme" 0 1; fi
      started=$SECONDS
      if $MAKE check-version; then record "check-version" 1 0
      else record "check-version" 0 1; fi
      started=$SECONDS
      if $MAKE check-bench; then record "check-bench" 1 0
      else record "check-bench" 0 1; fi ;;
    c) run_c ;;
    lua) run_lua ;;
    install) run_install ;;
    embed) run_embed ;;
    *) echo "run-all.sh: unknown suite '$suite'" >&2; exit 2 ;;
  esac
done

echo
echo "== Summary"
printf '%s' "$summary"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -n "$summary" ]
