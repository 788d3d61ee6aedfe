#!/usr/bin/env bash
# Regenerates every icon from the hand-drawn SVGs in icons/ (run it after editing them; the
# PNGs are committed, so building never needs it). Needs rsvg-convert (Debian librsvg2-bin).
#   icons/keystep.svg      the mark on a 64 grid: 32 px and up, and tauri icon's source
#   icons/keystep-16.svg   the mark hinted for 16 px
#   icons/tray-*.svg       the four tray states, drawn for 32 px
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rsvg-convert >/dev/null || { echo "icons.sh: install librsvg2-bin (rsvg-convert)" >&2; exit 1; }
png() { rsvg-convert -w "$2" -h "$2" "icons/$1.svg" -o "icons/$3"; }

png keystep 1024 source.png
# The app icon set (32, 64, 128, 128@2x, 512, .ico, .icns) from the 1024 px rendering.
scripts/tauri.sh icon icons/source.png -o icons >/dev/null 2>&1
# Desktop only: drop the mobile and Windows Store sets tauri icon adds.
rm -rf icons/android icons/ios icons/Square*Logo.png icons/StoreLogo.png
# The sizes a Linux desktop asks for that tauri icon does not make, rendered from the
# vector (not downscaled from 1024), and the 16 px hinted drawing.
png keystep-16 16 16x16.png
for size in 24 32 48 256; do png keystep "$size" "${size}x${size}.png"; done
for state in ok attention checking empty; do png "tray-$state" 32 "tray-$state.png"; done
echo "icons: regenerated $(ls icons/*.png | wc -l) PNGs"
