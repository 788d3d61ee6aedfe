#!/usr/bin/env bash
# The run command: installs what is missing, builds Keystep and opens its window.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
# `keystep` (package keystep-cli) opens the window by exec'ing `keystep-window` (package
# keystep-app) beside it, so both are built.
cargo build -p keystep-cli -p keystep-app --bins
exec "${CARGO_TARGET_DIR:-target}/debug/keystep" "$@"
