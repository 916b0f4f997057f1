# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pieces of the star benchmarks (compare_sextractor.py, bench_select.py):
the tools, the synthetic star frames and their truth, timing with CPU time and
peak memory from the kernel's accounting of the child, and star matching."""

import bisect
import csv
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def fail(script, message):
    sys.exit(f"{script}: {message}")


def tool(script, given, build_dir, relative):
    """A built tool: the path given, else BUILD_DIR/relative."""
    path = Path(given) if given else Path(build_dir) / relative
    if not path.exists():
        fail(script, f"{path} not found; build it (ninja -C {build_dir}) or give its path.")
    return path.resolve()


def measure(command, env=None, cwd=None, stdout=None):
    """Runs command; returns (wall s, CPU s of user + system, peak RSS in bytes, exit status)."""
    start = time.monotonic()
    child = subprocess.Popen([str(c) for c in command], env=env, cwd=cwd,
                             stdout=stdout or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, child.returncode


def read_cache(folder):
    """Reads the files once so every program starts with them in the page cache."""
    for path in sorted(Path(folder).glob("*.fit")):
        with open(path, "rb") as f:
            while f.read(8 << 20):
                pass


def star_frames(script, generator, folder, count, width, height, reuse):
    """Writes (or, with reuse, keeps) COUNT star frames with their truth in folder."""
    folder = Path(folder)
    stamp = folder / "made.txt"
    wanted = f"{count} {width} {height}\n"
    if reuse and stamp.exists() and stamp.read_text() == wanted:
        print(f"frames: reusing {count} frames in {folder}")
        return
    need = count * width * height * 2 * 1.05 + (256 << 20)
    folder.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder.parent).free
    if free < need:
        fail(script, f"{folder.parent} has {free / 2**30:.1f} GiB free, the frames need "
                     f"{need / 2**30:.1f} GiB; choose another --data-dir.")
    if folder.exists():
        shutil.rmtree(folder)
    start = time.monotonic()
    subprocess.run([str(generator), str(folder), str(count), str(width), str(height)], check=True)
    stamp.write_text(wanted)
    print(f"frames: {count} of {width} x {height} written in {time.monotonic() - start:.0f} s "
          f"to {folder}")


def truth_stars(folder):
    """[(x, y, flux, snr)] of frame 1."""
    with open(Path(folder) / "stars.csv") as f:
        return [(float(r["x"]), float(r["y"]), float(r["flux"]), float(r["snr"]))
                for r in csv.DictReader(f)]


def truth_frames(folder):
    with open(Path(folder) / "frames.csv") as f:
        return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]


class Index:
    """Nearest-point queries over (x, y) pairs, through a sorted list of x."""

    def __init__(self, points):
        self.points = sorted(points)
        self.xs = [p[0] for p in self.points]

    def nearest(self, x, y, reach):
        """(distance, point) of the nearest point within reach, or (inf, None)."""
        best, found = math.inf, None
        lo = bisect.bisect_left(self.xs, x - reach)
        hi = bisect.bisect_right(self.xs, x + reach)
        for p in self.points[lo:hi]:
            d = math.hypot(p[0] - x, p[1] - y)
            if d < best:
                best, found = d, p
        return (best, found) if best <= reach else (math.inf, None)


def isolated_truth(stars, width, height, margin=8.0, fwhm=2.8):
    """Truth stars away from the edges with no neighbour at least half as bright within
    2 FWHM: the stars every detector should find one for one."""
    index = Index([(s[0], s[1], s[2]) for s in stars])
    out = []
    for s in stars:
        x, y, flux, _ = s
        if x < margin or y < margin or x > width - 1 - margin or y > height - 1 - margin:
            continue
        lo = bisect.bisect_left(index.xs, x - 2 * fwhm)
        hi = bisect.bisect_right(index.xs, x + 2 * fwhm)
        if any(p[2] >= 0.5 * flux and 0 < math.hypot(p[0] - x, p[1] - y) < 2 * fwhm
               for p in index.points[lo:hi]):
            continue
        out.append(s)
    return out


def score(detections, stars, width, height):
    """Completeness (SNR > 10), false detections, position errors of a detection list
    [(x, y, ...)] against the truth stars of frame 1."""
    found = Index([(d[0], d[1]) for d in detections])
    eligible = [s for s in isolated_truth(stars, width, height) if s[3] > 10]
    matched = []
    for s in eligible:
        d, _ = found.nearest(s[0], s[1], 1.0)
        if d < math.inf:
            matched.append(d)
    # False: no true star (of any brightness) within 3 px, about one FWHM. A detection
    # 1.5 to 3 px from a star is mostly a close pair found as one, counted apart.
    every = Index([(s[0], s[1]) for s in stars])
    false = sum(1 for d in detections if every.nearest(d[0], d[1], 3.0)[1] is None)
    merged = sum(1 for d in detections if every.nearest(d[0], d[1], 1.5)[1] is None) - false
    matched.sort()
    return {
        "eligible": len(eligible),
        "matched": len(matched),
        "completeness": len(matched) / len(eligible) if eligible else 0.0,
        "detections": len(detections),
        "false": false,
        "false_fraction": false / len(detections) if detections else 0.0,
        "merged": merged,
        "median_offset": matched[len(matched) // 2] if matched else math.nan,
        "p90_offset": matched[int(0.9 * (len(matched) - 1))] if matched else math.nan,
    }


def median(values):
    values = sorted(values)
    if not values:
        return math.nan
    n = len(values)
    return values[n // 2] if n % 2 else 0.5 * (values[n // 2 - 1] + values[n // 2])
