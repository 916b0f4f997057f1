#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's second command and the body of .ci/run: installs what the tests
# need (including the real siril and gimp packages), builds with warnings as
# errors and runs the whole suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --tests
"$root/scripts/build.sh" "$root/build-test" -Dwerror=true -Dbuildtype=debugoptimized
meson test -C "$root/build-test" --print-errorlogs --num-processes 2 "$@"
