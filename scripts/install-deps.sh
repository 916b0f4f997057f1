#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian 12 packages astropack needs.
#   scripts/install-deps.sh          build dependencies only
#   scripts/install-deps.sh --tests  also the peers the integration tests run (siril, gimp, xvfb)
#                                    and /usr/bin/time and source-extractor for the benchmarks
set -euo pipefail

build_packages=(
  build-essential pkg-config meson ninja-build gettext
  libcfitsio-dev libtiff-dev libraw-dev libgsl-dev libcairo2-dev libsqlite3-dev
  nlohmann-json3-dev libcli11-dev libglib2.0-dev libgtk-3-dev libgimp2.0-dev
)
test_packages=(check siril gimp xvfb xauth python3-numpy time source-extractor)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--tests" ]]; then
  packages+=("${test_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
