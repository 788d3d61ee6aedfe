#!/usr/bin/env bash
# Keystep's Vault requests against OpenBao's own OpenAPI description, with Prism validating
# every request in proxy mode before it reaches a real OpenBao dev server.
#
# No package registry ships HashiCorp's published OpenAPI document of Vault (checked: npm
# has no @hashicorp/vault-client-typescript, PyPI's hvac and hashicorp-vault-client-api ship
# none). OpenBao, the open-source fork of Vault with the same KV v2 API, generates the
# description of its API from the server itself: `GET /v1/sys/internal/specs/openapi`. The
# server is OpenBao 2.7.2 from the pinned PyPI wheel (tests/stores/requirements.txt), so the
# document is the same on every run; it is made here, not kept in the repository.
#
# OpenAPI path templates cannot hold a `/`, so the secret's path is one segment
# (secret/prism-contract), and the mount-detection request (sys/internal/ui/mounts/<path>,
# which `vault kv` sends the same way) is the one request no template can match: it is
# named and counted apart, never silently passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
here="$PWD/tests/prism"
venv="${KEYSTEP_STORES_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/keystep/stores-venv}"
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; failed=$((failed + 1)); }
tmp="$(mktemp -d)"
pids=()
finish() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -n "${KEYSTEP_KEEP_TMP:-}" ] && cp "$tmp/prism.log" /tmp/stores/prism-vault.log; rm -rf "$tmp"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}
[ -x "$venv/bin/bao" ] || { bad "OpenBao is installed (scripts/deps.sh test)"; finish; }
if [ ! -x "$here/node_modules/.bin/prism" ]; then
  (cd "$here" && SCARF_ANALYTICS=false DO_NOT_TRACK=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$tmp/npm.log" 2>&1 \
    || { bad "npm ci in tests/prism"; tail -5 "$tmp/npm.log"; finish; }
fi
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

bao_port="$(free_port)"
HOME="$tmp" "$venv/bin/bao" server -dev -dev-root-token-id=keystep-test-root-token \
  -dev-listen-address="127.0.0.1:$bao_port" -dev-no-store-token >"$tmp/bao.log" 2>&1 &
pids+=("$!")
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$bao_port/v1/sys/health" >/dev/null 2>&1 && break
  sleep 0.1
done
if curl -sf -H 'X-Vault-Token: keystep-test-root-token' \
  "http://127.0.0.1:$bao_port/v1/sys/internal/specs/openapi" >"$tmp/openbao.json"; then
  ok "OpenBao $("$venv/bin/bao" version | awk '{print $2}') describes its API (sys/internal/specs/openapi)"
else
  bad "OpenBao's dev server starts and describes its API"
  finish
fi
# Keystep sends /v1/...; the document's paths start after /v1.
node -e '
  const fs = require("fs");
  const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const paths = {};
  for (const [p, v] of Object.entries(d.paths)) paths["/v1" + p] = v;
  d.paths = paths;
  fs.writeFileSync(process.argv[2], JSON.stringify(d));
  const kv = ["data", "metadata"].every((k) => paths["/v1/secret/" + k + "/{path}"]);
  process.exit(kv ? 0 : 1);
' "$tmp/openbao.json" "$tmp/openbao-v1.json" \
  && ok "the description holds KV v2's data and metadata paths of secret/" \
  || { bad "the description holds KV v2's data and metadata paths of secret/"; finish; }

prism_port="$(free_port)"
NO_COLOR=1 "$here/node_modules/.bin/prism" proxy "$tmp/openbao-v1.json" "http://127.0.0.1:$bao_port" \
  --host 127.0.0.1 --port "$prism_port" --errors >"$tmp/prism.log" 2>&1 &
pids+=("$!")
for _ in $(seq 900); do grep -q 'Prism is listening' "$tmp/prism.log" && break; sleep 0.1; done
grep -q 'Prism is listening' "$tmp/prism.log" || { bad "Prism proxies to OpenBao"; tail -5 "$tmp/prism.log"; finish; }
ok "Prism validates requests against the description, then forwards them to OpenBao"

# Keystep's Vault client, every kind of request it sends, through Prism.
export KEYSTEP_VAULT_CONTRACT_PORT="$prism_port"
if cargo test --locked -p keystep-core --test core -- --ignored --exact \
  copies::every_vault_request_passes_openbaos_own_openapi_description >"$tmp/cargo.log" 2>&1; then
  ok "Keystep's write (cas), metadata, describe, read and delete requests pass, and OpenBao answers them"
else
  bad "Keystep's Vault requests pass Prism's validation"
  grep -E 'panicked|assert' -A3 "$tmp/cargo.log" | head -20 | sed 's/^/    /'
fi
sleep 0.5
# With --errors, a request that does not match the description is answered by Prism itself
# and never forwarded: every request received (the mount detection apart) must have been
# forwarded to OpenBao.
counts="$(awk '
  /\[HTTP SERVER\]/ && /Request received/ && !/sys\/internal\/ui\/mounts/ { received++ }
  /\[PROXY\]/ && /Forwarding/ && !/sys\/internal\/ui\/mounts/ { forwarded++ }
  END { print received + 0, forwarded + 0 }
' "$tmp/prism.log")"
read -r received forwarded <<<"$counts"
if [ "$received" -ge 8 ] && [ "$received" -eq "$forwarded" ]; then
  ok "every one of Keystep's $received KV requests matched the description and was forwarded"
else
  bad "every one of Keystep's KV requests matched the description ($received received, $forwarded forwarded)"
  grep -E 'VIOLATIONS|Violation' "$tmp/prism.log" | head -10 | sed 's/^/    /'
fi
# Answers OpenBao gives that its own description does not list (204 to a metadata write, 400
# to a refused check-and-set): the server's documentation, not Keystep's requests.
responses="$(grep -c 'Violation: response\|Request/Response not valid' "$tmp/prism.log" || true)"
echo "# answers of OpenBao its own description does not list: $responses"
mounts="$(grep -c 'ui/mounts.*Request received' "$tmp/prism.log" || true)"
echo "# mount detection requests, which no path template can match (a / in the path): $mounts"
finish
