#!/usr/bin/env bash
# Test-only: screenshots of every harness scenario in light and dark.
# Usage: tests/ui/screenshots.sh [OUT_DIR] [WIDTHxHEIGHT]   (needs Debian's chromium)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-/tmp/keystep-shots}"
size="${2:-960,720}"
port="${KEYSTEP_UI_PORT:-8765}"
mkdir -p "$out"

python3 "$here/serve.py" "$port" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ui/index.html" >/dev/null && break; sleep 0.1; done

shoot() { # name query hash scheme [size]
  local name="$1" query="$2" hash="$3" scheme="$4" wsize="${5:-$size}" profile
  profile="$(mktemp -d)"
  # preferredColorScheme: 0 = dark, 1 = light
  local pref=1; [ "$scheme" = dark ] && pref=0
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
    --blink-settings=preferredColorScheme=$pref --window-size="$wsize" --virtual-time-budget=8000 \
    --screenshot="$out/$name-$scheme.png" "http://127.0.0.1:$port/tests/ui/harness.html$query#$hash" >/dev/null 2>&1
  rm -rf "$profile"
}

scenarios=(
  # name|query|hash|window size (tall ones show the whole page without scrolling)
  "home-empty||home"
  "home|?accounts=3|home"
  "confirm|?accounts=2|confirm"
  "picker||picker"
  "guide||guide|960,1800"
  "form||form|960,1800"
  "connecting||connecting|960,1800"
  "success||success|960,1000"
  "error-bad||error-bad"
  "error-missing||error-missing"
  "error-rate||error-rate"
  "retry-invalid||retry-invalid|960,1800"
  # The account lifecycle (stub seed "lifecycle": fields, a needs_relink account, orphans).
  "lifecycle-home|?seed=lifecycle|home|960,1300"
  "checking|?seed=lifecycle&slow=check_account|checking|960,1300"
  "rename-error|?seed=lifecycle|rename-error|960,1300"
  "relink|?seed=lifecycle|relink|960,1900"
  "relinked|?seed=lifecycle|relinked|960,1300"
  "already-linked|?seed=lifecycle|already-linked"
  "forgotten|?seed=lifecycle|forgotten|960,1300"
  "keychain-problem|?seed=problem&accounts=2|home"
)
for entry in "${scenarios[@]}"; do
  IFS='|' read -r name query hash wsize <<<"$entry"
  for scheme in light dark; do shoot "$name" "$query" "$hash" "$scheme" "${wsize:-$size}"; done
done
# Narrow window (the app's minimum width is 480 px).
shoot narrow-home "?accounts=2" home light 480,800
shoot narrow-guide "" form dark 480,2400
shoot narrow-success "" success light 480,1400
shoot narrow-lifecycle "?seed=lifecycle" home dark 480,1800
ls "$out"
