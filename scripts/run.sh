#!/usr/bin/env bash
# The run command: installs what is missing, builds Keystep and opens its window.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cargo build -p keystep-app --bin keystep
exec "${CARGO_TARGET_DIR:-target}/debug/keystep" "$@"
