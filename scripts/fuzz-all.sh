#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 5m), one after another,
# and fails on the first crash. A crash leaves its input under the
# package's testdata/fuzz/<target>/, where `go test` replays it from then on.
#
#   bash scripts/fuzz-all.sh   # 7 targets x 5 minutes
#   FUZZTIME=30s bash scripts/fuzz-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5m}
targets=(
  "./model FuzzDecode"
  "./model FuzzNormalizeUsername"
  "./ctrl FuzzFrame"
  "./ctrl FuzzModeration"
  "./ctrl FuzzProxiesClient"
  "./server/chatserver FuzzHandshake"
  "./server/chatserver FuzzAPI"
)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  echo "== $name ($pkg) for $FUZZTIME"
  if ! go test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "FAIL: $name"
    exit 1
  fi
  grep -v 'gathering baseline' "$log" | tail -n 3
done
echo "all fuzz targets ran $FUZZTIME without a crash"
