#!/usr/bin/env bash
# Vendor contract checks (test-only): `keystep verify` for HiBob and Namely against Prism
# mocking the vendors' own OpenAPI specs, which live outside the repo in
# ../shared/oracle/{hibob,namely}-openapi.yaml (override with KEYSTEP_ORACLE_DIR).
#
#  1. Prism (@stoplight/prism-cli, pinned in package-lock.json) is installed with `npm ci`
#     into tests/prism/node_modules, unless it is already there at the locked version;
#  2. each provider file's hosts must be servers of the spec;
#  3. one Prism per spec on 127.0.0.1 (static examples, request validation on), and in front
#     of it contract.js, a recording proxy that keeps Prism's verdict on every request:
#     Keystep's host override points at the proxy with the real base path (/v1, /api/v1),
#     the proxy requires and strips it (Prism routes on the spec's paths only);
#  4. `keystep verify` runs (HiBob production and sandbox, Namely); every request it sent
#     must conform (no Prism error response, no request violation in `sl-violations`, no
#     undeclared query parameter or body property), Prism's log must agree, and the first
#     request of each chain must have been seen, so the test cannot pass vacuously.
# Prints one line per check and a closing "N passed, N failed"; exits 1 on failure.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
oracle="${KEYSTEP_ORACLE_DIR:-$root/../shared/oracle}"
bin="${KEYSTEP_APP_BIN:-$root/target/debug/keystep}"
providers="$root/src-tauri/core/src/providers"
passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; failed=$((failed + 1)); }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}
contract() { # runs contract.js report|refused, counting its ok / not ok lines
  local line rc
  node "$here/contract.js" "$@" >"$tmp/contract.out" 2>&1
  rc=$?
  while IFS= read -r line; do
    case "$line" in
      "ok - "*) echo "$line"; passed=$((passed + 1)) ;;
      "not ok - "*) echo "$line"; failed=$((failed + 1)) ;;
      *) echo "$line" ;;
    esac
  done <"$tmp/contract.out"
  [ "$rc" -eq 0 ] || bad "contract.js $1 $2 ran (exit $rc)"
}

tmp="$(mktemp -d)"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- prerequisites --------------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  bad "node and npm are installed (the Prism contract tests need them: apt-get install -y nodejs npm)"
  finish
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  bad "node is 18 or newer (Prism 5 needs it; found $(node --version))"
  finish
fi
for p in hibob namely; do
  if [ ! -f "$oracle/$p-openapi.yaml" ]; then
    bad "the $p spec is at $oracle/$p-openapi.yaml (CI clones shared/ beside the repo)"
  fi
done
if [ ! -x "$bin" ]; then
  bad "the keystep binary is built at $bin (set KEYSTEP_APP_BIN)"
fi
[ "$failed" -eq 0 ] || finish

# --- Prism, from the lock file ----------------------------------------------------------
pinned="$(node -p 'require(process.argv[1]).dependencies["@stoplight/prism-cli"]' "$here/package.json")"
stamp="$here/node_modules/.keystep-lock"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1) node-$node_major"
prism="$here/node_modules/.bin/prism"
if [ ! -x "$prism" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # --ignore-scripts: nothing here needs an install script (and it keeps telemetry off).
  if (cd "$here" && SCARF_ANALYTICS=false DO_NOT_TRACK=1 npm ci --ignore-scripts --no-audit --no-fund \
    --loglevel=error >"$tmp/npm.log" 2>&1); then
    echo "$want" >"$stamp"
  else
    bad "npm ci in tests/prism"
    sed 's/^/    /' "$tmp/npm.log" | tail -20
    finish
  fi
fi
installed="$(node -p 'require(process.argv[1]).version' "$here/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null)"
if [ "$installed" = "$pinned" ]; then ok "Prism $installed installed from package-lock.json"; else
  bad "Prism $pinned installed (found '${installed:-nothing}')"
  finish
fi

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Per vendor: Prism's pid and the port it was given, the proxy's pid and port.
declare -A prism_pid prism_port proxy_pid proxy_port
# launch_prism <name> <spec>: Prism on a free loopback port (static examples; request
# validation is always on in mock mode). It routes on the spec's paths; servers are unused.
launch_prism() {
  prism_port[$1]="$(free_port)"
  NO_COLOR=1 FORCE_COLOR=0 "$prism" mock --host 127.0.0.1 --port "${prism_port[$1]}" "$2" \
    >"$tmp/$1.prism.log" 2>&1 &
  prism_pid[$1]=$!
  pids+=("$!")
}
# wait_prism <name> <spec>: until it listens, then tells the proxy its port. Up to three
# tries, since another process may take the free port in between.
wait_prism() {
  local attempt
  for attempt in 1 2 3; do
    for _ in $(seq 900); do
      if grep -q 'Prism is listening on' "$tmp/$1.prism.log"; then
        echo "${prism_port[$1]}" >"$tmp/$1.prism.port"
        return 0
      fi
      kill -0 "${prism_pid[$1]}" 2>/dev/null || break
      sleep 0.1
    done
    kill "${prism_pid[$1]}" 2>/dev/null
    wait "${prism_pid[$1]}" 2>/dev/null
    [ "$attempt" -eq 3 ] || launch_prism "$1" "$2"
  done
  return 1
}
launch_proxy() { # <name> <spec>: the recording proxy (contract.js)
  node "$here/contract.js" proxy "$2" "$tmp/$1.prism.port" "$tmp/$1.servers" "$tmp/$1.proxy.port" \
    "$tmp/$1.record.jsonl" >"$tmp/$1.proxy.log" 2>&1 &
  proxy_pid[$1]=$!
  pids+=("$!")
}
wait_proxy() { # <name>
  for _ in $(seq 900); do
    if [ -s "$tmp/$1.proxy.port" ]; then
      proxy_port[$1]="$(cat "$tmp/$1.proxy.port")"
      return 0
    fi
    kill -0 "${proxy_pid[$1]}" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

hosts_of() { # provider file -> "name<TAB>url" lines of its [hosts] table
  sed -n '/^\[hosts\]/,/^\[/p' "$1" | sed -n 's/^\([A-Za-z0-9_]*\) *= *"\(.*\)"[[:space:]]*$/\1\t\2/p'
}
checks_of() { # provider file -> "id<TAB>METHOD<TAB>path" per [[checks]], in order
  awk '
    function val(s) { sub(/^[^=]*= *"/, "", s); sub(/".*$/, "", s); return s }
    function flush() { if (inblk && id != "") print id "\t" method "\t" path; inblk = 0 }
    /^\[\[checks\]\]/ { flush(); inblk = 1; id = ""; method = "GET"; path = ""; next }
    /^\[/ { flush(); next }
    inblk && /^id *= *"/ { id = val($0) }
    inblk && /^method *= *"/ { method = toupper(val($0)) }
    inblk && /^path *= *"/ { path = val($0) }
    END { flush() }
  ' "$1"
}
url_path() { printf '%s' "$1" | sed -E 's#^[a-z]+://[^/]*##'; }
# Placeholders differ in name only ({subdomain} in Keystep, {company} in the spec).
same_url() { [ "$(printf '%s' "$1" | sed -E 's/\{[^}]*\}/{}/g; s#/$##')" = "$(printf '%s' "$2" | sed -E 's/\{[^}]*\}/{}/g; s#/$##')" ]; }

no_net=()
for v in HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy; do no_net+=("$v=http://127.0.0.1:9"); done
no_net+=("NO_PROXY=127.0.0.1,localhost,::1" "no_proxy=127.0.0.1,localhost,::1")

# verify <label> <provider> <stdin> <env...> -- <fields...>: runs keystep verify once,
# between two snapshots of Prism's log and the record, then reports.
verify() {
  local label="$1" p="$2" secrets="$3"; shift 3
  local envs=() fields=() rec="$tmp/$p.record.jsonl" log="$tmp/$p.prism.log" offset code rc
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  fields=("$@")
  rm -f "$rec"
  offset="$(wc -c <"$log")"
  # A dead proxy for everything but loopback: should an override not take effect, Keystep
  # fails to connect instead of sending the test credentials to the real vendor.
  printf '%s\n' "$secrets" | env "${no_net[@]}" "${envs[@]}" timeout 120 "$bin" verify "$p" "${fields[@]}" --json \
    >"$tmp/out" 2>"$tmp/err"
  rc=$?
  code="$(tail -n 1 "$tmp/out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);console.log(j.ok?"ok":j.code||"")}catch{console.log("")}})')"
  if { [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; } && [ -n "$code" ]; then
    ok "$label: keystep verify ran to an answer (exit $rc, $code)"
  else
    bad "$label: keystep verify ran to an answer (exit $rc)"
    sed 's/^/    /' "$tmp/out" "$tmp/err" | tail -10
  fi
  # Prism logs a request's verdict around its answer; wait until it has logged them all.
  local want_n
  want_n="$( [ -f "$rec" ] && wc -l <"$rec" || echo 0)"
  for _ in $(seq 50); do
    [ "$(tail -c +"$((offset + 1))" "$log" | grep -c 'Request received')" -ge "$want_n" ] && break
    sleep 0.1
  done
  sleep 0.3
  tail -c +"$((offset + 1))" "$log" >"$tmp/$label.log"
  contract report "$label" "$rec" "$tmp/$label.log" "$tmp/$p.checks.tsv"
}

# --- one Prism and one proxy per vendor, all four started at once ----------------------
declare -A ready
for p in hibob namely; do
  launch_prism "$p" "$oracle/$p-openapi.yaml"
  launch_proxy "$p" "$oracle/$p-openapi.yaml"
done
for p in hibob namely; do
  spec="$oracle/$p-openapi.yaml"
  file="$providers/$p.toml"
  checks_of "$file" >"$tmp/$p.checks.tsv"
  if ! wait_proxy "$p"; then
    bad "$p: the recording proxy reads $(basename "$spec") and starts on 127.0.0.1"
    sed 's/^/    /' "$tmp/$p.proxy.log" | tail -10
    continue
  fi
  base="$(head -n 1 "$tmp/$p.servers")"
  while IFS=$'\t' read -r name url; do
    match=""
    while IFS= read -r s; do same_url "$url" "$s" && match="$s"; done < <(tail -n +2 "$tmp/$p.servers")
    if [ -n "$match" ]; then ok "$p: host $name ($url) is a server of the spec ($match)"; else
      bad "$p: host $name ($url) is a server of the spec"
      tail -n +2 "$tmp/$p.servers" | sed 's/^/    spec server: /'
    fi
  done < <(hosts_of "$file")
  if ! wait_prism "$p" "$spec"; then
    bad "$p: Prism mocks $(basename "$spec") on 127.0.0.1"
    sed 's/^/    /' "$tmp/$p.prism.log" | tail -10
    continue
  fi
  ready[$p]=1
  ok "$p: Prism mocks $(basename "$spec") on 127.0.0.1:${prism_port[$p]} (recording proxy on :${proxy_port[$p]}, base path $base)"
done

# The detector's self-test: requests broken in each way the test must catch go through the
# same proxy first, and each must be reported. This guards against a Prism upgrade that
# reports violations differently (the test would otherwise pass without checking anything).
# canaries <provider> <proxy-port>, then on stdin lines of: what|METHOD|path|auth|json body
canaries() {
  local p="$1" port="$2" what method path auth body whats=() args
  local rec="$tmp/$p.record.jsonl"
  rm -f "$rec"
  while IFS='|' read -r what method path auth body; do
    [ -n "$what" ] || continue
    whats+=("$what")
    args=(-s -o /dev/null --noproxy '*' --max-time 30 -X "$method")
    case "$auth" in
      basic) args+=(-u 'canary-user:canarytoken0123456789') ;;
      bearer) args+=(-H 'Authorization: Bearer canarytoken0123456789') ;;
    esac
    [ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data "$body")
    curl "${args[@]}" "http://127.0.0.1:$port$path" || true
  done
  contract refused "$p self-test" "$rec" "${whats[@]}"
  rm -f "$rec"
}
if [ -n "${ready[hibob]:-}" ]; then
  canaries hibob "${proxy_port[hibob]}" <<'EOF'
wrong method|DELETE|/v1/timeoff/outtoday|basic|
unknown path|GET|/v1/company/people/field|basic|
query of the wrong type|GET|/v1/timeoff/outtoday?siteId=abc|basic|
body of the wrong type|POST|/v1/people/search|basic|{"fields":["root.id"],"showInactive":"no"}
missing security|GET|/v1/company/people/fields|none|
wrong security scheme|GET|/v1/company/people/fields|bearer|
undeclared query parameter|GET|/v1/timeoff/outtoday?includeHoorly=true|basic|
undeclared body property|POST|/v1/people/search|basic|{"fields":["root.id"],"showInactiv":false}
path outside the server's base path|GET|/company/people/fields|basic|
EOF
fi
if [ -n "${ready[namely]:-}" ]; then
  canaries namely "${proxy_port[namely]}" <<'EOF'
missing security|GET|/api/v1/profiles/me|none|
query of the wrong type|GET|/api/v1/profiles?per_page=one|bearer|
wrong method|POST|/api/v1/companies/info|none|
EOF
fi

# Keystep's base URL keeps the provider file's path, so the proxy sees the real request path.
if [ -n "${ready[hibob]:-}" ]; then
  api_path="$(url_path "$(hosts_of "$providers/hibob.toml" | awk -F'\t' '$1=="api"{print $2}')")"
  sandbox_path="$(url_path "$(hosts_of "$providers/hibob.toml" | awk -F'\t' '$1=="sandbox"{print $2}')")"
  token="PrismContractTokenA1b2C3d4E5f6G7h8I9j0"
  verify "hibob (production)" hibob "service_user_token=$token" \
    "KEYSTEP_HIBOB_API_URL=http://127.0.0.1:${proxy_port[hibob]}$api_path" -- \
    --field service_user_id=SERVICE-USER-1 --field environment=production
  verify "hibob (sandbox)" hibob "service_user_token=$token" \
    "KEYSTEP_HIBOB_SANDBOX_URL=http://127.0.0.1:${proxy_port[hibob]}$sandbox_path" -- \
    --field service_user_id=SERVICE-USER-1 --field environment=sandbox
fi
if [ -n "${ready[namely]:-}" ]; then
  api_path="$(url_path "$(hosts_of "$providers/namely.toml" | awk -F'\t' '$1=="api"{print $2}')")"
  # "permalink" is what the spec's example for /companies/info answers, so Keystep's
  # tenant check passes and the chain goes on to the token checks.
  verify "namely" namely "access_token=PrismContractNamelyToken0123456789" \
    "KEYSTEP_NAMELY_API_URL=http://127.0.0.1:${proxy_port[namely]}$api_path" -- \
    --field subdomain=permalink
fi

finish
