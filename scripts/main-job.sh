#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The main job on a session folder: what `astropack` does end to end today:
# master calibration frames from biases/, darks/, darkflats/ and flats/, then
# the lights calibrated with them (cosmetic correction included) as a pp_
# sequence Siril can take over.
# It grows with the pipeline; the demo command that calls it stays the same.
#   scripts/main-job.sh ASTROPACK SESSION_DIR RESULTS_DIR
set -euo pipefail
astropack=$1 session=$2 results=$3
shopt -s nocaseglob nullglob

# The session folder holds one folder per frame type; names are matched without case.
folder_of() {
  local name
  for name in "$@"; do
    for candidate in "$session"/$name; do
      [[ -d "$candidate" ]] && { echo "$candidate"; return; }
    done
  done
}

biases=$(folder_of biases bias offsets offset)
darks=$(folder_of darks dark)
darkflats=$(folder_of darkflats darkflat flatdarks)
flats=$(folder_of flats flat)
lights=$(folder_of lights light)

if [[ -n "$biases" ]]; then
  echo "-- Master bias"
  "$astropack" master --type bias -o "$results/master_bias.fit" "$biases"
fi
if [[ -n "$darks" ]]; then
  echo "-- Master dark"
  "$astropack" master --type dark -o "$results/master_dark.fit" "$darks"
fi
if [[ -n "$darkflats" ]]; then
  echo "-- Master dark-flat"
  "$astropack" master --type darkflat -o "$results/master_darkflat.fit" "$darkflats"
fi
if [[ -n "$flats" ]]; then
  echo "-- Master flat"
  correction=()
  if [[ -n "$darkflats" ]]; then
    correction=(--darkflat "$results/master_darkflat.fit")
  elif [[ -n "$biases" ]]; then
    correction=(--bias "$results/master_bias.fit")
  fi
  "$astropack" master --type flat "${correction[@]}" -o "$results/master_flat.fit" "$flats"
fi

if [[ -n "$lights" ]]; then
  echo "-- Calibrated lights"
  masters=()
  if [[ -f "$results/master_dark.fit" ]]; then
    masters+=(--dark "$results/master_dark.fit")  # a camera dark holds the bias too
  elif [[ -f "$results/master_bias.fit" ]]; then
    masters+=(--bias "$results/master_bias.fit")
  fi
  [[ -f "$results/master_flat.fit" ]] && masters+=(--flat "$results/master_flat.fit")
  "$astropack" calibrate "${masters[@]}" --cosmetic -o "$results/calibrated" "$lights"
fi

echo "-- Summary"
"$astropack" info "$results"/master_*.fit > "$results/masters.txt"
echo "   statistics of the masters: $results/masters.txt"
