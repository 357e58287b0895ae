#!/usr/bin/env bash
# The documents point only inside the repository, and every relative link
# in README.md, CHANGELOG.md and docs/*.md names a file or directory that
# exists (anchors are not checked).  docs/embedding.md links to
# examples/embed/host.c rather than copying it, so nothing printed can rot.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for doc in README.md CHANGELOG.md docs/*.md; do
  [ -f "$doc" ] || continue
  case $doc in docs/spec/*) continue ;; esac
  dir=$(dirname "$doc")
  # Text that reaches out of the repository.
  if grep -nE '\.\./shared|/work/' "$doc"; then
    echo "check-readme: $doc points outside the repository" >&2
    status=1
  fi
  # [text](target) links that are not URLs or pure anchors.
  while IFS= read -r target; do
    target=${target%%#*}
    [ -n "$target" ] || continue
    case $target in http://*|https://*|mailto:*) continue ;; esac
    if [ ! -e "$dir/$target" ]; then
      echo "check-readme: $doc links to $target, which does not exist" >&2
      status=1
    elif [[ "$(cd "$dir" && realpath -m "$target")" != "$(pwd)"/* ]]; then
      echo "check-readme: $doc links outside the repository: $target" >&2
      status=1
    fi
  done < <(grep -oE '\]\([^) ]+\)' "$doc" | sed -E 's/^\]\(//; s/\)$//')
done
[ "$status" -eq 0 ] && echo "check-readme: ok"
exit "$status"
