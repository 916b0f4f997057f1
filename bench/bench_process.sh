#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Post-processing operations on a 24 MP (6000 x 4000) RGB float image, astropack beside
# siril-cli 1.0.6 doing the same operation: wall time of the whole command (load, operation,
# save, for both), megapixels per second, and the Siril/astropack time ratio (> 1: astropack
# is faster). Operations Siril 1.0.6 does not have (ght, autostretch) are timed alone.
#
#   bench/bench_process.sh [BUILD_DIR]          (default: build)
#
# Data go to $ASTROPACK_BENCH_DIR (default /tmp/astropack-bench-process, about 1 GB, removed
# at the end unless KEEP=1). siril-cli runs with HOME in that folder, so no user setting is
# read or changed. Not part of `meson test`.
set -euo pipefail

build=${1:-build}
astropack=$build/cli/astropack
[ -x "$astropack" ] || { echo "bench_process: $astropack not found; build first" >&2; exit 1; }
data=${ASTROPACK_BENCH_DIR:-/tmp/astropack-bench-process}
width=${WIDTH:-6000}
height=${HEIGHT:-4000}
siril=$(command -v siril-cli || true)
mkdir -p "$data/home"
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$data"; }
trap cleanup EXIT

# Test images: RGB float with a gradient and a pseudo-random texture, and a CFA frame of the
# same size (BAYERPAT RGGB) for the Ha/OIII extraction. Rows are slices of a long random
# strip, so writing 300 MB from Python takes seconds.
python3 - "$data" "$width" "$height" <<'PY'
import array, random, sys
folder, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def header(axes, extra=()):
    cards = ["SIMPLE  =                    T", "BITPIX  =                  -32",
             f"NAXIS   = {len(axes):>20}"]
    cards += [f"NAXIS{i + 1:<3}= {n:>20}" for i, n in enumerate(axes)]
    cards += list(extra) + ["END"]
    text = "".join(c.ljust(80) for c in cards).encode()
    return text + b" " * (-len(text) % 2880)
rng = random.Random(7)
strip = array.array("f", (0.02 + 0.06 * rng.random() for _ in range(2 * w + 4096)))
strip.byteswap()
strip = strip.tobytes()
def write(name, channels, extra=()):
    with open(f"{folder}/{name}", "wb") as f:
        axes = [w, h] + ([channels] if channels > 1 else [])
        f.write(header(axes, extra))
        size = 0
        for c in range(channels):
            for y in range(h):
                start = 4 * ((y * 7919 + c * 104729) % 4096)
                row = array.array("f")
                row.frombytes(strip[start:start + 4 * w])
                row.byteswap()
                level = 0.05 + 0.3 * y / h + 0.1 * c
                row = array.array("f", (v + level for v in row)) if y % 64 == 0 else row
                row.byteswap()
                f.write(row.tobytes())
                size += 4 * w
        f.write(b"\0" * (-size % 2880))
write("rgb.fit", 3)
write("cfa.fit", 1, ["BAYERPAT= 'RGGB    '"])
PY

megapixels=$(python3 -c "print($width * $height / 1e6)")
seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$@"; }
time_astropack() {
  local start end
  start=$(date +%s.%N)
  "$astropack" -q "$@" > /dev/null
  end=$(date +%s.%N)
  seconds "$start" "$end"
}
time_siril() {  # one script: requires, load, the operation lines, (save)
  [ -n "$siril" ] || { echo "-"; return; }
  printf 'requires 1.0.0\n%s\n' "$1" > "$data/op.ssf"
  local start end
  start=$(date +%s.%N)
  (cd "$data" && HOME="$data/home" XDG_CONFIG_HOME="$data/home/.config" \
     XDG_CACHE_HOME="$data/home/.cache" "$siril" -d "$data" -s "$data/op.ssf" > "$data/siril.log" 2>&1) \
    || { echo "siril-cli failed, see $data/siril.log" >&2; echo "-"; return; }
  end=$(date +%s.%N)
  seconds "$start" "$end"
}

printf '%s x %s RGB float (%s MP); times in seconds include reading and writing the files\n' \
  "$width" "$height" "$megapixels"
printf '%-26s %10s %10s %10s %10s %8s\n' operation astropack "MP/s" siril-cli "MP/s" ratio
row() {
  local name=$1 ours=$2 theirs=$3
  python3 - "$name" "$ours" "$theirs" "$megapixels" <<'PY'
import sys
name, ours, theirs, mp = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
if theirs == "-":
    print(f"{name:<26} {ours:10.2f} {mp / ours:10.1f} {'-':>10} {'-':>10} {'-':>8}")
else:
    t = float(theirs)
    print(f"{name:<26} {ours:10.2f} {mp / ours:10.1f} {t:10.2f} {mp / t:10.1f} {t / ours:8.2f}")
PY
}
out=$data/out.fit
row "scnr / rmgreen 0" "$(time_astropack scnr "$data/rgb.fit" -o "$out")" \
  "$(time_siril $'load rgb\nrmgreen 0\nsave out')"
row "asinh 10" "$(time_astropack stretch asinh "$data/rgb.fit" -o "$out" -s 10)" \
  "$(time_siril $'load rgb\nasinh 10\nsave out')"
row "mtf 0.05 0.2 0.9" \
  "$(time_astropack stretch mtf "$data/rgb.fit" -o "$out" --low 0.05 --mid 0.2 --high 0.9)" \
  "$(time_siril $'load rgb\nmtf 0.05 0.2 0.9\nsave out')"
row "noise / bgnoise" "$(time_astropack noise "$data/rgb.fit")" \
  "$(time_siril $'load rgb\nbgnoise')"
row "extract-haoiii (CFA)" "$(time_astropack extract-haoiii "$data/cfa.fit" -o "$data/ext")" \
  "$(time_siril $'load cfa\nextract_HaOIII')"
row "ghs (no Siril 1.0.6 op)" \
  "$(time_astropack stretch ghs "$data/rgb.fit" -o "$out" -D 3 -b 2 --sp 0.1)" "-"
row "auto (no Siril 1.0.6 op)" "$(time_astropack stretch auto "$data/rgb.fit" -o "$out")" "-"
row "pixelmath (no Siril op)" \
  "$(time_astropack pixelmath "0.5*a.r + 0.5*max(a.g, a.b)" -o "$out" "a=$data/rgb.fit")" "-"
