#!/usr/bin/env bash
# Keystep UI checks (test-only). Needs python3 and Debian's chromium.
#  1. static rules on ui/ (CSP-safe markup, no innerHTML, invoke only in api.js,
#     no provider ids, no remote content);
#  2. tests/ui/harness.html#selftest in headless Chromium against tests/ui/stub.js,
#     served over loopback with the app's CSP.
# Prints one line per check and a closing "N passed, N failed"; exits 1 on failure.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ui="$root/ui"
port="${KEYSTEP_UI_PORT:-8766}"
passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; failed=$((failed + 1)); }
expect_none() { # description, grep args...
  local what="$1"; shift
  local hits
  hits="$(grep -nE "$@" 2>/dev/null || true)"
  if [ -z "$hits" ]; then ok "$what"; else bad "$what"; echo "$hits" | sed 's/^/    /'; fi
}

for f in index.html style.css app.js api.js; do
  if [ -f "$ui/$f" ]; then ok "ui/$f exists"; else bad "ui/$f exists"; fi
done
expect_none "no inline style attributes" '\sstyle\s*=' "$ui/index.html"
expect_none "no on*= handler attributes" '\son[a-z]+\s*=' "$ui/index.html"
expect_none "no inline <script> code" '<script(\s[^>]*)?>[^<[:space:]]' "$ui/index.html"
expect_none "scripts are loaded from files only" '<script(\s(?!src)[^>]*)?>' -P "$ui/index.html"
expect_none "no innerHTML/outerHTML/insertAdjacentHTML/document.write" 'innerHTML|outerHTML|insertAdjacentHTML|document\.write' "$ui"/*.js
expect_none "invoke only in api.js" '__TAURI__|invoke\(' "$ui/app.js"
expect_none "no provider ids in code" -i 'humaans|payfit|hibob|jazzhr|namely' "$ui"/*.js
expect_none "no remote content" -i '(src|href)\s*=\s*"(https?:)?//|@import|url\(\s*["'"'"']?https?:' "$ui"
expect_none "no window.confirm/alert/prompt" '(window\.)?\b(confirm|alert|prompt)\(' "$ui/app.js"
expect_none "no branching on message text" 'message\s*(===|!==|==|\.includes|\.startsWith|\.match)|\.test\([^)]*message' "$ui/app.js"
# Parse each module as a module (node treats a plain .js as CommonJS and is lax), so a
# syntax error fails here instead of leaving a blank window in WebKit.
if command -v node >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  for f in app.js api.js; do
    cp "$ui/$f" "$tmp/${f%.js}.mjs"
    if node --check "$tmp/${f%.js}.mjs" 2>"$tmp/err"; then ok "ui/$f parses as a module"; else bad "ui/$f parses as a module"; sed 's/^/    /' "$tmp/err"; fi
  done
  rm -rf "$tmp"
fi
if grep -q 'type="module" src="app.js"' "$ui/index.html"; then ok "app.js loaded as a module"; else bad "app.js loaded as a module"; fi

if ! command -v chromium >/dev/null 2>&1; then
  bad "chromium is installed (apt-get install -y chromium)"
else
  python3 "$here/serve.py" "$port" >/dev/null 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ui/index.html" >/dev/null 2>&1 && break; sleep 0.1; done
  profile="$(mktemp -d)"
  dom="$(timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" --virtual-time-budget=30000 \
    --dump-dom "http://127.0.0.1:$port/tests/ui/harness.html#selftest" 2>/dev/null)"
  rm -rf "$profile"
  report="$(printf '%s\n' "$dom" | sed -n '/<pre id="harness-report">/,/<\/pre>/p' | sed -e 's/<pre id="harness-report">//' -e 's#</pre>.*##' \
    -e 's/&amp;/\&/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g')"
  if [ -z "$report" ]; then
    bad "harness self-test produced a report"
  else
    printf '%s\n' "$report" | grep -E '^(ok|not ok) - ' | sed 's/^/selftest: /' | sed 's/^selftest: ok/ok - selftest:/; s/^selftest: not ok - /not ok - selftest: /; s/^ok - selftest: - /ok - selftest: /'
    p="$(printf '%s\n' "$report" | grep -cE '^ok - ')"
    f="$(printf '%s\n' "$report" | grep -cE '^not ok - ')"
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$p" -gt 0 ] || bad "harness self-test ran checks"
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
