#!/usr/bin/env bash
# `make luarocks-check`: builds the rockspec with `luarocks make` for each Lua
# in ROCK_LUAS (default "5.1 5.4") into private trees build/rock/tree-<v>,
# then requires the installed modules from that tree, from another
# directory, so that nothing of the source tree or build/ is picked up.
# No network: --deps-mode=none.  The sources are copied first because
# luarocks' builtin backend writes its objects next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rockspec=rockspec/acr-run-scm-1.rockspec
stage=$root/build/rock/src
trees=$root/build/rock

rm -rf "$root/build/rock"
mkdir -p "$stage"
cp -r csrc lua rockspec "$stage/"
[ -d bin ] && cp -r bin "$stage/"

for v in ${ROCK_LUAS:-5.1 5.4}; do
  echo "== luarocks make, Lua $v"
  (cd "$stage" && luarocks make --lua-version "$v" --tree "$trees/tree-$v" \
     --deps-mode=none "$rockspec")
  lua=$(luarocks --lua-version "$v" config lua_interpreter)
  (
    cd /
    eval "$(luarocks --lua-version "$v" --tree "$trees/tree-$v" path)"
    "$lua" -e '
      local acr = require("acr.run")
      assert(type(acr._VERSION) == "string", "acr._VERSION is not a string")
      local so  -- package.searchpath is 5.2+
      for t in package.cpath:gmatch("[^;]+") do
        local f = io.open((t:gsub("%?", "acr/run")), "rb")
        if f then f:close() so = t:gsub("%?", "acr/run") break end
      end
      assert(so and so:find("/build/rock/tree-", 1, true), "acr.run not from the tree: " .. tostring(so))
      require("acr.format")
      print("acr.run " .. acr._VERSION .. " from " .. so)'
  )
  test -x "$trees/tree-$v/bin/acr-runs" || { echo "luarocks-check: bin/acr-runs not installed" >&2; exit 1; }
done
echo "luarocks-check: OK (${ROCK_LUAS:-5.1 5.4})"
