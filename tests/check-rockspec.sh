#!/bin/sh
# check-rockspec.sh ROCKSPEC: the rockspec must list exactly the C sources
# csrc/*.c and the Lua modules lua/acr/*.lua, or `luarocks make` builds a
# module that misses (or cannot find) some of them.
rockspec=$1
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
[ $status -eq 0 ] && echo "check-rockspec: $rockspec lists csrc/*.c and lua/acr/*.lua"
exit $status
