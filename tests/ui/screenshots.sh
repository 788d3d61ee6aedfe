#!/usr/bin/env bash
# Test-only: a full-page PNG of every harness scenario (tests/ui/browse.mjs SCENARIOS) in
# light and dark, English and French, plus the narrow (480 px) window, against the stubbed
# IPC. Usage: tests/ui/screenshots.sh [OUT_DIR]   (needs Debian's chromium, node and npm)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-/tmp/keystep-shots}"
port="${KEYSTEP_UI_PORT:-8765}"
[ -d "$here/node_modules/playwright-core" ] || (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

python3 "$here/serve.py" "$port" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ui/index.html" >/dev/null && break; sleep 0.1; done
node "$here/browse.mjs" shots "$out" "http://127.0.0.1:$port"
ls "$out"
