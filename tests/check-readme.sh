#!/usr/bin/env bash
# The README's complete C host example must be examples/embed/host.c, which
# `make test` compiles and runs: so the printed example cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
extracted=$(awk '/^### The complete example/{f=1;next} f&&/^```c/{c=1;next} c&&/^```/{exit} c{print}' README.md)
if [ "$extracted" != "$(cat examples/embed/host.c)" ]; then
  echo "check-readme: the README's complete example differs from examples/embed/host.c" >&2
  exit 1
fi
echo "check-readme: ok"
