#!/usr/bin/env bash
# The test command: installs what is missing, then runs every check and test, the
# end-to-end ones through the real window, headless. Fails on the first red step.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

step "dependencies"
scripts/deps.sh test

step "format"
cargo fmt --all --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "licences, bans and sources (cargo-deny, deny.toml)"
# Advisories are left out: that check clones the RustSec database from a git host, and this
# command reaches nothing but the package registries. The rest reads Cargo.lock and the
# crates' manifests (fetched from crates.io if missing) and works offline once they are here.
cargo deny --workspace --locked check --hide-inclusion-graph licenses bans sources

step "API docs: every link resolves, no warning"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked -p keystep-core -p keystep-cli -p keystep-app

step "the domain holds no front end: keystep-core builds no server, no child processes, no window"
# Cargo enforces the direction (keystep-core cannot name keystep-cli or keystep-app); this
# holds what it compiles: `keystep run`'s server and signal forwarding live in keystep-cli.
front_end=$(cargo tree --locked -p keystep-core -e normal,features --prefix none \
  | grep -E '^(nix|tauri|wry|webkit2gtk|hyper feature "server"|tokio feature "(process|signal)")( |$)' | sort -u || true)
if [ -n "$front_end" ]; then
  printf 'keystep-core compiles front-end parts:\n%s\n' "$front_end" >&2
  exit 1
fi

step "build the app: keystep (the command line) and keystep-window (the window it execs)"
cargo build --locked -p keystep-cli -p keystep-app --bins
export KEYSTEP_APP_BIN="$PWD/${CARGO_TARGET_DIR:-target}/debug/keystep"
case "${CARGO_TARGET_DIR:-}" in /*) export KEYSTEP_APP_BIN="$CARGO_TARGET_DIR/debug/keystep" ;; esac

step "the README's run command opens the window (scripts/run.sh, headless, fresh data folder)"
scripts/headless.sh tests/run/window_shown.sh

step "core, command-line library and emulator tests (real keychain)"
scripts/headless.sh cargo test --locked -p keystep-core -p keystep-cli -p keystep-emulator

step "UI checks in headless Chromium (stubbed IPC)"
bash tests/ui/run.sh

step "shell and IPC tests"
cargo test --locked -p keystep-app

step "vendor contracts (Prism)"
bash tests/prism/run.sh

step "Vault contract: Keystep's KV v2 requests through Prism (OpenBao's own OpenAPI description) to OpenBao"
bash tests/prism/vault.sh

step "the keystep command: the built binary without a display (real keychain)"
# keystep mcp's tests take their MCP client from deps.sh's venv; headless.sh gives tests a
# cache folder of their own, so the venv is named here.
export KEYSTEP_MCP_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/keystep/mcp-venv"
scripts/headless.sh cargo test --locked -p keystep --test cli

step "end-to-end through the real window"
export KEYSTEP_SCREENSHOT_DIR="$PWD/docs/screenshots"
scripts/headless.sh cargo test --locked -p keystep --test e2e -- --test-threads=1

step "package: the release .deb, installed into a scratch root and checked"
# A release build with LTO: minutes on a fresh target folder, a relink after a change.
scripts/package.sh

step "done"
