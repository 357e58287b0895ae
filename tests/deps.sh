#!/usr/bin/env bash
# Installs the Debian packages listed in tests/deps.txt, if any is missing
# (apt-get, as root or with sudo).  `make test`, `make run` and
# .ci/run call it; with everything present it only checks, quickly.
# ACR_NO_DEPS=1 skips it (for machines managed otherwise).
set -euo pipefail
[ "${ACR_NO_DEPS:-0}" = 1 ] && exit 0
mapfile -t packages < <(sed 's/#.*//; s/[[:space:]]//g; /^$/d' \
  "$(dirname "$0")/deps.txt")
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
