#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integrates the same synthetic bias frames with `astropack master` and with
siril-cli `stack`, average + winsorized sigma clipping 3/3 without
normalisation, and prints wall time, peak RSS and the astropack/Siril ratios,
plus how far the two masters differ.

  bench_master.py speed   50 frames of 6000 x 4000 (the 2x target)
  bench_master.py memory  500 frames of 3000 x 2000 with --memory 1G
  bench_master.py custom  --frames N --width W --height H [--memory SIZE]

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

PRESETS = {
    "speed": {"frames": 50, "width": 6000, "height": 4000, "memory": None},
    "memory": {"frames": 500, "width": 3000, "height": 2000, "memory": "1G"},
    "custom": {"frames": 20, "width": 1000, "height": 1000, "memory": None},
}
TIME_BIN = "/usr/bin/time"


def find_tool(given, build_dir, relative):
    if given:
        return Path(given).resolve()
    candidate = Path(build_dir) / relative
    if candidate.exists():
        return candidate.resolve()
    sys.exit(f"bench_master: {candidate} not found; build it or give its path.")


def parse_size(text):
    match = re.fullmatch(r"\s*([0-9.]+)\s*([KMG]?)(I?B)?\s*", text.upper())
    if not match:
        sys.exit(f"bench_master: '{text}' is not a memory size such as 1G or 512M.")
    factor = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[match.group(2)]
    return int(float(match.group(1)) * factor)


def human_bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024.0
    return f"{n:.2f} GiB"


def timed_run(command, env=None, cwd=None, log=None):
    """Runs command under /usr/bin/time -v; returns (wall seconds, peak RSS bytes, CPU seconds)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as report:
        report_path = report.name
    try:
        start = time.monotonic()
        with open(log, "w") if log else open(os.devnull, "w") as out:
            result = subprocess.run([TIME_BIN, "-v", "-o", report_path] + [str(c) for c in command],
                                    env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        wall = time.monotonic() - start
        text = Path(report_path).read_text()
    finally:
        os.unlink(report_path)
    if result.returncode != 0:
        where = f"; see {log}" if log else ""
        sys.exit(f"bench_master: {Path(str(command[0])).name} failed "
                 f"(exit {result.returncode}){where}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)", text))
    return wall, int(rss.group(1)) * 1024 if rss else 0, cpu


def frames_present(frame_dir, count, width, height):
    stamp = frame_dir / "frames.txt"
    wanted = f"{count} {width} {height}\n"
    return stamp.exists() and stamp.read_text() == wanted


def make_frames(args, frame_dir):
    if args.reuse and frames_present(frame_dir, args.frames, args.width, args.height):
        print(f"frames: reusing {args.frames} frames in {frame_dir}")
        return
    need = args.frames * args.width * args.height * 2 * 1.05 + (512 << 20)
    free = shutil.disk_usage(frame_dir.parent).free
    if free < need:
        sys.exit(f"bench_master: {frame_dir.parent} has {human_bytes(free)} free but the frames "
                 f"need about {human_bytes(need)}; choose another --data-dir.")
    if frame_dir.exists():
        shutil.rmtree(frame_dir)
    frame_dir.mkdir(parents=True)
    start = time.monotonic()
    subprocess.run([str(args.generator), str(frame_dir), str(args.frames), str(args.width),
                    str(args.height)], check=True,
                   env=dict(os.environ, OMP_NUM_THREADS=str(args.threads)))
    (frame_dir / "frames.txt").write_text(f"{args.frames} {args.width} {args.height}\n")
    print(f"frames: {args.frames} x {args.width} x {args.height} 16-bit written in "
          f"{time.monotonic() - start:.1f} s to {frame_dir}")


def warm_cache(frame_dir):
    """Reads every frame once so that both programs start with the frames in the page cache
    (when memory allows): otherwise the first one to run pays for the disk."""
    for path in sorted(frame_dir.iterdir()):
        with open(path, "rb") as f:
            while f.read(8 << 20):
                pass


def run_astropack(args, frame_dir, work):
    output = work / "astropack_master.fit"
    command = [args.astropack, "--quiet", "master", "--type", "bias", "--combine", "average",
               "--rejection", "winsorized", "--low", "3", "--high", "3",
               "--normalisation", "none", "--threads", str(args.threads), "-o", output]
    if args.memory:
        command += ["--memory", args.memory]
    command.append(frame_dir)
    warm_cache(frame_dir)
    wall, rss, cpu = timed_run(command, log=work / "astropack.log")
    return wall, rss, cpu, output


def run_siril(args, frame_dir, work):
    home = work / "siril-home"
    seq_dir = work / "siril-seq"
    for d in (home, seq_dir):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    output = work / "siril_master.fit"
    # The sequence of symbolic links is made first and not timed: astropack reads the
    # files as they are, Siril needs them named as a sequence.
    link = work / "siril-link.ssf"
    # Siril's words group quotes only at their start, so -out= takes a bare path.
    for path in (frame_dir, seq_dir, output):
        if any(ch.isspace() or ch in "'\"" for ch in str(path)):
            sys.exit(f"bench_master: siril-cli needs a --data-dir without blanks or quotes: {path}")
    link.write_text(f"requires 1.0.0\ncd {frame_dir}\nlink bias -out={seq_dir}\n")
    subprocess.run(["siril-cli", "-d", str(work), "-s", str(link)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = ["requires 1.0.0", f"setcpu {args.threads}"]
    if args.siril_mem:
        lines.append(f"setmem {args.siril_mem}")
    lines += [f"cd {seq_dir}", f"stack bias rej w 3 3 -nonorm -out={output}"]
    script = work / "siril-stack.ssf"
    script.write_text("\n".join(lines) + "\n")
    warm_cache(frame_dir)
    wall, rss, cpu = timed_run(["siril-cli", "-d", work, "-s", script], env=env,
                               log=work / "siril.log")
    if not output.exists():
        sys.exit(f"bench_master: siril-cli wrote no master; see {work / 'siril.log'}")
    return wall, rss, cpu, output


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("preset", choices=sorted(PRESETS), nargs="?", default="speed")
    parser.add_argument("--frames", type=int)
    parser.add_argument("--width", type=int)
    parser.add_argument("--height", type=int)
    parser.add_argument("--memory", help="astropack --memory budget, e.g. 1G (memory preset: 1G)")
    parser.add_argument("--threads", type=int, default=2, help="threads for both (default 2)")
    parser.add_argument("--siril-mem", help="Siril setmem ratio (default: Siril's own)")
    parser.add_argument("--data-dir", default=os.environ.get("ASTROPACK_BENCH_DIR",
                                                             "/tmp/astropack-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the frames and masters")
    parser.add_argument("--reuse", action="store_true", help="reuse frames kept by --keep")
    parser.add_argument("--no-siril", action="store_true", help="time astropack alone")
    parser.add_argument("--build-dir", default="build", help="where to find the tools")
    parser.add_argument("--astropack")
    parser.add_argument("--generator")
    parser.add_argument("--compare")
    args = parser.parse_args()

    preset = PRESETS[args.preset]
    for key in ("frames", "width", "height", "memory"):
        if getattr(args, key) is None:
            setattr(args, key, preset[key])
    args.astropack = find_tool(args.astropack, args.build_dir, "cli/astropack")
    args.generator = find_tool(args.generator, args.build_dir, "bench/make_bench_frames")
    args.compare = find_tool(args.compare, args.build_dir, "bench/compare_masters")
    if not Path(TIME_BIN).exists():
        sys.exit("bench_master: /usr/bin/time is missing (Debian package 'time').")
    if not args.no_siril and shutil.which("siril-cli") is None:
        sys.exit("bench_master: siril-cli is missing (Debian package 'siril'); "
                 "use --no-siril to time astropack alone.")

    data = Path(args.data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    frame_dir = data / f"frames-{args.frames}x{args.width}x{args.height}"
    work = data / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()

    megapixels = args.width * args.height / 1e6
    print(f"bench {args.preset}: {args.frames} frames of {args.width} x {args.height} "
          f"({megapixels:.1f} MP), average + winsorized sigma 3/3, no normalisation, "
          f"{args.threads} threads" + (f", astropack --memory {args.memory}" if args.memory else ""))
    try:
        make_frames(args, frame_dir)
        a_wall, a_rss, a_cpu, a_out = run_astropack(args, frame_dir, work)
        pixels = args.frames * args.width * args.height
        print(f"astropack  wall {a_wall:8.2f} s  peak RSS {human_bytes(a_rss):>12}  "
              f"CPU {a_cpu:8.2f} s ({a_cpu * 1e9 / pixels:.1f} ns per frame pixel)")
        if args.memory:
            budget = parse_size(args.memory)
            verdict = "within" if a_rss <= budget else "OVER"
            print(f"astropack  peak RSS {verdict} the --memory budget of {human_bytes(budget)}")
        if not args.no_siril:
            s_wall, s_rss, s_cpu, s_out = run_siril(args, frame_dir, work)
            print(f"siril-cli  wall {s_wall:8.2f} s  peak RSS {human_bytes(s_rss):>12}  "
                  f"CPU {s_cpu:8.2f} s")
            print(f"ratio astropack/Siril: wall {a_wall / s_wall:.3f} "
                  f"(astropack {s_wall / a_wall:.2f}x faster), peak RSS {a_rss / s_rss:.3f}, "
                  f"CPU {a_cpu / s_cpu:.3f}")
            diff = subprocess.run([str(args.compare), str(a_out), str(s_out)], check=True,
                                  capture_output=True, text=True).stdout.strip()
            print(f"masters: {diff}")
    finally:
        if not args.keep:
            shutil.rmtree(frame_dir, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
