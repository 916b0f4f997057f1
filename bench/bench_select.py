#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measures the same synthetic star frames with `astropack select` and with
siril-cli 1.0.6 `register -norot` (star detection and PSF fits of every frame,
then star matching; the shifts, FWHM and roundness go into the .seq), and
prints wall time, CPU time, peak memory and the astropack/Siril ratios, then
how both measured the frames against the truth (FWHM, elongation, the blurred
frame 4 and the trailed frame 8).

  bench_select.py speed    30 frames of 6000 x 4000 (24 MP)
  bench_select.py custom   --frames N --width W --height H

Frames come from make_star_frames and go under --data-dir (1.5 GB for the speed
bench); --keep keeps them, --reuse takes kept ones. See bench/README.md.
"""

import argparse
import json
import math
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import star_bench  # noqa: E402

SCRIPT = "bench_select"
PRESETS = {"speed": (30, 6000, 4000), "custom": (10, 2000, 1500)}


def run_astropack(args, frames, work):
    out = work / "astropack"
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    command = [args.astropack, "--quiet", "select", frames, "-o", out, "--no-seq",
               "--threads", str(args.threads)]
    with open(work / "astropack.log", "w") as log:
        wall, cpu, rss, status = star_bench.measure(command, env=env, stdout=log)
    if status != 0:
        star_bench.fail(SCRIPT, f"astropack select failed; see {work / 'astropack.log'}")
    return wall, cpu, rss, json.loads((out / "light_selection.json").read_text())


def run_siril(args, frames, work):
    home, seq_dir = work / "siril-home", work / "siril"
    for d in (home, seq_dir):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    if any(ch.isspace() or ch in "'\"" for ch in str(seq_dir)):
        star_bench.fail(SCRIPT, f"siril-cli needs a --data-dir without blanks: {seq_dir}")
    for frame in sorted(Path(frames).glob("light_*.fit")):
        (seq_dir / frame.name).symlink_to(frame)
    script = work / "siril-register.ssf"
    script.write_text(f"requires 1.0.0\nsetcpu {args.threads}\ncd {seq_dir}\n"
                      "register light_ -norot\n")
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    with open(work / "siril.log", "w") as log:
        wall, cpu, rss, status = star_bench.measure(["siril-cli", "-d", work, "-s", script],
                                                    env=env, stdout=log)
    seq = seq_dir / "light_.seq"
    if status != 0 or not seq.exists():
        star_bench.fail(SCRIPT, f"siril-cli register failed; see {work / 'siril.log'}")
    reference, registration = -1, []
    for line in seq.read_text().splitlines():
        words = line.split()
        if words and words[0] == "S":
            reference = int(words[6])
        elif words and words[0] == "R0":
            registration.append({"fwhm": float(words[3]), "roundness": float(words[5])})
    return wall, cpu, rss, reference, registration


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("preset", choices=sorted(PRESETS), nargs="?", default="speed")
    parser.add_argument("--frames", type=int)
    parser.add_argument("--width", type=int)
    parser.add_argument("--height", type=int)
    parser.add_argument("--threads", type=int, default=2, help="threads for both (default 2)")
    parser.add_argument("--data-dir", default=os.environ.get("ASTROPACK_BENCH_DIR",
                                                             "/tmp/astropack-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the frames")
    parser.add_argument("--reuse", action="store_true", help="reuse frames kept by --keep")
    parser.add_argument("--no-siril", action="store_true", help="time astropack alone")
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--astropack")
    parser.add_argument("--generator")
    args = parser.parse_args()
    count, width, height = PRESETS[args.preset]
    count, width, height = args.frames or count, args.width or width, args.height or height
    args.astropack = star_bench.tool(SCRIPT, args.astropack, args.build_dir, "cli/astropack")
    generator = star_bench.tool(SCRIPT, args.generator, args.build_dir, "bench/make_star_frames")
    if not args.no_siril and shutil.which("siril-cli") is None:
        star_bench.fail(SCRIPT, "siril-cli is missing (Debian package siril); use --no-siril.")

    data = Path(args.data_dir).resolve()
    frames = data / f"stars-{count}x{width}x{height}"
    work = data / "select-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"{SCRIPT} {args.preset}: {count} frames of {width} x {height} "
          f"({width * height / 1e6:.1f} MP), {args.threads} threads")
    star_bench.star_frames(SCRIPT, generator, frames, count, width, height,
                           args.reuse or args.keep)
    truth = star_bench.truth_frames(frames)

    star_bench.read_cache(frames)
    a_wall, a_cpu, a_rss, selection = run_astropack(args, frames, work)
    print(f"astropack select: {a_wall:.1f} s wall, {a_cpu:.1f} s CPU, {a_rss / 2**20:.0f} MiB")
    siril = None
    if not args.no_siril:
        star_bench.read_cache(frames)
        siril = run_siril(args, frames, work)
        print(f"siril-cli register -norot: {siril[0]:.1f} s wall, {siril[1]:.1f} s CPU, "
              f"{siril[2] / 2**20:.0f} MiB")

    print("\n| | wall (s) | CPU (s) | peak RSS (MiB) | per frame, wall (s) |")
    print("|---|---|---|---|---|")
    print(f"| astropack select | {a_wall:.1f} | {a_cpu:.1f} | {a_rss / 2**20:.0f} | "
          f"{a_wall / count:.2f} |")
    if siril:
        s_wall, s_cpu, s_rss = siril[:3]
        print(f"| siril-cli register -norot | {s_wall:.1f} | {s_cpu:.1f} | {s_rss / 2**20:.0f} | "
              f"{s_wall / count:.2f} |")
        print(f"| ratio astropack / Siril | {a_wall / s_wall:.2f} | {a_cpu / s_cpu:.2f} | "
              f"{a_rss / s_rss:.2f} | |")

    # Against the truth: FWHM of every round frame, eccentricity, the two bad frames.
    print("\n| frame | truth FWHM | astropack FWHM (err) | ecc | kept | Siril FWHMx | roundness |")
    print("|---|---|---|---|---|---|---|")
    worst_fwhm, worst_ecc = 0.0, 0.0
    for i, (t, f) in enumerate(zip(truth, selection["frames"])):
        trailed = t["trail_dx"] != 0 or t["trail_dy"] != 0
        err = f["fwhm"] / t["fwhm"] - 1
        if not trailed:
            worst_fwhm = max(worst_fwhm, abs(err))
            worst_ecc = max(worst_ecc, f["eccentricity"])
        s = siril[4][i] if siril and i < len(siril[4]) else None
        print(f"| {i + 1}{' (trailed)' if trailed else ''} | {t['fwhm']:.3f} | "
              f"{f['fwhm']:.3f} ({100 * err:+.1f} %) | {f['eccentricity']:.3f} | "
              f"{'yes' if f['kept'] else 'no'} | {s['fwhm'] if s else math.nan:.3f} | "
              f"{s['roundness'] if s else math.nan:.3f} |")
    print(f"\nround frames: largest FWHM error {100 * worst_fwhm:.1f} %, largest eccentricity "
          f"{worst_ecc:.3f}; astropack reference {selection['reference_index'] + 1}"
          + (f", Siril reference {siril[3] + 1}" if siril else ""))
    if not (args.keep or args.reuse):
        shutil.rmtree(frames, ignore_errors=True)


if __name__ == "__main__":
    main()
