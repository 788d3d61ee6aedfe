#!/usr/bin/env bash
# Runs the pinned Tauri CLI (npm @tauri-apps/cli, version in scripts/tauri-cli/package.json),
# installing that exact version first when it is missing or another one is there. The npm
# package carries a prebuilt binary, so this takes seconds (cargo install tauri-cli compiles
# for ten minutes). No lockfile: npm 11 writes one without the other platforms' optional
# binaries, which `npm ci` then refuses; the pin is exact and the package has no other deps.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/tauri-cli"
want=$(sed -n 's/.*"@tauri-apps\/cli": "\([^"]*\)".*/\1/p' "$dir/package.json")
have=$("$dir/node_modules/.bin/tauri" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  command -v npm >/dev/null || { echo "tauri.sh: Node.js 18+ with npm is required" >&2; exit 1; }
  echo "tauri.sh: installing @tauri-apps/cli $want" >&2
  npm install --prefix "$dir" --no-package-lock --no-audit --no-fund --loglevel=error >&2
fi
exec "$dir/node_modules/.bin/tauri" "$@"
