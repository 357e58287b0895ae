#!/usr/bin/env bash
# `make luarocks-check`: the release as a user gets it, offline.  `make rock`
# builds build/dist/acr-run-<version>-1.src.rock (git archive of HEAD: commit
# first); then for each Lua in ROCK_LUAS (default "5.1 5.4"):
#   luarocks install <rock> --tree <fresh tree>
# with the tree's paths (`luarocks path`, what a tree of one's own needs)
# and from /: the installed acr-runs prints the version and reads the sample
# runs, a script requires acr.run (from the tree) and acr.format; then
# `luarocks test` in the unpacked rock runs the busted specs against the
# tree's module.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
MAKE=${MAKE:-make}
version=$(sed -n 's/^#define ACR_VERSION "\([^"]*\)".*/\1/p' csrc/acr.h)
work=$root/build/rock
rock=$root/build/dist/acr-run-$version-1.src.rock

$MAKE rock
rm -rf "$work"
mkdir -p "$work"
for v in ${ROCK_LUAS:-5.1 5.4}; do
  tree=$work/tree-$v
  echo "== luarocks install $(basename "$rock") --tree $tree (Lua $v)"
  luarocks --lua-version "$v" install "$rock" --tree "$tree"
  lua=$(luarocks --lua-version "$v" config lua_interpreter)
  (
    # shellcheck disable=SC2046
    eval "$(luarocks --lua-version "$v" --tree "$tree" path)"
    cd /
    out=$("$tree/bin/acr-runs" --version)
    [ "$out" = "acr-runs $version" ] || { echo "luarocks-check: acr-runs --version: $out" >&2; exit 1; }
    "$tree/bin/acr-runs" --output summary "$root/examples/sample-runs.json" | head -n 1
    ACR_V=$version ACR_TREE=$tree/ "$lua" -e '
      local want, tree = os.getenv("ACR_V"), os.getenv("ACR_TREE")
      local acr = require("acr.run")
      assert(acr._VERSION == want, "acr._VERSION " .. tostring(acr._VERSION))
      local so  -- package.searchpath is 5.2+
      for t in package.cpath:gmatch("[^;]+") do
        local f = io.open((t:gsub("%?", "acr/run")), "rb")
        if f then f:close() so = t:gsub("%?", "acr/run") break end
      end
      assert(so and so:find(tree, 1, true) == 1, "acr.run not from the tree: " .. tostring(so))
      require("acr.format")
      print("acr.run " .. acr._VERSION .. " from " .. so)'
    echo "== luarocks test (Lua $v)"
    mkdir -p "$work/unpack-$v" && cd "$work/unpack-$v"
    luarocks --lua-version "$v" unpack "$rock" >/dev/null
    cd "acr-run-$version-1/acr-run-$version"
    luarocks --lua-version "$v" test
  )
done
echo "luarocks-check: OK (${ROCK_LUAS:-5.1 5.4})"
