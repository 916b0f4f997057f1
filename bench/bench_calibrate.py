#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calibrates the same synthetic lights with `astropack calibrate` and with
siril-cli `preprocess` (master bias, bias-free master dark, master flat; the
hot pixels of the dark corrected, as -dark does in Siril 1.0), and prints
wall time, CPU time, peak RSS, the astropack/Siril ratios and how far the two
first calibrated lights differ.

  bench_calibrate.py speed   30 lights of 6000 x 4000 (24 MP)
  bench_calibrate.py custom  --frames N --width W --height H

See bench/README.md. Frames go under --data-dir and are deleted afterwards
unless --keep is given; --reuse keeps frames already there from an earlier
--keep run with the same size.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

def find_tool(given, build_dir, relative):
    if given:
        return Path(given).resolve()
    candidate = Path(build_dir) / relative
    if candidate.exists():
        return candidate.resolve()
    sys.exit(f"bench_calibrate: {candidate} not found; build it or give its path.")


def human_bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024.0
    return f"{n:.2f} GiB"


def timed_run(command, env=None, log=None):
    """Runs command under /usr/bin/time -v; returns (wall seconds, peak RSS bytes, CPU seconds)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as report:
        report_path = report.name
    try:
        start = time.monotonic()
        with open(log, "w") if log else open(os.devnull, "w") as out:
            result = subprocess.run(["/usr/bin/time", "-v", "-o", report_path] +
                                    [str(c) for c in command],
                                    env=env, stdout=out, stderr=subprocess.STDOUT)
        wall = time.monotonic() - start
        text = Path(report_path).read_text()
    finally:
        os.unlink(report_path)
    if result.returncode != 0:
        where = f"; see {log}" if log else ""
        sys.exit(f"bench_calibrate: {Path(str(command[0])).name} failed "
                 f"(exit {result.returncode}){where}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)", text))
    return wall, int(rss.group(1)) * 1024 if rss else 0, cpu


def warm_cache(folder):
    """Reads every file once so both programs start with the lights in the page cache."""
    for path in sorted(folder.iterdir()):
        with open(path, "rb") as f:
            while f.read(8 << 20):
                pass


PRESETS = {
    "speed": {"frames": 30, "width": 6000, "height": 4000},
    "custom": {"frames": 10, "width": 2000, "height": 1500},
}


def make_frames(args, frame_dir):
    stamp = frame_dir / "frames.txt"
    wanted = f"{args.frames} {args.width} {args.height}\n"
    if args.reuse and stamp.exists() and stamp.read_text() == wanted:
        print(f"frames: reusing {args.frames} lights in {frame_dir}")
        return
    pixels = args.width * args.height
    # Lights, masters, and two sets of float outputs.
    need = pixels * (args.frames * (2 + 4 + 4) + 3 * 4) * 1.05 + (512 << 20)
    free = shutil.disk_usage(frame_dir.parent).free
    if free < need:
        sys.exit(f"bench_calibrate: {frame_dir.parent} has {human_bytes(free)} free but the "
                 f"run needs about {human_bytes(need)}; choose another --data-dir.")
    if frame_dir.exists():
        shutil.rmtree(frame_dir)
    frame_dir.mkdir(parents=True)
    start = time.monotonic()
    subprocess.run([str(args.generator), str(frame_dir), str(args.frames), str(args.width),
                    str(args.height)], check=True,
                   env=dict(os.environ, OMP_NUM_THREADS=str(args.threads)))
    stamp.write_text(wanted)
    print(f"frames: {args.frames} lights of {args.width} x {args.height} and 3 masters written "
          f"in {time.monotonic() - start:.1f} s to {frame_dir}")


def run_astropack(args, frame_dir, work):
    output = work / "astropack"
    masters = frame_dir / "masters"
    command = [args.astropack, "--quiet", "calibrate",
               "--bias", masters / "master_bias.fit", "--dark", masters / "master_dark.fit",
               "--flat", masters / "master_flat.fit", "--dark-scaling", "none",
               "--cosmetic", "--detect-sigma", str(args.detect_sigma), "-o", output,
               frame_dir / "lights"]
    warm_cache(frame_dir / "lights")
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    wall, rss, cpu = timed_run(command, env=env, log=work / "astropack.log")
    return wall, rss, cpu, output / "pp_light_00001.fit"


def run_siril(args, frame_dir, work):
    home = work / "siril-home"
    seq_dir = work / "siril"
    for d in (home, seq_dir):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    for path in (frame_dir, seq_dir):
        if any(ch.isspace() or ch in "'\"" for ch in str(path)):
            sys.exit(f"bench_calibrate: siril-cli needs a --data-dir without blanks or quotes: "
                     f"{path}")
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    # Siril writes its outputs beside the inputs: the lights are linked into its own
    # folder first (not timed).
    for light in sorted((frame_dir / "lights").iterdir()):
        (seq_dir / light.name).symlink_to(light)
    masters = frame_dir / "masters"
    script = work / "siril-preprocess.ssf"
    script.write_text("\n".join([
        "requires 1.0.0", f"setcpu {args.threads}", f"cd {seq_dir}",
        f"preprocess light_ -bias={masters / 'master_bias.fit'} "
        f"-dark={masters / 'master_dark.fit'} -flat={masters / 'master_flat.fit'} -prefix=pp_",
    ]) + "\n")
    warm_cache(frame_dir / "lights")
    wall, rss, cpu = timed_run(["siril-cli", "-d", work, "-s", script], env=env,
                               log=work / "siril.log")
    output = seq_dir / "pp_light_00001.fit"
    if not output.exists():
        sys.exit(f"bench_calibrate: siril-cli wrote no calibrated light; see {work / 'siril.log'}")
    return wall, rss, cpu, output


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("preset", choices=sorted(PRESETS), nargs="?", default="speed")
    parser.add_argument("--frames", type=int)
    parser.add_argument("--width", type=int)
    parser.add_argument("--height", type=int)
    parser.add_argument("--threads", type=int, default=2, help="threads for both (default 2)")
    parser.add_argument("--detect-sigma", type=float, default=0.0,
                        help="astropack's per-light defect detection (default 0: off, the dark's "
                             "hot pixels only, as Siril)")
    parser.add_argument("--data-dir", default=os.environ.get("ASTROPACK_BENCH_DIR",
                                                             "/tmp/astropack-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the frames and outputs")
    parser.add_argument("--reuse", action="store_true", help="reuse frames kept by --keep")
    parser.add_argument("--no-siril", action="store_true", help="time astropack alone")
    parser.add_argument("--build-dir", default="build", help="where to find the tools")
    parser.add_argument("--astropack")
    parser.add_argument("--generator")
    parser.add_argument("--compare")
    args = parser.parse_args()

    preset = PRESETS[args.preset]
    for key in ("frames", "width", "height"):
        if getattr(args, key) is None:
            setattr(args, key, preset[key])
    args.astropack = find_tool(args.astropack, args.build_dir, "cli/astropack")
    args.generator = find_tool(args.generator, args.build_dir, "bench/make_calibration_frames")
    args.compare = find_tool(args.compare, args.build_dir, "bench/compare_masters")
    if not Path("/usr/bin/time").exists():
        sys.exit("bench_calibrate: /usr/bin/time is missing (Debian package 'time').")
    if not args.no_siril and shutil.which("siril-cli") is None:
        sys.exit("bench_calibrate: siril-cli is missing (Debian package 'siril'); "
                 "use --no-siril to time astropack alone.")

    data = Path(args.data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    frame_dir = data / f"calibration-{args.frames}x{args.width}x{args.height}"
    work = data / "calibration-work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()

    megapixels = args.width * args.height / 1e6
    print(f"bench {args.preset}: {args.frames} lights of {args.width} x {args.height} "
          f"({megapixels:.1f} MP), bias + dark + flat + the dark's hot pixels, 32-bit output, "
          f"{args.threads} threads")
    try:
        make_frames(args, frame_dir)
        a_wall, a_rss, a_cpu, a_out = run_astropack(args, frame_dir, work)
        pixels = args.frames * args.width * args.height
        print(f"astropack  wall {a_wall:8.2f} s  peak RSS {human_bytes(a_rss):>12}  "
              f"CPU {a_cpu:8.2f} s ({a_cpu * 1e9 / pixels:.1f} ns per light pixel)")
        if not args.no_siril:
            s_wall, s_rss, s_cpu, s_out = run_siril(args, frame_dir, work)
            print(f"siril-cli  wall {s_wall:8.2f} s  peak RSS {human_bytes(s_rss):>12}  "
                  f"CPU {s_cpu:8.2f} s")
            print(f"ratio astropack/Siril: wall {a_wall / s_wall:.3f} "
                  f"(astropack {s_wall / a_wall:.2f}x faster), peak RSS {a_rss / s_rss:.3f}, "
                  f"CPU {a_cpu / s_cpu:.3f}")
            diff = subprocess.run([str(args.compare), str(a_out), str(s_out)], check=True,
                                  capture_output=True, text=True).stdout.strip()
            print(f"first light: {diff} (hot pixels: median of the neighbours in astropack, "
                  f"mean in Siril; Siril clips above 1)")
    finally:
        if not args.keep:
            shutil.rmtree(frame_dir, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
