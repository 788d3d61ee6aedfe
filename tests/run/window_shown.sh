#!/usr/bin/env bash
# The README's first command, proved: `scripts/run.sh` on this checkout opens the Keystep
# window. Run it inside scripts/headless.sh (Xvfb, a private D-Bus session, an unlocked
# keyring and fresh XDG folders, so a fresh data folder): it starts run.sh exactly as a new
# user would, waits (with a bound) until a window titled "Keystep" is mapped and viewable on
# the display, then closes Keystep and passes. It fails when run.sh exits first (a build
# error, a missing binary), or when no window shows within the bound.
#
# The build is expected to be done already (the test command builds both binaries first),
# so this costs the start of the window, a few seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${DISPLAY:?run this inside scripts/headless.sh: it needs an X display}"
bound=${KEYSTEP_RUN_CHECK_SECONDS:-90}
log=$(mktemp -t keystep-run-check.XXXXXX)

# In a process group of its own, so closing Keystep also ends the WebKit processes it started
# before headless.sh removes the folders they write to.
setsid scripts/run.sh >"$log" 2>&1 &
pid=$!

stop() {
  # run.sh `exec`s keystep, which `exec`s keystep-window: one process id throughout, and
  # the group's id.
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    pgrep -g "$pid" >/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
}

fail() {
  printf 'run check: %s\n--- what scripts/run.sh printed (last 40 lines) ---\n' "$1" >&2
  tail -n 40 "$log" >&2 || true
  stop
  rm -f "$log"
  exit 1
}

deadline=$(( $(date +%s) + bound ))
while :; do
  if ! kill -0 "$pid" 2>/dev/null; then
    status=0
    wait "$pid" || status=$?
    fail "scripts/run.sh ended (exit $status) before the Keystep window was shown"
  fi
  # `-name` matches the window's title exactly; the map state says whether it is on screen
  # (the window is created hidden, and shown by the app once it is set up).
  if xwininfo -name Keystep 2>/dev/null | grep -q 'Map State: IsViewable'; then
    break
  fi
  [ "$(date +%s)" -lt "$deadline" ] || fail "no Keystep window was shown within ${bound}s"
  sleep 0.5
done

echo "run check: scripts/run.sh opened the Keystep window ($(xwininfo -name Keystep | sed -n 's/.*Window id: \(0x[0-9a-f]*\).*/\1/p'))"
stop
rm -f "$log"
