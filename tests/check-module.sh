#!/bin/sh
# check-module.sh MODULE HEADER: the Lua module must not depend on liblua
# (the interpreter that loads it provides Lua) and must export nothing that
# HEADER does not declare (everything else is static or hidden).
so=$1 header=$2
status=0
if readelf -d "$so" | grep 'NEEDED' | grep -qi 'lua'; then
  echo "check-module: $so is linked with liblua:" >&2
  readelf -d "$so" | grep NEEDED >&2
  status=1
fi
# Names starting with "__" or "_" + capital are the toolchain's (sanitizer
# runtimes, __bss_start); _init/_fini come from crti.
for sym in $(nm -D --defined-only "$so" | awk '{print $3}'); do
  case $sym in __*|_[A-Z]*|_init|_fini) continue ;; esac
  if ! grep -qw -- "$sym" "$header"; then
    echo "check-module: $so exports $sym, which $header does not declare" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "check-module: $so: no liblua, exports as declared"
exit $status
