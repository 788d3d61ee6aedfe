#!/usr/bin/env bash
# Runs a pinned npm tool: `npm-tool.sh FOLDER BIN ARGS...` runs scripts/FOLDER's one pinned
# package's BIN, installing that exact version first when it is missing or another one is
# there (scripts/tauri.sh and scripts/esbuild.sh). Both packages carry a prebuilt binary, so
# an install takes seconds. No lockfile: npm 11 writes one without the other platforms'
# optional binaries, which `npm ci` then refuses; the pin is exact and the package has no
# other deps.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/$1"
bin=$2
shift 2
want=$(sed -n 's/^    "[^"]*": "\([0-9][^"]*\)"$/\1/p' "$dir/package.json")
have=$("$dir/node_modules/.bin/$bin" --version 2>/dev/null | awk '{print $NF}' || true)
if [ "$have" != "$want" ]; then
  command -v npm >/dev/null || { echo "$bin: Node.js 18+ with npm is required" >&2; exit 1; }
  echo "npm-tool: installing $bin $want into $dir" >&2
  npm install --prefix "$dir" --no-package-lock --no-audit --no-fund --loglevel=error >&2
fi
exec "$dir/node_modules/.bin/$bin" "$@"
