#!/usr/bin/env bash
# The install test: unpacks a built Keystep .deb into a scratch root (dpkg -x, as dpkg would
# install it, without touching this system) and checks what a user would get:
#   - control: package name, version (= the binary's), architecture, and Depends naming
#     WebKitGTK 4.1, GTK 3 and ayatana-appindicator (dlopened by the tray, so no tool infers it);
#   - both binaries: usr/bin/keystep (the command line) and usr/lib/keystep/keystep-window
#     (the window it execs); every library each links is provided by a declared dependency
#     or its own deps, and keystep links no window library (WebKitGTK, GTK, libsoup);
#   - Recommends naming a Secret Service provider (gnome-keyring or another): nothing can be
#     stored without one;
#   - the desktop entry is valid and launches `keystep` with the `keystep` icon, and its
#     StartupWMClass is the class the window sets (WINDOW_CLASS in src-tauri/src/lib.rs, which
#     tests/e2e/walkthrough.rs reads from the real window with xprop), so docks group them;
#   - the icon exists at every hicolor size, each PNG of the size its folder names;
#   - the installed command runs without a display: `keystep --version`, `--help`,
#     `list --json`, an unknown command (exit 2), and a bare keystep finds the window binary.
# Usage: tests/package/run.sh path/to/Keystep_<version>_amd64.deb   (scripts/package.sh runs it)
set -uo pipefail

deb=${1:?usage: tests/package/run.sh KEYSTEP.deb}
[ -f "$deb" ] || { echo "package test: no such file: $deb" >&2; exit 2; }
scratch=$(mktemp -d -t keystep-package.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
root="$scratch/root"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

dpkg-deb -x "$deb" "$root" || { echo "FAIL: dpkg-deb -x could not unpack $deb"; exit 1; }
field() { dpkg-deb -f "$deb" "$1"; }

# --- control file
[ "$(field Package)" = keystep ] && pass "Package: keystep" || fail "Package is '$(field Package)', not keystep"
version=$(field Version)
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] \
  && pass "Architecture: $(field Architecture)" || fail "Architecture is '$(field Architecture)'"
depends=$(field Depends)
declared=()
IFS=',' read -ra parts <<<"$depends"
for part in "${parts[@]}"; do
  name=$(echo "$part" | sed 's/([^)]*)//; s/|.*//' | xargs)
  [ -n "$name" ] && declared+=("$name")
done
twice=$(printf '%s\n' "${declared[@]}" | sort | uniq -d | xargs)
[ -z "$twice" ] && pass "Depends names each package once" || fail "Depends names $twice more than once"
for needed in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1 libssl3; do
  grep -qx -- "$needed" <<<"$(printf '%s\n' "${declared[@]}")" \
    && pass "Depends names $needed" || fail "Depends ($depends) does not name $needed"
done
recommends=$(field Recommends)
echo "$recommends" | grep -q 'gnome-keyring' \
  && pass "Recommends a Secret Service provider ($recommends)" \
  || fail "Recommends ($recommends) names no Secret Service provider such as gnome-keyring"

# --- the two binaries and the libraries they link
bin="$root/usr/bin/keystep"
window="$root/usr/lib/keystep/keystep-window"
[ -x "$bin" ] && pass "usr/bin/keystep is executable" || fail "usr/bin/keystep missing or not executable"
[ -x "$window" ] && pass "usr/lib/keystep/keystep-window is executable" \
  || fail "usr/lib/keystep/keystep-window missing or not executable"
# Each library a binary names must come from a declared dependency or what those pull in;
# otherwise an install on a clean system would miss it.
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${declared[@]}" 2>/dev/null \
  | sed -n 's/^\([^ <][^ ]*\)$/\1/p; s/^ *\(Pre\)\{0,1\}Depends: \([^<>]*\)$/\2/p' \
  | sed 's/:.*//' | sort -u)
check_libraries() {
  local binary=$1 name
  name=${binary#"$root"}
  missing_libs=$(ldd "$binary" | grep 'not found' || true)
  [ -z "$missing_libs" ] && pass "$name: every linked library resolves" || fail "$name: unresolved libraries: $missing_libs"
  local before=$failures
  while read -r lib path; do
    # With merged /usr, dpkg may have registered the file under /lib rather than /usr/lib.
    pkg=""
    for candidate in "$path" "${path#/usr}"; do
      [ -n "$pkg" ] || pkg=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1)
    done
    if [ -z "$pkg" ]; then
      fail "$name: $lib ($path) belongs to no installed package"
    # A here-string, not a pipe: with pipefail, grep -q leaving early would fail the writer.
    elif grep -qx -- "$pkg" <<<"$closure"; then
      :
    else
      fail "$name: $lib comes from $pkg, which no declared dependency brings"
    fi
  done < <(objdump -p "$binary" | awk '/NEEDED/ {print $2}' | while read -r lib; do
             path=$(ldd "$binary" | awk -v l="$lib" '$1 == l {print $3}')
             [ -n "$path" ] && echo "$lib $(readlink -f "$path")"
           done)
  [ "$failures" -eq "$before" ] && pass "$name: every NEEDED library comes with a declared dependency"
}
[ -x "$window" ] && check_libraries "$window"
if [ -x "$bin" ]; then
  check_libraries "$bin"
  # The command line must start without the window's libraries (they cost 100 ms and more
  # before main): nothing of WebKitGTK, GTK, GDK or libsoup, directly or through another.
  window_libs=$(ldd "$bin" | grep -Ei 'webkit|javascriptcore|gtk|gdk|soup' || true)
  [ -z "$window_libs" ] && pass "usr/bin/keystep links no window library" \
    || fail "usr/bin/keystep links window libraries: $window_libs"

  out=$(env -u DISPLAY -u WAYLAND_DISPLAY timeout 10 "$bin" --version 2>&1)
  [ "$out" = "keystep $version" ] \
    && pass "keystep --version prints '$out' without a display" \
    || fail "keystep --version printed '$out', expected 'keystep $version'"
  env -u DISPLAY -u WAYLAND_DISPLAY timeout 10 "$bin" --help >/dev/null 2>&1 \
    && pass "keystep --help exits 0" || fail "keystep --help failed"
  scratch_home="$scratch/home"
  mkdir -p "$scratch_home"
  listed=$(env -u DISPLAY -u WAYLAND_DISPLAY HOME="$scratch_home" XDG_DATA_HOME="$scratch_home/data" \
    timeout 10 "$bin" list --json 2>&1)
  [ "$listed" = "[]" ] && pass "keystep list --json runs from the package: []" \
    || fail "keystep list --json printed '$listed'"
  env -u DISPLAY -u WAYLAND_DISPLAY timeout 10 "$bin" no-such-command >/dev/null 2>&1
  status=$?
  [ "$status" -eq 2 ] && pass "an unknown command exits 2" || fail "an unknown command exited $status"
  # A bare keystep hands over to the window binary in ../lib/keystep (which, with no display,
  # then fails on its own): it must not say the window is missing.
  said=$(env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS HOME="$scratch_home" \
    XDG_DATA_HOME="$scratch_home/data" timeout 20 "$bin" 2>&1)
  echo "$said" | grep -q 'not installed' \
    && fail "bare keystep did not find the window binary: $said" \
    || pass "bare keystep finds usr/lib/keystep/keystep-window"
fi

# --- desktop entry
desktop=$(find "$root/usr/share/applications" -name '*.desktop' 2>/dev/null | head -1)
if [ -z "$desktop" ]; then
  fail "no desktop entry in usr/share/applications"
else
  entry() { sed -n "s/^$1=//p" "$desktop" | head -1; }
  if command -v desktop-file-validate >/dev/null; then
    problems=$(desktop-file-validate "$desktop" 2>&1)
    [ -z "$problems" ] && pass "desktop-file-validate accepts $(basename "$desktop")" \
      || fail "desktop-file-validate: $problems"
  elif [ "${CI:-}" = true ]; then
    fail "desktop-file-validate is missing (scripts/deps.sh package installs it)"
  fi
  [ "$(entry Type)" = Application ] && pass "Type=Application" || fail "Type is '$(entry Type)'"
  [ "$(entry Name)" = Keystep ] && pass "Name=Keystep" || fail "Name is '$(entry Name)'"
  exec_cmd=$(entry Exec | awk '{print $1}')
  [ "$exec_cmd" = keystep ] && [ -x "$root/usr/bin/$exec_cmd" ] \
    && pass "Exec runs the packaged keystep" || fail "Exec is '$(entry Exec)'"
  [ "$(entry Icon)" = keystep ] && pass "Icon=keystep" || fail "Icon is '$(entry Icon)'"
  class=$(sed -n 's/^pub const WINDOW_CLASS: &str = "\(.*\)";$/\1/p' "$(dirname "$0")/../../src-tauri/src/lib.rs")
  if [ -z "$class" ]; then
    fail "could not read WINDOW_CLASS from src-tauri/src/lib.rs"
  elif [ "$(entry StartupWMClass)" = "$class" ]; then
    pass "StartupWMClass=$class, the class the window sets: docks group the window with its launcher"
  else
    fail "StartupWMClass is '$(entry StartupWMClass)', but the window's class is '$class': docks show two icons"
  fi
  entry Categories | grep -q 'Utility;' && pass "Categories: $(entry Categories)" \
    || fail "Categories '$(entry Categories)' lacks Utility"
  [ -n "$(entry Comment)" ] && pass "Comment: $(entry Comment)" || fail "no Comment"
  [ "$(entry Terminal)" = false ] && pass "Terminal=false" || fail "Terminal is '$(entry Terminal)'"
fi

# --- icons at every hicolor size
for size in 16 24 32 48 64 128 256 512; do
  icon="$root/usr/share/icons/hicolor/${size}x${size}/apps/keystep.png"
  if [ ! -f "$icon" ]; then
    fail "no ${size}x${size} icon"
  elif ! file "$icon" | grep -q "PNG image data, $size x $size,"; then
    fail "the ${size}x${size} icon is $(file -b "$icon")"
  else
    pass "icon ${size}x${size}"
  fi
done

if [ "$failures" -gt 0 ]; then
  echo "package test: $failures check(s) failed for $(basename "$deb")"
  exit 1
fi
echo "package test: $(basename "$deb") installs and runs"
