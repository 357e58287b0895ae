#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and CI need, if any is
# missing (apt-get, as root or with sudo).  `make test`, `make run` and
# .ci/run call it; with everything present it only checks, quickly.
# ACR_NO_DEPS=1 skips it (for machines managed otherwise).
set -euo pipefail
[ "${ACR_NO_DEPS:-0}" = 1 ] && exit 0
packages=(
  build-essential
  lua5.1 lua5.2 lua5.3 lua5.4 luajit
  liblua5.1-0-dev liblua5.2-dev liblua5.3-dev liblua5.4-dev libluajit-5.1-dev
  lua-cjson lua-busted lua-check luarocks
  clang valgrind cppcheck libclang-rt-14-dev
)
command -v dpkg-query >/dev/null || exit 0   # not Debian: nothing to do
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "== apt-get install ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
