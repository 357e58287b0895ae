#!/bin/sh
# check-rockspec.sh SCM_ROCKSPEC RELEASE_ROCKSPEC VERSION: the scm rockspec
# must list exactly the C sources csrc/*.c and the Lua modules lua/acr/**.lua
# (or `luarocks make` builds a module that misses, or cannot find, some of
# them), and the release rockspec must be what `make rockspec` writes from
# it for VERSION (so the two never drift apart).
rockspec=$1 release=$2 version=$3
status=0
compare() { # what listed present
  if [ "$2" != "$3" ]; then
    echo "check-rockspec: $rockspec lists other $1 than the tree has:" >&2
    printf '%s\n' "$2" >"${TMPDIR:-/tmp}/rs-listed.$$"
    printf '%s\n' "$3" >"${TMPDIR:-/tmp}/rs-present.$$"
    diff "${TMPDIR:-/tmp}/rs-listed.$$" "${TMPDIR:-/tmp}/rs-present.$$" |
      sed -n 's/^< /  only in rockspec: /p; s/^> /  missing from rockspec: /p' >&2
    rm -f "${TMPDIR:-/tmp}/rs-listed.$$" "${TMPDIR:-/tmp}/rs-present.$$"
    status=1
  fi
}
# Strip comments first so a commented-out source does not count.
listed_c=$(sed 's/--.*//' "$rockspec" | grep -o 'csrc/[A-Za-z0-9_.-]*\.c' | sort -u)
present_c=$(ls csrc/*.c 2>/dev/null | sort)
compare "C sources" "$listed_c" "$present_c"
listed_lua=$(sed 's/--.*//' "$rockspec" | grep -o 'lua/acr/[A-Za-z0-9_/.-]*\.lua' | sort -u)
present_lua=$(find lua/acr -name '*.lua' 2>/dev/null | sort)
compare "Lua modules" "$listed_lua" "$present_lua"
if [ ! -f "$release" ]; then
  echo "check-rockspec: no $release for version $version (make rockspec)" >&2
  status=1
elif ! awk -v ver="$version" -f tools/release-rockspec.awk "$rockspec" |
     cmp -s - "$release"; then
  echo "check-rockspec: $release is not $rockspec for $version: run make rockspec" >&2
  status=1
fi
others=$(ls rockspec/*.rockspec | grep -vxF -e "$rockspec" -e "$release")
if [ -n "$others" ]; then
  echo "check-rockspec: rockspecs of other versions: $others" >&2
  status=1
fi
[ $status -eq 0 ] && echo "check-rockspec: $rockspec lists csrc/*.c and lua/acr/**.lua; $release matches it"
exit $status
