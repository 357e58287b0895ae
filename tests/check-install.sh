#!/usr/bin/env bash
# check-install.sh PREFIX LUA...: `make install` for every Lua given into the
# fresh prefix PREFIX (deleted first), side by side, then as a user would:
#   - each bin/acr-runs-<v> (and bin/acr-runs) starts from / with no
#     LUA_PATH/LUA_CPATH and prints the version of csrc/acr.h;
#   - a script requires the module and decodes a run, with LUA_PATH and
#     LUA_CPATH naming only the prefix's directories (what a prefix off
#     Lua's default paths needs);
#   - every Lua has its own static library, pkg-config file and command;
#     lib/lua/5.1 serves both Lua 5.1 and LuaJIT when both are given;
#   - a C program builds with `pkg-config --cflags --libs acr-core`;
#   - a command run with a module built for another Lua reports the
#     loader's reason (undefined symbol), not just "not found";
# and finally `make uninstall` for each leaves PREFIX empty.
# Prints "check-install: N passed, M failed".  DEFAULT_LUA: the Lua whose
# command is also bin/acr-runs (the Makefile passes it).
set -u
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
MAKE=${MAKE:-make}
prefix=$1
shift
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "check-install: FAILED: $*" >&2; }
check() { # DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok; else bad "$what"; fi
}

version=$(sed -n 's/^#define ACR_VERSION "\([^"]*\)".*/\1/p' csrc/acr.h)
# Nothing from the caller's environment may help the installed command.
clean_env=(env -u LUA_PATH -u LUA_CPATH)
for x in 5_2 5_3 5_4; do clean_env+=(-u "LUA_PATH_$x" -u "LUA_CPATH_$x"); done

rm -rf "$prefix"
mkdir -p "$prefix"
installed=()
for v in "$@"; do
  if ! $MAKE -s LUA_VERSION="$v" have-lua 2>/dev/null; then
    echo "check-install: Lua $v not installed, skipped"
    continue
  fi
  if $MAKE LUA_VERSION="$v" install PREFIX="$prefix" DESTDIR= >/dev/null; then
    ok
    installed+=("$v")
  else
    bad "make install LUA_VERSION=$v"
  fi
done

for v in "${installed[@]}"; do
  abi=$v lua=lua$v
  [ "$v" = jit ] && abi=5.1 lua=luajit
  out=$(cd / && "${clean_env[@]}" "$prefix/bin/acr-runs-$v" --version 2>&1)
  check "acr-runs-$v --version printed '$out'" [ "$out" = "acr-runs $version" ]
  out=$(cd / && "${clean_env[@]}" "$prefix/bin/acr-runs-$v" --output tsv \
        "$root/examples/sample-runs.json" 2>&1 | wc -l)
  check "acr-runs-$v on the sample runs printed $out lines" [ "$out" -gt 10 ]
  out=$(cd / && "${clean_env[@]}" \
        LUA_PATH="$prefix/share/lua/$abi/?.lua" LUA_CPATH="$prefix/lib/lua/$abi/?.so" \
        "$lua" -e '
          local acr = require("acr.run")
          local r = assert(acr.decode([[{"runId": "x1", "status": "Failed"}]]))
          require("acr.format")
          io.write(acr._VERSION, " ", r.runId, " ", r.status)' 2>&1)
  check "Lua $v requiring the installed module printed '$out'" \
    [ "$out" = "$version x1 Failed" ]
  for f in "lib/libacr-run-$v.a" "lib/pkgconfig/acr-run-$v.pc" \
           "lib/lua/$abi/acr/run.so" "share/lua/$abi/acr/format.lua"; do
    check "$f installed" [ -f "$prefix/$f" ]
  done
  out=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --modversion "acr-run-$v")
  check "acr-run-$v.pc has version '$out'" [ "$out" = "$version" ]
done

if [ ${#installed[@]} -gt 0 ]; then
  for f in include/acr.h lib/libacr-core.a lib/pkgconfig/acr-core.pc; do
    check "$f installed" [ -f "$prefix/$f" ]
  done
  default=${DEFAULT_LUA:-5.4}
  for v in "${installed[@]}"; do
    [ "$v" = "$default" ] &&
      check "bin/acr-runs is the $v command" cmp -s "$prefix/bin/acr-runs" "$prefix/bin/acr-runs-$v"
  done
  # The Lua-free core, with its pkg-config file only.
  tmp=$(mktemp -d)
  cat >"$tmp/core.c" <<'C'
#include "acr.h"
#include <string.h>
int main(void) {
  acr_datetime dt;
  const char *s = "2019-05-01T10:00:00Z";
  return acr_datetime_parse(s, strlen(s), &dt, NULL) == ACR_OK ? 0 : 1;
}
C
  # shellcheck disable=SC2046 # pkg-config's flags are words
  check "a C program built with pkg-config acr-core runs" \
    sh -c "cc -std=c99 -o '$tmp/core' '$tmp/core.c' \$(PKG_CONFIG_PATH='$prefix/lib/pkgconfig' pkg-config --cflags --libs acr-core) && '$tmp/core'"
  rm -rf "$tmp"
fi

# LuaJIT and Lua 5.1 share lib/lua/5.1: the module there (whichever was
# installed last) loads in both.
if [ -f "$prefix/lib/lua/5.1/acr/run.so" ]; then
  for lua in lua5.1 luajit; do
    command -v "$lua" >/dev/null || continue
    out=$(cd / && "${clean_env[@]}" LUA_CPATH="$prefix/lib/lua/5.1/?.so" \
          "$lua" -e 'io.write(require("acr.run")._VERSION)' 2>&1)
    check "$lua loads lib/lua/5.1/acr/run.so: '$out'" [ "$out" = "$version" ]
  done
fi

# A module built for Lua 5.4 loaded by Lua 5.2: the reason is shown.
if command -v lua5.2 >/dev/null && [ -f "$prefix/lib/lua/5.4/acr/run.so" ]; then
  out=$(cd / && "${clean_env[@]}" LUA_PATH="$prefix/share/lua/5.4/?.lua" \
        LUA_CPATH="$prefix/lib/lua/5.4/?.so" lua5.2 "$root/bin/acr-runs" --version 2>&1)
  case $out in
    *"undefined symbol"*) ok ;;
    *) bad "a 5.4 module under Lua 5.2 did not give the loader's reason: $out" ;;
  esac
fi

# Staged (DESTDIR), as a packager does: the files land under DESTDIR, the
# command names the final PREFIX, and uninstall with the same DESTDIR
# empties it again.
if [ ${#installed[@]} -gt 0 ]; then
  v=${installed[0]} stage=$prefix.stage
  rm -rf "$stage"
  if $MAKE LUA_VERSION="$v" install DESTDIR="$stage" PREFIX=/opt/acr-run >/dev/null; then
    check "DESTDIR install has bin/acr-runs-$v" [ -x "$stage/opt/acr-run/bin/acr-runs-$v" ]
    check "the staged command names the final prefix" \
      grep -q '"/opt/acr-run/share/lua/' "$stage/opt/acr-run/bin/acr-runs-$v"
    $MAKE LUA_VERSION="$v" uninstall DESTDIR="$stage" PREFIX=/opt/acr-run >/dev/null
    left=$(find "$stage" -mindepth 1 -not -path "$stage/opt" | head -n 3)
    check "DESTDIR uninstall left $stage empty (left: $left)" [ -z "$left" ]
  else
    bad "make install DESTDIR=$stage"
  fi
  rm -rf "$stage"
fi

for v in "${installed[@]}"; do
  $MAKE LUA_VERSION="$v" uninstall PREFIX="$prefix" DESTDIR= >/dev/null ||
    bad "make uninstall LUA_VERSION=$v"
done
left=$(cd "$prefix" && find . -mindepth 1 | head -n 5)
check "make uninstall left the prefix empty (left: $left)" [ -z "$left" ]
rmdir "$prefix" 2>/dev/null

echo "check-install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
