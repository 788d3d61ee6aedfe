#!/usr/bin/env bash
# Runs the pinned esbuild (npm esbuild, version in scripts/esbuild/package.json), installing
# it first if needed (scripts/npm-tool.sh). The window's build script runs it to bundle the
# first page (src-tauri/build.rs).
exec "$(dirname "$0")/npm-tool.sh" esbuild esbuild "$@"
