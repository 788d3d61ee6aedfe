#!/usr/bin/env bash
# Runs a command the way a Linux desktop session would, but headless and hermetic:
# a virtual X display (Xvfb), a private D-Bus session, and a fresh gnome-keyring whose
# login collection is unlocked. XDG data/config/cache point at a new temporary folder, so
# neither the keyring nor Keystep's files touch the real home, and tests start clean.
set -euo pipefail

if [ -z "${KEYSTEP_HEADLESS_INNER:-}" ]; then
  root=$(mktemp -d -t keystep-headless.XXXXXX)
  # The test tools scripts/deps.sh installs (moto and OpenBao) stay where it put them, in
  # the real cache: the fresh cache below would hide them.
  export KEYSTEP_STORES_VENV="${KEYSTEP_STORES_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/keystep/stores-venv}"
  mkdir -p "$root/runtime" "$root/data" "$root/config" "$root/cache"
  chmod 700 "$root/runtime"
  export XDG_RUNTIME_DIR="$root/runtime" XDG_DATA_HOME="$root/data"
  export XDG_CONFIG_HOME="$root/config" XDG_CACHE_HOME="$root/cache"
  export KEYSTEP_HEADLESS_INNER=1 KEYSTEP_HEADLESS_ROOT="$root"
  status=0
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
    dbus-run-session -- "$0" "$@" || status=$?
  rm -rf "$root"
  exit "$status"
fi

# A single newline creates and unlocks the login keyring with an empty password; empty
# stdin would leave no default collection and every write would wait on a hidden prompt.
echo '' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; then
    break
  fi
  sleep 0.1
done
export KEYSTEP_REAL_KEYCHAIN=1
exec "$@"
