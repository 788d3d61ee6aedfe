#!/usr/bin/env bash
# Keystep UI checks (test-only). Needs python3, node + npm and Debian's chromium.
#  1. static rules on ui/ (CSP-safe markup, no innerHTML, invoke only in api.js,
#     no provider ids, no remote content); every module parses;
#  2. the locale files (tests/ui/locales.mjs): same keys and placeholders in en and fr,
#     every key the code names exists, none unused;
#  3. tests/ui/harness.html#selftest in headless Chromium against tests/ui/stub.js,
#     served over loopback with the app's CSP;
#  4. axe-core on every view, light and dark (tests/ui/browse.mjs, playwright-core driving
#     /usr/bin/chromium; both pinned in tests/ui/package-lock.json, installed with npm ci).
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

js=("$ui"/*.js "$ui"/locales/*.js)
for f in index.html style.css app.js api.js i18n.js locales/en.js locales/fr.js; do
  if [ -f "$ui/$f" ]; then ok "ui/$f exists"; else bad "ui/$f exists"; fi
done
expect_none "no inline style attributes" '\sstyle\s*=' "$ui/index.html"
expect_none "no on*= handler attributes" '\son[a-z]+\s*=' "$ui/index.html"
expect_none "no inline <script> code" '<script(\s[^>]*)?>[^<[:space:]]' "$ui/index.html"
expect_none "scripts are loaded from files only" '<script(\s(?!src)[^>]*)?>' -P "$ui/index.html"
expect_none "no innerHTML/outerHTML/insertAdjacentHTML/document.write" 'innerHTML|outerHTML|insertAdjacentHTML|document\.write' "${js[@]}"
expect_none "invoke only in api.js" '__TAURI__|invoke\(' $(printf '%s\n' "${js[@]}" | grep -v '/api\.js$')
expect_none "no provider ids in code" -i 'humaans|payfit|hibob|jazzhr|namely' "${js[@]}"
expect_none "no remote content" -i '(src|href)\s*=\s*"(https?:)?//|@import|url\(\s*["'"'"']?https?:' "$ui"
expect_none "no window.confirm/alert/prompt" '(window\.)?\b(confirm|alert|prompt)\(' "${js[@]}"
expect_none "no branching on message text" 'message\s*(===|!==|==|\.includes|\.startsWith|\.match)|\.test\([^)]*message' $(printf '%s\n' "${js[@]}" | grep -v '/api\.js$')
# The backend's free text is English: an error's or a view's `message`, safe mode's and the
# start-up notice's `detail`, a progress event's `doing`. The window shows them only inside a
# "Details" disclosure (tests/app/wording.rs holds the views to these few fields).
backend_text="$(find "$ui" -name '*.js' ! -path '*/locales/*' ! -name api.js -print0 | xargs -0 grep -nP '\.(message|detail)\b(?![.\w]*["\x27\x60])|payload\.doing' | grep -v 'details(' || true)"
if [ -z "$backend_text" ]; then ok "the backend's English (message, detail, doing) is shown only inside details()"; else bad "the backend's English (message, detail, doing) is shown only inside details()"; echo "$backend_text" | sed 's/^/    /'; fi
# Parse each module as a module (node treats a plain .js as CommonJS and is lax), so a
# syntax error fails here instead of leaving a blank window in WebKit.
if command -v node >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  for path in "${js[@]}"; do
    f="${path#"$ui"/}"
    cp "$path" "$tmp/check.mjs"
    if node --check "$tmp/check.mjs" 2>"$tmp/err"; then ok "ui/$f parses as a module"; else bad "ui/$f parses as a module"; sed 's/^/    /' "$tmp/err"; fi
  done
  rm -rf "$tmp"
  while IFS= read -r line; do
    case "$line" in
      "ok - "*) echo "ok - locales: ${line#ok - }"; passed=$((passed + 1)) ;;
      "not ok - "*) echo "not ok - locales: ${line#not ok - }"; failed=$((failed + 1)) ;;
      *) echo "$line" ;;
    esac
  done < <(node "$here/locales.mjs" 2>&1 || echo "not ok - locales.mjs exited with $?")
else
  bad "node is installed (apt-get install -y nodejs npm)"
fi
if grep -q 'type="module" src="app.js"' "$ui/index.html"; then ok "app.js loaded as a module"; else bad "app.js loaded as a module"; fi
# Every module app.js imports, directly or not, is preloaded, and nothing else is: a new
# import without its <link rel="modulepreload"> would make the window fetch modules one
# level at a time again, and a stale link fetches a file nothing runs.
imports="$(python3 - "$ui" <<'PY'
import os, re, sys
ui = sys.argv[1]
seen, todo = set(), ["app.js"]
while todo:
    f = todo.pop()
    text = open(os.path.join(ui, f), encoding="utf-8").read()
    for dep in re.findall(r'^\s*import\b[^;]*?from\s*"(\.[^"]+)"', text, re.M):
        path = os.path.normpath(os.path.join(os.path.dirname(f), dep))
        if path not in seen:
            seen.add(path)
            todo.append(path)
print(" ".join(sorted(seen)))
PY
)"
preloads="$(grep -oP '<link rel="modulepreload" href="\K[^"]+' "$ui/index.html" | sort | tr '\n' ' ' | sed 's/ $//')"
if [ -n "$imports" ] && [ "$imports" = "$preloads" ]; then
  ok "index.html preloads exactly the modules app.js imports ($imports)"
else
  bad "index.html preloads exactly the modules app.js imports"
  echo "    imports:  $imports"
  echo "    preloads: $preloads"
fi

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

  # axe-core on every view (playwright-core drives Debian's chromium; nothing downloaded
  # at run time once npm ci has run from the lock file).
  stamp="$here/node_modules/.keystep-lock"
  want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1) $(node --version 2>/dev/null)"
  if [ ! -d "$here/node_modules/axe-core" ] || [ ! -d "$here/node_modules/playwright-core" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    if (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$here/.npm-ci.log" 2>&1); then
      echo "$want" >"$stamp"
      rm -f "$here/.npm-ci.log"
    else
      bad "npm ci in tests/ui (axe-core, playwright-core)"
      sed 's/^/    /' "$here/.npm-ci.log" | tail -20
    fi
  fi
  if [ -d "$here/node_modules/axe-core" ]; then
    while IFS= read -r line; do
      case "$line" in
        "ok - "*) echo "$line"; passed=$((passed + 1)) ;;
        "not ok - "*) echo "$line"; failed=$((failed + 1)) ;;
        "    "*) echo "$line" ;;
      esac
    done < <(cd "$here" && timeout 900 node browse.mjs axe "http://127.0.0.1:$port" 2>&1 || echo "not ok - browse.mjs axe exited with $?")
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
