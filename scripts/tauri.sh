#!/usr/bin/env bash
# Runs the pinned Tauri CLI (npm @tauri-apps/cli, version in scripts/tauri-cli/package.json),
# installing it first if needed (scripts/npm-tool.sh). cargo install tauri-cli would compile
# for ten minutes; the npm package is a prebuilt binary.
exec "$(dirname "$0")/npm-tool.sh" tauri-cli tauri "$@"
