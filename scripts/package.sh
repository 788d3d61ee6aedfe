#!/usr/bin/env bash
# The package command: builds Keystep's Debian package with Tauri's bundler, then installs it
# into a scratch root and checks it (tests/package/run.sh; skip with --no-test).
#
# Everything that needs the network happens first (apt packages, crates, the pinned npm Tauri
# CLI); the build itself runs offline: without a network at all when this machine lets us
# create a network namespace (unshare -n), else with cargo told to stay offline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh package
cargo fetch --locked --quiet
scripts/tauri.sh --version >/dev/null   # installs the pinned CLI if needed
scripts/esbuild.sh --version >/dev/null # and the pinned bundler the window's build runs

target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' tauri.conf.json)
deb="$target/release/bundle/deb/Keystep_${version}_amd64.deb"
rm -f "$deb"

# The bundler installs the main binary, `keystep` (the command line, package keystep-cli), in
# /usr/bin; the window binary it execs goes to /usr/lib/keystep/ through
# bundle.linux.deb.files, whose source is named here from the target folder in use (the
# config's own path assumes ./target).
window_files=$(printf '{"bundle":{"linux":{"deb":{"files":{"/usr/lib/keystep/keystep-window":"%s"}}}}}' \
  "$target/release/keystep-window")
build=(env CARGO_NET_OFFLINE=true scripts/tauri.sh build --bundles deb --ci --config "$window_files" -- --locked)
start=$(date +%s)
if unshare -n true 2>/dev/null; then
  echo "package: building offline (no network namespace)"
  unshare -n "${build[@]}"
else
  echo "package: building with cargo offline (no permission for a network namespace)"
  "${build[@]}"
fi
[ -f "$deb" ] || { echo "package: the bundler did not write $deb" >&2; exit 1; }
echo "package: $deb ($(du -h "$deb" | cut -f1)) built in $(( $(date +%s) - start )) s"

[ "${1:-}" = "--no-test" ] || bash tests/package/run.sh "$deb"
