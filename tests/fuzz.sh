#!/usr/bin/env bash
# `make fuzz`: builds every fuzz/fuzz_<name>.c with libFuzzer, ASan and UBSan
# against the core library and runs each for FUZZ_SECONDS (default 60).
#
# A target is a file defining LLVMFuzzerTestOneInput; it may include
# "acr.h" and "acr_internal.h" (core only, no Lua).  Its working corpus is
# build/fuzz/corpus/<name>/, seeded at each run from
#   - fuzz/seeds/<dir>/ for every seed directory whose name occurs in <name>
#     (fuzz_json_decode uses fuzz/seeds/json/, fuzz_filter fuzz/seeds/filter/),
#   - for targets whose name contains "json": the JSON fixtures
#     (tests/fixtures);
# and fuzz/<name>.dict, if present, is passed as the dictionary.  Crashes go
# to build/fuzz/artifacts/.  Exit status 1 if a target fails to build or
# finds a crash.
set -euo pipefail
cd "$(dirname "$0")/.."

MAKE=${MAKE:-make}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
# Seconds one input may take (libFuzzer -timeout): decoding is linear, so a
# slower input is a finding (a timeout is reported as a crash).
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-2}
CLANG=${FUZZ_CC:-clang}
out=build/fuzz

shopt -s nullglob
targets=(fuzz/fuzz_*.c)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz/fuzz_*.c targets yet: nothing to do"
  exit 0
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=all"
# The core, instrumented for coverage (fuzzer-no-link) and the sanitizers.
$MAKE BUILDDIR=$out CC="$CLANG" \
  CFLAGS="-std=c99 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $san" \
  "$out/core/libacr-core.a"

fixtures=tests/fixtures

status=0
mkdir -p "$out/bin" "$out/artifacts"
for src in "${targets[@]}"; do
  name=$(basename "$src" .c)
  bin=$out/bin/$name
  corpus=$out/corpus/$name
  echo "== $name (${FUZZ_SECONDS}s)"
  if ! "$CLANG" -std=c99 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer $san \
      -Icsrc -o "$bin" "$src" "$out/core/libacr-core.a" -lm; then
    echo "fuzz: $name does not build" >&2
    status=1
    continue
  fi
  mkdir -p "$corpus"
  for seeds in fuzz/seeds/*/; do
    case $name in *"$(basename "$seeds")"*) cp -f "$seeds"* "$corpus/" 2>/dev/null || true ;; esac
  done
  case $name in *json*)
    for d in spec-examples real-payloads jsontestsuite; do
      [ -d "$fixtures/$d" ] && cp -f "$fixtures/$d"/*.json "$corpus/"
    done ;;
  esac
  dict=()
  for d in "fuzz/$name.dict" "fuzz/${name#fuzz_}.dict"; do
    [ -f "$d" ] && dict=("-dict=$d") && break
  done
  if ! "$bin" -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" \
      "${dict[@]}" "$corpus"; then
    echo "fuzz: $name failed; reproduce with: $bin $out/artifacts/$name-*" >&2
    status=1
  fi
done
exit $status
