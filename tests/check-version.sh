#!/bin/sh
# check-version.sh: the one version number is ACR_VERSION in csrc/acr.h
# (acr._VERSION and `acr-runs --version` print it: tests/check-install.sh
# checks those); the release rockspec, the README and the CHANGELOG must
# name the same.
cd "$(dirname "$0")/.." || exit 2
v=$(sed -n 's/^#define ACR_VERSION "\([^"]*\)".*/\1/p' csrc/acr.h)
status=0
fail() { echo "check-version: $*" >&2; status=1; }
case $v in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) fail "csrc/acr.h: ACR_VERSION \"$v\" is not MAJOR.MINOR.PATCH" ;;
esac
rs=rockspec/acr-run-$v-1.rockspec
[ -f "$rs" ] || fail "no $rs"
[ -f "$rs" ] && ! grep -qx "version = \"$v-1\"" "$rs" && fail "$rs: version is not $v-1"
grep -q "acr-run-$v\.tar\.gz" "$rs" 2>/dev/null || fail "$rs: source is not acr-run-$v.tar.gz"
grep -q "^## $v\b" CHANGELOG.md || fail "CHANGELOG.md has no section ## $v"
grep -q "acr-run $v\b" README.md || fail "README.md does not name the version (acr-run $v)"
[ $status -eq 0 ] && echo "check-version: $v in acr.h, $rs, README.md, CHANGELOG.md"
exit $status
