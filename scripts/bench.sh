#!/usr/bin/env bash
# The benchmark command: Keystep's release build against a bare Tauri 2 app (benches/baseline,
# same workspace, same release profile), in one run on this machine. Builds a window with only
# the first five providers (issue 22's comparison), both packages (scripts/package.sh, then the
# baseline through the same Tauri CLI), then runs
# benches/keystep headless (Xvfb, D-Bus, a fresh gnome-keyring) and writes the figures into
# docs/benchmarks.md. KEYSTEP_BENCH_RUNS (default 5) sets the runs per measurement;
# KEYSTEP_BENCH_LATENCY_MS (default 100) the emulator's delay per request;
# KEYSTEP_BENCH_PACE_WINDOW_MS (default 60000) the pacer's minute (the sweep's and the proxy's),
# shorter only for a quick try. To weigh one change to the window in minutes, benches/keystep
# alone with KEYSTEP_BENCH_WINDOWS_ONLY=1 prints the windows' table and leaves the page alone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
# Issue 22: the window with only the first five provider files embedded, built the way the
# package builds it, and kept in a folder of its own beside a copy of the command line (which
# execs the keystep-window next to it). Built first: package.sh then builds the shipped one
# again with all fifteen, as keystep-core's build script reads KEYSTEP_EMBED_PROVIDERS.
echo "bench: building the window with five providers"
KEYSTEP_EMBED_PROVIDERS=payfit,hibob,humaans,jazzhr,namely CARGO_NET_OFFLINE=true \
  scripts/tauri.sh build --no-bundle --ci -- --locked
five="$target/bench-five"
mkdir -p "$five"
cp "$target/release/keystep-window" "$five/keystep-window"
scripts/package.sh
cp "$target/release/keystep" "$five/keystep"
export KEYSTEP_BENCH_APP_FIVE="$five/keystep"
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' tauri.conf.json)
echo "bench: building the baseline"
(cd benches/baseline && CARGO_NET_OFFLINE=true ../../scripts/tauri.sh build --bundles deb --ci -- --locked)

# keystep is the command line (it execs keystep-window for a window, as the desktop entry's
# keystep does); keystep-window is what compares in size with the bare Tauri app.
export KEYSTEP_BENCH_APP="$target/release/keystep"
export KEYSTEP_BENCH_WINDOW="$target/release/keystep-window"
export KEYSTEP_BENCH_BASELINE="$target/release/keystep-baseline"
export KEYSTEP_BENCH_DEB="$target/release/bundle/deb/Keystep_${version}_amd64.deb"
export KEYSTEP_BENCH_BASELINE_DEB="$target/release/bundle/deb/keystep-baseline_${version}_amd64.deb"
export KEYSTEP_BENCH_OUT="$PWD/docs/benchmarks.md"
# The windows' ratios of this run, kept so the next run of the same commit says whether the
# two agree within 0.05 (issue 25).
export KEYSTEP_BENCH_HISTORY="$target/bench-windows.json"
export KEYSTEP_BENCH_FLEET_OUT="$target/bench-fleet.md"
rm -f "$KEYSTEP_BENCH_FLEET_OUT"
# 100 accounts through the pacer first, kept apart from the start-up and memory runs so it
# cannot disturb them.
# KEYSTEP_BENCH_FLEET=0 leaves it out (the page then says it was not measured).
if [ "${KEYSTEP_BENCH_FLEET:-1}" != 0 ]; then
  cargo bench --locked -p keystep-core --bench fleet --profile dev
fi
# keystep run's proxy: overhead per request (median, p99) against the emulator straight, for
# each credential kind (KEYSTEP_BENCH_PROXY_N), 200 requests at once, the access tokens minted
# for 1,000 reads of each client-credentials provider (KEYSTEP_BENCH_MINT_N), and 1,000 reads
# per provider at its documented pace against the least time it allows (KEYSTEP_BENCH_PACE_N;
# twenty minutes with a real minute, HiBob's people search at 50 a minute). Optimized, since the proxy's own speed is what is measured; the
# figures go to $target/bench-proxy.md, which benches/keystep puts into docs/benchmarks.md.
# KEYSTEP_BENCH_PROXY=0 skips it (the page then says it was not measured).
export KEYSTEP_BENCH_PROXY_OUT="$target/bench-proxy.md"
rm -f "$KEYSTEP_BENCH_PROXY_OUT"
if [ "${KEYSTEP_BENCH_PROXY:-1}" != 0 ]; then
  cargo bench --locked -p keystep-cli --bench proxy
fi
# keystep mcp under the Python MCP client: list_people through 1,000 people, Keystep's own time
# per call over the emulator's, the server's start-up and memory. Headless for the real
# keychain; the figures go to $target/bench-mcp.md, which benches/keystep puts into
# docs/benchmarks.md. KEYSTEP_BENCH_MCP=0 skips it.
export KEYSTEP_BENCH_MCP_OUT="$target/bench-mcp.md"
export KEYSTEP_MCP_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/keystep/mcp-venv"
rm -f "$KEYSTEP_BENCH_MCP_OUT"
if [ "${KEYSTEP_BENCH_MCP:-1}" != 0 ]; then
  scripts/headless.sh cargo bench --locked -p keystep --bench mcp --profile dev
fi
# The harness only drives and measures, so it is built in the dev profile.
scripts/headless.sh cargo bench --locked -p keystep --bench keystep --profile dev
