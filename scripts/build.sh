#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Configures (once) and builds astropack in the given build folder.
#   scripts/build.sh BUILD_DIR [meson options...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:?usage: scripts/build.sh BUILD_DIR [meson options]}
shift
if [[ ! -f "$build_dir/build.ninja" ]]; then
  meson setup "$build_dir" "$@"
else
  meson configure "$build_dir" "$@" >/dev/null
fi
ninja -C "$build_dir"
