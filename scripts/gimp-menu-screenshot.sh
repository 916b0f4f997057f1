#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Takes docs/screenshots/menu.png, the README's picture of Filters > Astronomy: GIMP 2.10
# with the built plug-ins (isolated from your profile) on a virtual display, an image open,
# the Filters menu opened by its key and Astronomy by the pointer.
# Usage: scripts/gimp-menu-screenshot.sh [build dir] [output png]
# Needs Xvfb (xvfb), xdotool and xwd (x11-apps); gimp-console converts the picture.
set -eu
BUILD=${1:-build}
OUT=${2:-docs/screenshots/menu.png}
for tool in Xvfb xdotool xwd gimp-2.10 gimp-console-2.10; do
  command -v "$tool" > /dev/null || { echo "$tool is missing (apt-get install xvfb xdotool x11-apps gimp)"; exit 1; }
done
TMP=$(mktemp -d)
XVFB_PID=; GIMP_PID=
cleanup() {
  [ -n "$GIMP_PID" ] && kill "$GIMP_PID" 2> /dev/null
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2> /dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
for p in file-astropack-fits astropack-star-blend astropack-haoiii-screen astropack-scnr \
         astropack-nebula-composite; do
  mkdir -p "$TMP/plug-ins/$p"
  cp "$BUILD/gimp-plugins/$p" "$TMP/plug-ins/$p/"
done
printf '(plug-in-path "${gimp_plug_in_dir}/plug-ins:%s/plug-ins")\n' "$TMP" > "$TMP/gimprc"
# A picture to open, so that the filters are not greyed out: a soft glow.
python3 - "$TMP/m42.png" <<'PY'
import math, struct, sys, zlib
w, h = 480, 320
rows = b"".join(b"\0" + bytes(v for x in range(w) for v in (
    (lambda d: (min(255, int(30 + 200 * d)), min(255, int(20 + 80 * d)),
                min(255, int(40 + 150 * d))))(math.exp(-((x - 240) ** 2 + (y - 160) ** 2) / 9000))))
    for y in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY

DISPLAY_NUMBER=:$((90 + $$ % 100))
Xvfb "$DISPLAY_NUMBER" -screen 0 1024x768x24 > "$TMP/xvfb.log" 2>&1 &
XVFB_PID=$!
sleep 2
export DISPLAY="$DISPLAY_NUMBER"
LANG=C.UTF-8 GIMP2_DIRECTORY="$TMP/profile" gimp-2.10 -d -f -s --gimprc="$TMP/gimprc" \
  "$TMP/m42.png" > "$TMP/gimp.log" 2>&1 &
GIMP_PID=$!
WINDOW=$(timeout 120 xdotool search --sync --name "m42" | head -1)
sleep 5
xdotool windowsize "$WINDOW" 1000 700
xdotool windowmove "$WINDOW" 0 0
sleep 2
xdotool key --window "$WINDOW" alt+r   # Filte_rs
sleep 2
# Astronomy sits below Animation in a fresh profile at this window size.
xdotool mousemove 460 499
sleep 1
xdotool mousemove 470 499
sleep 2
xwd -root -silent > "$TMP/screen.xwd"
cat > "$TMP/convert.scm" <<SCM
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "$TMP/screen.xwd" "screen.xwd"))))
  (gimp-image-crop img 1000 620 0 0)
  (gimp-file-save RUN-NONINTERACTIVE img (car (gimp-image-get-active-drawable img))
                  "$TMP/menu.png" "menu.png")
  (gimp-image-delete img))
SCM
env -u DISPLAY GIMP2_DIRECTORY="$TMP/profile2" timeout 120 gimp-console-2.10 -i -d -f \
  -b "(load \"$TMP/convert.scm\")" -b '(gimp-quit 0)' > "$TMP/convert.log" 2>&1
cp "$TMP/menu.png" "$OUT"
echo "wrote $OUT"
