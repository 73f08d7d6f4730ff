#!/bin/sh
# The reliability suite in soak mode: randomised fault rounds, kill -9 loops and decoder fuzzing, each for
# SECONDS (default 300), in parallel, then the figures. The same tests run once, briefly, in `swift test`.
#
#   scripts/soak.sh          # 5 minutes
#   scripts/soak.sh 1800     # 30 minutes
set -eu
seconds=${1:-300}
cd "$(dirname "$0")/.."
swift build --build-tests >/dev/null
log=$(mktemp "${TMPDIR:-/tmp}/twindeck-soak.XXXXXX")
started=$(date +%s)
status=0
TWINDECK_SOAK_SECONDS=$seconds LANG=C.UTF-8 swift test --skip-build \
    --filter 'FaultMatrixTests|KillPointCLITests|DecoderFuzzTests|HostileRenderTests|HostileCLITests|SecretsCLITests|DownloadNameHardeningTests' \
    >"$log" 2>&1 || status=$?
grep -E '^RELIABILITY' "$log" || true
grep -E 'Test run with|recorded an issue' "$log" | tail -20 || true
echo "soak: ${seconds} s asked, $(( $(date +%s) - started )) s taken, exit ${status}; full log: ${log}"
exit "$status"
