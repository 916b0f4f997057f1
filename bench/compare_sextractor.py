#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Finds the stars of one synthetic frame with `astropack stars` and with
source-extractor (Debian package source-extractor) and prints, side by side:
star counts, completeness for the true stars of SNR > 10 and false detections
against the frame's truth list, position errors, the two programs' matches with
each other, the median FWHM (truth 2.8 px) and the time each took.

  compare_sextractor.py [--width 6000 --height 4000] [--build-dir build]

The frame comes from make_star_frames (frame 1: round stars, FWHM 2.8 px).
source-extractor runs with its usual settings for star fields: a 2.5 px Gaussian
filter, 1.5 sigma over at least 5 pixels, the camera's gain (0.5 e-/ADU) and
saturation level. See bench/README.md.
"""

import argparse
import csv
import io
import math
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import star_bench  # noqa: E402

SCRIPT = "compare_sextractor"
PARAMETERS = ["X_IMAGE", "Y_IMAGE", "FLUX_AUTO", "FLUXERR_AUTO", "FWHM_IMAGE", "ELONGATION",
              "FLAGS"]


def run_sextractor(frame, work, threads):
    (work / "stars.param").write_text("\n".join(PARAMETERS) + "\n")
    catalogue = work / "sextractor.cat"
    conv = Path("/usr/share/source-extractor/gauss_2.5_5x5.conv")
    command = ["source-extractor", frame, "-c", "/dev/null",
               "-CATALOG_NAME", catalogue, "-CATALOG_TYPE", "ASCII_HEAD",
               "-PARAMETERS_NAME", work / "stars.param",
               "-FILTER", "Y" if conv.exists() else "N", "-FILTER_NAME", conv,
               "-DETECT_THRESH", "1.5", "-ANALYSIS_THRESH", "1.5", "-DETECT_MINAREA", "5",
               "-GAIN", "0.5", "-SATUR_LEVEL", "64000", "-PIXEL_SCALE", "1.616",
               "-SEEING_FWHM", "4.5", "-BACK_SIZE", "64", "-CHECKIMAGE_TYPE", "NONE",
               "-NTHREADS", str(threads), "-VERBOSE_TYPE", "QUIET"]
    with open(work / "sextractor.log", "w") as log:
        wall, cpu, rss, status = star_bench.measure(command, stdout=log)
    if status != 0:
        star_bench.fail(SCRIPT, f"source-extractor failed; see {work / 'sextractor.log'}")
    rows = []
    for line in catalogue.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        v = [float(x) for x in line.split()]
        # 1-based centres of pixels -> astropack's 0-based stored pixels.
        rows.append({"x": v[0] - 1, "y": v[1] - 1, "flux": v[2],
                     "snr": v[2] / v[3] if v[3] > 0 else 0.0, "fwhm": v[4],
                     "ecc": math.sqrt(max(0.0, 1 - 1 / (v[5] * v[5]))), "flags": int(v[6])})
    return rows, wall, cpu, rss


def run_astropack(astropack, frame, work, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    with open(work / "astropack.csv", "w") as out:
        wall, cpu, rss, status = star_bench.measure([astropack, "stars", frame, "--csv"],
                                                    env=env, stdout=out)
    if status != 0:
        star_bench.fail(SCRIPT, f"astropack stars failed; see {work / 'astropack.csv'}")
    rows = []
    for r in csv.DictReader(io.StringIO((work / "astropack.csv").read_text())):
        rows.append({"x": float(r["x"]), "y": float(r["y"]), "flux": float(r["flux"]),
                     "snr": float(r["snr"]), "fwhm": float(r["fwhm"]),
                     "ecc": float(r["eccentricity"]), "fitted": r["fitted"] == "1",
                     "fit_snr": float(r["fit_snr"]), "saturated": r["saturated"] == "1"})
    return rows, wall, cpu, rss


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=2, help="threads for both (default 2)")
    parser.add_argument("--data-dir", default=os.environ.get("ASTROPACK_BENCH_DIR",
                                                             "/tmp/astropack-bench"))
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the frame")
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--astropack")
    parser.add_argument("--generator")
    args = parser.parse_args()
    astropack = star_bench.tool(SCRIPT, args.astropack, args.build_dir, "cli/astropack")
    generator = star_bench.tool(SCRIPT, args.generator, args.build_dir, "bench/make_star_frames")
    if shutil.which("source-extractor") is None:
        star_bench.fail(SCRIPT, "source-extractor is missing (Debian package source-extractor; "
                                "scripts/install-deps.sh --tests installs it).")
    data = Path(args.data_dir).resolve()
    folder = data / f"sextractor-{args.width}x{args.height}"
    work = data / "sextractor-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    star_bench.star_frames(SCRIPT, generator, folder, 1, args.width, args.height, args.reuse)
    frame = folder / "light_00001.fit"
    truth = star_bench.truth_stars(folder)
    star_bench.read_cache(folder)

    ours, a_wall, a_cpu, a_rss = run_astropack(astropack, frame, work, args.threads)
    theirs, s_wall, s_cpu, s_rss = run_sextractor(frame, work, args.threads)

    w, h = args.width, args.height
    a_score = star_bench.score([(r["x"], r["y"]) for r in ours], truth, w, h)
    s_score = star_bench.score([(r["x"], r["y"]) for r in theirs], truth, w, h)
    a_index = star_bench.Index([(r["x"], r["y"]) for r in ours])
    both = sum(1 for r in theirs if a_index.nearest(r["x"], r["y"], 1.0)[1] is not None)
    a_fwhm = star_bench.median([r["fwhm"] for r in ours if r["fitted"] and r["fit_snr"] > 30])
    s_fwhm = star_bench.median([r["fwhm"] for r in theirs if r["flags"] == 0 and r["snr"] > 30])
    a_ecc = star_bench.median([r["ecc"] for r in ours if r["fitted"] and r["fit_snr"] > 30])
    s_ecc = star_bench.median([r["ecc"] for r in theirs if r["flags"] == 0 and r["snr"] > 30])

    print(f"\n{SCRIPT}: one frame of {w} x {h} ({w * h / 1e6:.1f} MP), {len(truth)} true stars "
          f"in the frame, {args.threads} threads\n")
    rows = [
        ("detections", f"{a_score['detections']}", f"{s_score['detections']}"),
        ("true stars of SNR > 10 (isolated)", f"{a_score['eligible']}", f"{s_score['eligible']}"),
        ("  found within 1 px", f"{a_score['matched']} ({100 * a_score['completeness']:.1f} %)",
         f"{s_score['matched']} ({100 * s_score['completeness']:.1f} %)"),
        ("false detections (no true star within 3 px)",
         f"{a_score['false']} ({100 * a_score['false_fraction']:.2f} %)",
         f"{s_score['false']} ({100 * s_score['false_fraction']:.2f} %)"),
        ("  close pairs found as one (1.5 to 3 px off)", f"{a_score['merged']}",
         f"{s_score['merged']}"),
        ("position error, median / 90 % (px)",
         f"{a_score['median_offset']:.3f} / {a_score['p90_offset']:.3f}",
         f"{s_score['median_offset']:.3f} / {s_score['p90_offset']:.3f}"),
        ("median FWHM, SNR > 30 (truth 2.80 px)", f"{a_fwhm:.3f}", f"{s_fwhm:.3f}"),
        ("median eccentricity of single stars, SNR > 30", f"{a_ecc:.3f}", f"{s_ecc:.3f}"),
        ("wall time (s)", f"{a_wall:.2f}", f"{s_wall:.2f}"),
        ("CPU time (s)", f"{a_cpu:.2f}", f"{s_cpu:.2f}"),
        ("peak memory (MiB)", f"{a_rss / 2**20:.0f}", f"{s_rss / 2**20:.0f}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'':{width}} | astropack stars | source-extractor |")
    print(f"|{'-' * (width + 2)}|-----------------|------------------|")
    for name, a, s in rows:
        print(f"| {name:{width}} | {a:>15} | {s:>16} |")
    print(f"\n{both} of source-extractor's {len(theirs)} detections have an astropack detection "
          f"within 1 px; wall ratio astropack/source-extractor {a_wall / s_wall:.2f}, CPU ratio "
          f"{a_cpu / s_cpu:.2f}")
    if not args.reuse:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
