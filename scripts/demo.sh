#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's first command: installs what astropack needs, builds it, makes
# the built-in sample session and runs the main job on it.
#   scripts/demo.sh [OUTPUT_FOLDER]      (default: ./astropack-demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-astropack-demo}")

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build"
astropack="$root/build/cli/astropack"

mkdir -p "$out"
echo "== Sample session (simulated mono camera) -> $out/session"
"$astropack" simulate --preset small "$out/session"

echo "== Main job -> $out/results"
mkdir -p "$out/results"
"$root/scripts/main-job.sh" "$astropack" "$out/session" "$out/results"

echo
echo "Done. Results are in $out/results"
