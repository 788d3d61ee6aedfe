#!/usr/bin/env bash
# Keystep UI checks (test-only). Needs python3, node + npm and Debian's chromium.
#  1. static rules on ui/ and every module under it, ui/**/*.js (CSP-safe markup, no
#     innerHTML, invoke only in api.js, no provider ids, no remote content); every module
#     parses;
#  2. the locale files (tests/ui/locales.mjs): same keys and placeholders in en and fr,
#     every key the code names exists, none unused;
#  3. the type check: `// @ts-check` opens every module, and tsc (tests/ui/tsconfig.json)
#     finds no error;
#  4. tests/ui/harness.html#selftest in headless Chromium against tests/ui/stub.js,
#     served over loopback with the app's CSP;
#  5. axe-core on every view, light and dark (tests/ui/browse.mjs, playwright-core driving
#     /usr/bin/chromium).
# axe-core, playwright-core and typescript are pinned in tests/ui/package-lock.json and
# installed with npm ci (nothing is downloaded at run time once that has run).
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

# Every module, at any depth: a file moved into a subfolder keeps every rule below.
mapfile -t js < <(find "$ui" -type f -name '*.js' | LC_ALL=C sort)
for f in index.html styles/base.css app.js api.js i18n.js locales/en.js locales/fr.js; do
  if [ -f "$ui/$f" ]; then ok "ui/$f exists"; else bad "ui/$f exists"; fi
done
expect_none "no inline style attributes" '\sstyle\s*=' "$ui/index.html"
expect_none "no on*= handler attributes" '\son[a-z]+\s*=' "$ui/index.html"
expect_none "no inline <script> code" '<script(\s[^>]*)?>[^<[:space:]]' "$ui/index.html"
expect_none "scripts are loaded from files only" '<script(\s(?!src)[^>]*)?>' -P "$ui/index.html"
expect_none "no innerHTML/outerHTML/insertAdjacentHTML/document.write" 'innerHTML|outerHTML|insertAdjacentHTML|document\.write' "${js[@]}"
expect_none "invoke only in api.js" '__TAURI__|invoke\(' $(printf '%s\n' "${js[@]}" | grep -v '/api\.js$')
# Every provider id, from the provider files themselves: a new provider needs no edit here.
provider_ids="$(find "$root/src-tauri/core/src/providers" -name '*.toml' -printf '%f\n' | sed 's/\.toml$//' | LC_ALL=C sort | paste -sd'|')"
expect_none "no provider ids in code ($provider_ids)" -i -w "$provider_ids" "${js[@]}"
expect_none "no remote content" -r -i '(src|href)\s*=\s*"(https?:)?//|@import|url\(\s*["'"'"']?https?:' "$ui"
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
# The type check. tsc reads the JSDoc types; `// @ts-check` also makes an editor check a
# module as it is written.
unchecked="$(for f in "${js[@]}"; do [ "$(head -n 1 "$f")" = "// @ts-check" ] || echo "$f"; done)"
if [ -z "$unchecked" ]; then ok "every module opens with // @ts-check"; else bad "every module opens with // @ts-check"; echo "$unchecked" | sed 's/^/    /'; fi
stamp="$here/node_modules/.keystep-lock"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1) $(node --version 2>/dev/null)"
if [ ! -d "$here/node_modules/axe-core" ] || [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/typescript" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$here/.npm-ci.log" 2>&1); then
    echo "$want" >"$stamp"
    rm -f "$here/.npm-ci.log"
  else
    bad "npm ci in tests/ui (axe-core, playwright-core, typescript)"
    sed 's/^/    /' "$here/.npm-ci.log" | tail -20
  fi
fi
if [ -x "$here/node_modules/.bin/tsc" ]; then
  if out="$(cd "$here" && node_modules/.bin/tsc -p tsconfig.json 2>&1)"; then
    ok "tsc finds no type error in ui/ (TypeScript $(node -p "require('$here/node_modules/typescript/package.json').version" 2>/dev/null))"
  else
    bad "tsc finds no type error in ui/"
    printf '%s\n' "$out" | sed 's/^/    /' | head -40
  fi
else
  bad "typescript is installed in tests/ui (npm ci)"
fi
if grep -q 'type="module" src="app.js"' "$ui/index.html"; then ok "app.js loaded as a module"; else bad "app.js loaded as a module"; fi
# Every module app.js imports, directly or not, is preloaded, and nothing else is: a new
# import without its <link rel="modulepreload"> would make the window fetch modules one
# level at a time again, and a stale link fetches a file nothing runs. A module imported
# with import() when first needed (the other views, the French catalogue) stays out of
# that first page.
graph="$(python3 - "$ui" <<'PY'
import os, re, sys
ui = sys.argv[1]
def resolve(f, dep):
    return os.path.normpath(os.path.join(os.path.dirname(f), dep))
seen, todo = set(), ["app.js"]
while todo:
    f = todo.pop()
    text = open(os.path.join(ui, f), encoding="utf-8").read()
    # Static imports only (`import … from`, `import "…"`, `export … from`).
    deps = re.findall(r'^\s*(?:import|export)\b[^;"]*?from\s*"(\.[^"]+)"', text, re.M)
    deps += re.findall(r'^\s*import\s*"(\.[^"]+)"', text, re.M)
    for dep in deps:
        path = resolve(f, dep)
        if path not in seen:
            seen.add(path)
            todo.append(path)
# What import() loads (comments aside: JSDoc names types with import("…")), except what
# app.js itself imports (the router reaches the accounts page the same way as the others).
text = open(os.path.join(ui, "app.js"), encoding="utf-8").read()
first = {resolve("app.js", dep) for dep in re.findall(r'^\s*import\b[^;"]*?from\s*"(\.[^"]+)"', text, re.M)}
later = set()
for folder, _, files in os.walk(ui):
    for name in files:
        if name.endswith(".js"):
            f = os.path.relpath(os.path.join(folder, name), ui)
            text = open(os.path.join(ui, f), encoding="utf-8").read()
            code = re.sub(r'/\*.*?\*/|//[^\n]*', '', text, flags=re.S)
            later |= {resolve(f, dep) for dep in re.findall(r'\bimport\(\s*"(\.[^"]+)"\s*\)', code)}
print(" ".join(sorted(seen)))
print(" ".join(sorted(later - first)))
PY
)"
imports="$(printf '%s\n' "$graph" | sed -n 1p)"
later="$(printf '%s\n' "$graph" | sed -n 2p)"
preloads="$(grep -oP '<link rel="modulepreload" href="\K[^"]+' "$ui/index.html" | sort | tr '\n' ' ' | sed 's/ $//')"
if [ -n "$imports" ] && [ "$imports" = "$preloads" ]; then
  ok "index.html preloads exactly the modules app.js imports ($imports)"
else
  bad "index.html preloads exactly the modules app.js imports"
  echo "    imports:  $imports"
  echo "    preloads: $preloads"
fi
both="$(comm -12 <(tr ' ' '\n' <<<"$imports" | sort) <(tr ' ' '\n' <<<"$later views/account-detail.js views/picker.js views/guide.js views/form.js views/connect.js views/result.js views/settings.js locales/fr.js" | sort -u))"
if [ -n "$later" ] && [ -z "$both" ]; then
  ok "the first page imports none of the modules loaded when first needed ($later)"
else
  bad "the first page imports none of the modules loaded when first needed"
  echo "    imported at start: $(echo $both)"
fi
# Static imports run one way: no module imports itself back through others, and nothing in
# lib/ imports a view (a view reaches another through lib/router.js).
oneway="$(python3 - "$ui" <<'PY'
import os, re, sys
ui = sys.argv[1]
edges = {}
for folder, _, files in os.walk(ui):
    for name in files:
        if name.endswith(".js"):
            f = os.path.relpath(os.path.join(folder, name), ui)
            text = open(os.path.join(ui, f), encoding="utf-8").read()
            deps = re.findall(r'^\s*(?:import|export)\b[^;"]*?from\s*"(\.[^"]+)"', text, re.M)
            deps += re.findall(r'^\s*import\s*"(\.[^"]+)"', text, re.M)
            edges[f] = [os.path.normpath(os.path.join(os.path.dirname(f), d)) for d in deps]
state = {}
def visit(f, path):
    state[f] = "open"
    for g in edges.get(f, []):
        if state.get(g) == "open":
            print("circle: " + " -> ".join(path[path.index(g):] + [g]) if g in path else "circle at " + g)
        elif g not in state:
            visit(g, path + [g])
    state[f] = "done"
for f in sorted(edges):
    if f not in state:
        visit(f, [f])
for f in sorted(edges):
    for g in edges[f]:
        if f.startswith("lib/") and g.startswith("views/"):
            print(f"{f} imports {g}")
PY
)"
if [ -z "$oneway" ]; then ok "static imports run one way (no circle; lib/ imports no view)"; else bad "static imports run one way (no circle; lib/ imports no view)"; echo "$oneway" | sed 's/^/    /'; fi
# Every stylesheet is linked once: by index.html (the first page's) or by the router with
# its view's module (ui/lib/router.js, STYLES).
linked_css="$(grep -oP '<link rel="stylesheet" href="styles/\K[^"]+' "$ui/index.html")"
view_css="$(sed -n '/^const STYLES/,/^});/p' "$ui/lib/router.js" | grep -oP '"\K[a-z-]+\.css(?=")')"
named="$(printf '%s\n%s\n' "$linked_css" "$view_css" | grep . | sort)"
present="$(cd "$ui/styles" && ls -1 ./*.css | sed 's#^\./##' | sort)"
if [ -n "$view_css" ] && [ "$named" = "$present" ]; then
  ok "every stylesheet is linked once, at start or with its view ($(echo $view_css))"
else
  bad "every stylesheet is linked once, at start or with its view"
  diff <(echo "$named") <(echo "$present") | sed 's/^/    /'
fi

if ! command -v chromium >/dev/null 2>&1; then
  bad "chromium is installed (apt-get install -y chromium)"
else
  python3 "$here/serve.py" "$port" >/dev/null 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ui/index.html" >/dev/null 2>&1 && break; sleep 0.1; done
  profile="$(mktemp -d)"
  # The self-test's stub answers after 250 virtual ms each: with the new providers' flows
  # it takes between 240 and 300 virtual seconds (a few real ones). The DOM is dumped when
  # the budget is spent, report or not, so the budget leaves room to grow.
  dom="$(timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" --virtual-time-budget=900000 \
    --dump-dom "http://127.0.0.1:$port/tests/ui/harness.html#selftest" 2>/dev/null)"
  rm -rf "$profile"
  report="$(printf '%s\n' "$dom" | sed -n '/<pre id="harness-report">/,/<\/pre>/p' | sed -e 's/<pre id="harness-report">//' -e 's#</pre>.*##' \
    -e 's/&amp;/\&/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g')"
  if [ -z "$report" ]; then
    bad "harness self-test produced a report"
    echo "    it reached $(printf '%s' "$dom" | grep -o 'data-harness-step="[^"]*"' | head -1 || true) (a dumped page of ${#dom} bytes)"
  else
    printf '%s\n' "$report" | grep -E '^(ok|not ok) - ' | sed 's/^/selftest: /' | sed 's/^selftest: ok/ok - selftest:/; s/^selftest: not ok - /not ok - selftest: /; s/^ok - selftest: - /ok - selftest: /'
    p="$(printf '%s\n' "$report" | grep -cE '^ok - ')"
    f="$(printf '%s\n' "$report" | grep -cE '^not ok - ')"
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$p" -gt 0 ] || bad "harness self-test ran checks"
  fi

  # axe-core on every view (playwright-core drives Debian's chromium).
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
