#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The main job on a session folder: what `astropack` can do end to end today.
# It grows with the pipeline; the demo command that calls it stays the same.
#   scripts/main-job.sh ASTROPACK SESSION_DIR RESULTS_DIR
set -euo pipefail
astropack=$1 session=$2 results=$3

echo "-- Inventory of the session"
shopt -s nullglob nocaseglob
for kind in biases darks flats darkflats lights; do
  files=("$session/$kind"/*.fit "$session/$kind"/*.fits)
  ((${#files[@]})) || continue
  "$astropack" info --json "${files[@]}" > "$results/$kind-info.json"
  printf '   %-10s %3d frames, described in %s\n' "$kind" "${#files[@]}" "$results/$kind-info.json"
done
