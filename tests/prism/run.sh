#!/usr/bin/env bash
# Vendor contract checks (test-only): `keystep verify` against Prism mocking each vendor's own
# OpenAPI description. Where the description's licence allows, it is kept in tests/prism/specs/
# (provenance and licences: specs/README.md); HiBob's and Namely's live outside the repo in
# ../shared/oracle/ (override with KEYSTEP_ORACLE_DIR). The table `vendors` below says which.
#
#  1. Prism (@stoplight/prism-cli, pinned in package-lock.json) is installed with `npm ci`
#     into tests/prism/node_modules, unless it is already there at the locked version;
#  2. each provider file's hosts must be servers of the spec (or a server plus the leading
#     segment of the spec's paths, as BambooHR's /api);
#  3. one Prism per spec on 127.0.0.1 (static examples, request validation on), and in front
#     of it contract.js, a recording proxy that keeps Prism's verdict on every request:
#     Keystep's host override points at the proxy with the real base path (/v1, /api/v1),
#     the proxy requires and strips the servers' base path (Prism routes on the spec's paths);
#  4. a self-test per vendor: deliberately broken requests must each be reported;
#  5. `keystep verify` runs (the chains in `chains_<id>`); every request it sent must conform
#     (no Prism error response, no request violation in `sl-violations`, no undeclared query
#     parameter or body property), Prism's log must agree, and the first request of each
#     chain must have been seen, so the test cannot pass vacuously.
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
# contract report|refused ...: runs contract.js, counting its ok / not ok lines.
contract() {
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
# The vendors checked, and where each one's OpenAPI description is.
specs="$here/specs"
declare -A spec_of=(
  [hibob]="$oracle/hibob-openapi.yaml"
  [namely]="$oracle/namely-openapi.yaml"
  [bamboohr]="$specs/bamboohr-openapi.yaml"
)
vendors=(hibob namely bamboohr)
# A vendor whose spec spells its paths with a trailing slash it also serves without gets
# [vendor]=1 (Rippling's did, checked by hand; its spec is not kept: docs/providers/rippling.md).
declare -A trailing_slash=()
# Operations whose spec lists only OAuth where integrators send the API key: Prism is shown a
# placeholder Bearer for them, and everything else in the request is still checked
# (docs/providers/bamboohr.md, "OpenAPI").
declare -A oauth_only=([bamboohr]="GET /api/v1/employees")
# Query parameters the spec types as arrays while its own description and example send one
# comma-separated value, as Keystep does: shown to Prism as repeated values.
declare -A comma_lists=([bamboohr]="GET /api/v1/employees fields")
for p in "${vendors[@]}"; do
  if [ ! -f "${spec_of[$p]}" ]; then
    case "${spec_of[$p]}" in
      "$oracle"/*) bad "the $p spec is at ${spec_of[$p]} (CI clones shared/ beside the repo)" ;;
      *) bad "the $p spec is kept at ${spec_of[$p]}" ;;
    esac
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
  CONTRACT_TRAILING_SLASH="${trailing_slash[$1]:-0}" CONTRACT_OAUTH_ONLY="${oauth_only[$1]:-}" \
    CONTRACT_COMMA_LISTS="${comma_lists[$1]:-}" node "$here/contract.js" proxy "$2" "$tmp/$1.prism.port" "$tmp/$1.servers" "$tmp/$1.proxy.port" \
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
plain_url() { printf '%s' "$1" | sed -E 's/\{[^}]*\}/{}/g; s#/$##'; }
same_url() { [ "$(plain_url "$1")" = "$(plain_url "$2")" ]; }
# path_under <host> <server>: the path a host adds to a server whose base path is empty
# (BambooHR's host ends in /api, its server at the domain and its paths start /api/v1).
path_under() {
  local h s
  h="$(plain_url "$1")" s="$(plain_url "$2")"
  case "$h" in "$s"/*) printf '%s' "${h#"$s"}" ;; *) return 1 ;; esac
}

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

# --- one Prism and one proxy per vendor, all started at once -----------------------------
# check_hosts <provider>: each host of the provider file is a server of the spec, or a server
# plus the leading segment of the spec's paths.
check_hosts() {
  local p="$1" name url s match extra
  while IFS=$'\t' read -r name url; do
    match="" extra=""
    while IFS= read -r s; do
      if same_url "$url" "$s"; then match="$s"; extra=""; break; fi
      # Only where the servers have no base path of their own: the proxy strips a base path.
      if [ -z "$(head -n 1 "$tmp/$p.servers")" ] && extra="$(path_under "$url" "$s")" &&
        grep -q "^$extra/" "$tmp/$p.servers.paths"; then
        match="$s"
        break
      fi
      extra=""
    done < <(tail -n +2 "$tmp/$p.servers")
    if [ -z "$match" ]; then
      bad "$p: host $name ($url) is a server of the spec"
      tail -n +2 "$tmp/$p.servers" | sed 's/^/    spec server: /'
    elif [ -n "$extra" ]; then
      ok "$p: host $name ($url) is a server of the spec ($match) plus $extra, where its paths start"
      under[$p]="$extra"
    else
      ok "$p: host $name ($url) is a server of the spec ($match)"
    fi
  done < <(hosts_of "$providers/$p.toml")
}

# ready: Prism and the proxy are up; under: what the hosts add to the spec's servers.
declare -A ready under
for p in "${vendors[@]}"; do
  launch_prism "$p" "${spec_of[$p]}"
  launch_proxy "$p" "${spec_of[$p]}"
done
for p in "${vendors[@]}"; do
  spec="${spec_of[$p]}"
  if ! wait_proxy "$p"; then
    bad "$p: the recording proxy reads $(basename "$spec") and starts on 127.0.0.1"
    sed 's/^/    /' "$tmp/$p.proxy.log" | tail -10
    continue
  fi
  check_hosts "$p"
  # The checks' paths as the proxy sees them (after it strips the base path).
  checks_of "$providers/$p.toml" | awk -F'\t' -v OFS='\t' -v pre="${under[$p]:-}" '{ $3 = pre $3; print }' \
    >"$tmp/$p.checks.tsv"
  if ! wait_prism "$p" "$spec"; then
    bad "$p: Prism mocks $(basename "$spec") on 127.0.0.1"
    sed 's/^/    /' "$tmp/$p.prism.log" | tail -10
    continue
  fi
  ready[$p]=1
  ok "$p: Prism mocks $(basename "$spec") on 127.0.0.1:${prism_port[$p]} (recording proxy on :${proxy_port[$p]}, base path '$(head -n 1 "$tmp/$p.servers")')"
done

# The detector's self-test: requests broken in each way the test must catch go through the
# same proxy first, and each must be reported. This guards against a Prism upgrade that
# reports violations differently (the test would otherwise pass without checking anything).
# canaries <provider>, then on stdin lines of: what|METHOD|path|auth|json body
canaries() {
  local p="$1" port="${proxy_port[$1]}" what method path auth body whats=() args
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
canaries_hibob() {
  canaries hibob <<'EOF'
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
}
canaries_namely() {
  canaries namely <<'EOF'
missing security|GET|/api/v1/profiles/me|none|
query of the wrong type|GET|/api/v1/profiles?per_page=one|bearer|
wrong method|POST|/api/v1/companies/info|none|
EOF
}
# BambooHR's server has no base path: its paths carry /api/v1 themselves. Its operations
# take Basic or OAuth's Bearer alike, so there is no wrong scheme to send.
canaries_bamboohr() {
  canaries bamboohr <<'EOF'
missing security|GET|/api/v1/company_information|none|
query of the wrong type|GET|/api/v1/employees/0?onlyCurrent=maybe|basic|
wrong method|DELETE|/api/v1/company_information|basic|
unknown path|GET|/api/v1/company_informations|basic|
undeclared query parameter|GET|/api/v1/employees/0?feilds=firstName|basic|
undeclared deepObject key|GET|/api/v1/employees?filter%5Bstauts%5D=active|bearer|
EOF
}

# The chains. Keystep's base URL keeps the provider file's path, so the proxy sees the real
# request path.
host_path() { url_path "$(hosts_of "$providers/$1.toml" | awk -F'\t' -v h="$2" '$1==h{print $2}')"; }
chains_hibob() {
  local token="PrismContractTokenA1b2C3d4E5f6G7h8I9j0"
  verify "hibob (production)" hibob "service_user_token=$token" \
    "KEYSTEP_HIBOB_API_URL=http://127.0.0.1:${proxy_port[hibob]}$(host_path hibob api)" -- \
    --field service_user_id=SERVICE-USER-1 --field environment=production
  verify "hibob (sandbox)" hibob "service_user_token=$token" \
    "KEYSTEP_HIBOB_SANDBOX_URL=http://127.0.0.1:${proxy_port[hibob]}$(host_path hibob sandbox)" -- \
    --field service_user_id=SERVICE-USER-1 --field environment=sandbox
}
chains_namely() {
  # "permalink" is what the spec's example for /companies/info answers, so Keystep's
  # tenant check passes and the chain goes on to the token checks.
  verify "namely" namely "access_token=PrismContractNamelyToken0123456789" \
    "KEYSTEP_NAMELY_API_URL=http://127.0.0.1:${proxy_port[namely]}$(host_path namely api)" -- \
    --field subdomain=permalink
}
chains_bamboohr() {
  verify "bamboohr" bamboohr "api_key=0123456789abcdef0123456789abcdef01234567" \
    "KEYSTEP_BAMBOOHR_API_URL=http://127.0.0.1:${proxy_port[bamboohr]}$(host_path bamboohr api)" -- \
    --field subdomain=acme
}

for p in "${vendors[@]}"; do
  [ -z "${ready[$p]:-}" ] || "canaries_$p"
done
for p in "${vendors[@]}"; do
  [ -z "${ready[$p]:-}" ] || "chains_$p"
done

finish
