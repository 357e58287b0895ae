#!/bin/sh
# install.sh: `make install` and `make uninstall`, with a manifest, so that
# uninstall removes exactly what install put and nothing else.
#
#   install.sh install   DESTDIR DATADIR TAG  MODE SRC DEST [MODE SRC DEST]...
#   install.sh uninstall DESTDIR DATADIR TAG
#
# DEST and DATADIR are final paths (under PREFIX, without DESTDIR).  Each
# TAG (one per Lua: lua-5.4, lua-jit) has its manifest DATADIR/TAG.files
# listing the files it installed.  Several Luas share some files (acr.h,
# libacr-core.a, acr-core.pc; lib/lua/5.1/acr/run.so for Lua 5.1 and
# LuaJIT): uninstalling one TAG removes only the files no other manifest
# lists.  The directories an install had to create are recorded in
# DATADIR/dirs; the last uninstall removes those that are empty, so the
# prefix is left as it was found.
set -eu

cmd=$1 destdir=$2 datadir=$3 tag=$4
shift 4
manifest=$datadir/$tag.files
dirs=$datadir/dirs

# mkdir_recorded DIR: create DIR (under DESTDIR) and record every directory
# that did not exist before.
mkdir_recorded() {
  d=$1 new=""
  while [ "$d" != / ] && [ "$d" != . ] && [ ! -d "$destdir$d" ]; do
    new="$d
$new"
    d=$(dirname "$d")
  done
  [ -n "$new" ] || return 0
  mkdir -p "$destdir$1"
  # The data directory may be among the new ones: create it first.  (Those
  # above PREFIX that only DESTDIR lacks are recorded too: uninstall with the
  # same DESTDIR leaves it as empty as it was.)
  mkdir -p "$destdir$datadir"
  printf '%s' "$new" | sed '/^$/d' >>"$destdir$dirs"
}

case $cmd in
install)
  mkdir_recorded "$datadir"
  list=$(mktemp)
  trap 'rm -f "$list"' EXIT
  while [ $# -ge 3 ]; do
    mode=$1 src=$2 dest=$3
    shift 3
    mkdir_recorded "$(dirname "$dest")"
    echo "install -m $mode $src $destdir$dest"
    install -m "$mode" "$src" "$destdir$dest"
    echo "$dest" >>"$list"
  done
  [ $# -eq 0 ] || { echo "install.sh: MODE SRC DEST expected" >&2; exit 2; }
  sort -u "$list" >"$destdir$manifest"
  echo "install.sh: $destdir$manifest lists $(wc -l <"$destdir$manifest") files"
  ;;
uninstall)
  if [ ! -f "$destdir$manifest" ]; then
    echo "install.sh: $destdir$manifest: not installed" >&2
    exit 0
  fi
  others=$(mktemp)
  trap 'rm -f "$others"' EXIT
  for m in "$destdir$datadir"/*.files; do
    [ "$m" = "$destdir$manifest" ] || cat "$m"
  done >"$others" 2>/dev/null || true
  while IFS= read -r f; do
    if grep -qxF -- "$f" "$others"; then
      echo "keep $destdir$f (another Lua's install has it)"
    else
      echo "rm -f $destdir$f"
      rm -f "$destdir$f"
    fi
  done <"$destdir$manifest"
  rm -f "$destdir$manifest"
  # The last install gone: the directories installs created, deepest first.
  if ! ls "$destdir$datadir"/*.files >/dev/null 2>&1; then
    if [ -f "$destdir$dirs" ]; then
      sort -ru "$destdir$dirs" >"$others"
      rm -f "$destdir$dirs"
      while IFS= read -r d; do
        rmdir "$destdir$d" 2>/dev/null && echo "rmdir $destdir$d" || true
      done <"$others"
    fi
  fi
  ;;
*)
  echo "usage: install.sh install|uninstall DESTDIR DATADIR TAG ..." >&2
  exit 2
  ;;
esac
