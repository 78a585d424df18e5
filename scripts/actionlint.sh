#!/usr/bin/env bash
# Lints the project's workflows and the example workflows users copy, with a pinned actionlint
# built from its Go module into the sandbox binary cache (the same place sandbox/build.sh uses).
# Usage: scripts/actionlint.sh [extra actionlint flags]; exits non-zero on any finding.
set -euo pipefail

ACTIONLINT_VERSION=v1.7.12

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SANDBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vcluster-etcd-migrate}
bin="$cache/bin"
mkdir -p "$bin"

if [ ! -x "$bin/actionlint" ] || [ "$(cat "$bin/.actionlint" 2>/dev/null)" != "$ACTIONLINT_VERSION" ]; then
  command -v go >/dev/null || { echo "actionlint is not installed in $bin and Go is not on PATH to build it (go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION)." >&2; exit 1; }
  echo "[actionlint] building $ACTIONLINT_VERSION into $bin" >&2
  GOBIN="$bin" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  echo "$ACTIONLINT_VERSION" > "$bin/.actionlint"
fi

cd "$root"
shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml)
# examples/ also holds Kubernetes manifests: take only the files that are workflows.
for f in examples/*.yml examples/*.yaml; do
  if grep -q '^jobs:' "$f"; then files+=("$f"); fi
done
if [ ${#files[@]} -eq 0 ]; then
  echo "No workflow files found under .github/workflows or examples." >&2
  exit 1
fi
# shellcheck and pyflakes are used for run: scripts when they are on PATH.
exec "$bin/actionlint" "$@" "${files[@]}"
