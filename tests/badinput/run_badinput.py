#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad-input matrix for the astropack command.

Every case runs a real command on a generated file and checks what a user
sees: the exit status, a single line "astropack: <file>: <sentence>" naming
the file, inputs byte-identical afterwards and no partial output left behind.
Prints TAP.
"""
import hashlib
import math
import os
import random
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

ASTROPACK = sys.argv[1]


def card(key, value=None, comment=""):
    if value is None:
        text = f"{key:<8}{comment}"
    else:
        text = f"{key:<8}= {value:>20}" + (f" / {comment}" if comment else "")
    return text[:80].ljust(80)


def fits_bytes(cards, data=b"", pad_data=True):
    header = "".join(cards).encode("ascii")
    header += b" " * (-len(header) % 2880)
    if pad_data:
        data += b"\0" * (-len(data) % 2880)
    return header + data


def image_header(bitpix, axes, extra=()):
    cards = [card("SIMPLE", "T"), card("BITPIX", str(bitpix)), card("NAXIS", str(len(axes)))]
    cards += [card(f"NAXIS{i + 1}", str(n)) for i, n in enumerate(axes)]
    cards += list(extra)
    return cards + [card("END")]


def float_image(width, height, values):
    return fits_bytes(image_header(-32, [width, height]),
                      b"".join(struct.pack(">f", v) for v in values))


def u16_image(width, height):
    cards = image_header(16, [width, height], [card("BZERO", "32768"), card("BSCALE", "1")])
    data = b"".join(struct.pack(">h", (i * 97 % 65536) - 32768) for i in range(width * height))
    return fits_bytes(cards, data)


def u16_frame(width, height, adu):
    """16-bit frame (BZERO 32768) with the given ADU values, row after row."""
    cards = image_header(16, [width, height], [card("BZERO", "32768"), card("BSCALE", "1")])
    return fits_bytes(cards, b"".join(struct.pack(">h", int(v) - 32768) for v in adu))


def noisy_adu(width, height, level, seed):
    rng = random.Random(seed)
    return [level + int(round(rng.gauss(0, 20))) for _ in range(width * height)]


def read_float_fits(path):
    """(width, height, values) of a BITPIX -32 image written by astropack."""
    with open(path, "rb") as f:
        data = f.read()
    keys, at = {}, 0
    while True:
        text = data[at:at + 80].decode("ascii")
        at += 80
        if text[:8].strip() == "END":
            break
        if text[8:10] == "= ":
            keys[text[:8].strip()] = text[10:].split("/")[0].strip()
    at += -at % 2880
    width, height = int(keys["NAXIS1"]), int(keys["NAXIS2"])
    if keys["BITPIX"] != "-32":
        raise ValueError(f"{path}: BITPIX {keys['BITPIX']}, expected -32")
    return width, height, struct.unpack(f">{width * height}f", data[at:at + 4 * width * height])


def write_frames(folder, frames):
    os.makedirs(folder)
    paths = []
    for i, data in enumerate(frames):
        paths.append(os.path.join(folder, f"frame_{i + 1:02d}.fit"))
        with open(paths[-1], "wb") as f:
            f.write(data)
    return paths


def master_cases(runner, work):
    """astropack master: bad inputs fail cleanly; odd but legal inputs give a sane master."""
    w, h = 32, 24

    folder = os.path.join(work, "m-size")
    frames = [u16_frame(w, h, noisy_adu(w, h, 1000, i)) for i in range(5)]
    frames[3] = u16_frame(w + 1, h, noisy_adu(w + 1, h, 1000, 3))
    paths = write_frames(folder, frames)
    out = os.path.join(work, "m-size.fit")
    runner.expect_error("master refuses a frame of another size",
                        ["master", "--type", "bias", "-o", out, folder], paths[3], work)

    folder = os.path.join(work, "m-truncated")
    frames = [u16_frame(w, h, noisy_adu(w, h, 1000, i)) for i in range(5)]
    frames[2] = frames[2][:2880 + 500]
    paths = write_frames(folder, frames)
    out = os.path.join(work, "m-truncated.fit")
    runner.expect_error("master refuses a truncated frame",
                        ["master", "--type", "dark", "-o", out, folder], paths[2], work)

    folder = os.path.join(work, "m-empty")
    os.makedirs(folder)
    out = os.path.join(work, "m-empty.fit")
    runner.expect_error("master refuses an empty folder",
                        ["master", "--type", "bias", "-o", out, folder], folder, work)

    proc = runner.expect_error("master without any input frame",
                               ["master", "--type", "bias", "-o", out], None, work)
    runner.result("master without input frames: bad-options status 2 and says so",
                  proc.returncode == 2 and "no frames" in proc.stderr, proc.stderr)

    missing = os.path.join(work, "m-nothing-here", "*.fit")
    runner.expect_error("master names an input that does not exist (an unmatched pattern)",
                        ["master", "--type", "bias", "-o", out, missing], missing, work)

    folder = os.path.join(work, "m-same")
    level = noisy_adu(w, h, 1500, 42)
    paths = write_frames(folder, [u16_frame(w, h, level) for _ in range(8)])
    runner.expect_error("master refuses an output that is one of its inputs",
                        ["master", "--type", "bias", "-o", paths[3], folder], paths[3], work)
    out = os.path.join(work, "no-such-folder", "master.fit")
    runner.expect_error("master refuses an output folder that does not exist",
                        ["master", "--type", "bias", "-o", out, folder], out, work)

    # All frames identical: the master is that frame (any rejection keeps everything).
    before = {p: digest(p) for p in paths}
    out = os.path.join(work, "m-same.fit")
    proc = subprocess.run([ASTROPACK, "-q", "master", "--type", "bias", "-o", out, folder],
                          capture_output=True, text=True, timeout=120)
    ok = proc.returncode == 0 and os.path.exists(out)
    worst = math.inf
    if ok:
        _, _, master = read_float_fits(out)
        worst = max(abs(m * 65535.0 - v) for m, v in zip(master, level))
        os.remove(out)
    ok = ok and worst <= 1e-3 and before == {p: digest(p) for p in paths}
    runner.result("master of identical frames is that frame, inputs untouched", ok,
                  f"status {proc.returncode}, largest difference {worst} ADU\n{proc.stderr}")

    # A NaN pixel is no data, as a 0 is: the master there comes from the other frames.
    folder = os.path.join(work, "m-nan")
    values = [[v / 65535.0 for v in noisy_adu(w, h, 1000, i)] for i in range(6)]
    spot = 5 * w + 7
    values[1][spot] = math.nan
    paths = write_frames(folder, [float_image(w, h, v) for v in values])
    others = sorted(values[i][spot] for i in range(6) if i != 1)
    for combine, expected in (("average", sum(others) / 5), ("median", others[2])):
        out = os.path.join(work, f"m-nan-{combine}.fit")
        proc = subprocess.run([ASTROPACK, "-q", "master", "--type", "bias", "--combine", combine,
                               "--rejection", "none" if combine == "average" else "auto",
                               "-o", out, folder], capture_output=True, text=True, timeout=120)
        ok, got = proc.returncode == 0 and os.path.exists(out), None
        if ok:
            _, _, master = read_float_fits(out)
            got = master[spot]
            ok = all(math.isfinite(m) for m in master) and abs(got - expected) * 65535.0 <= 1e-3
            os.remove(out)
        runner.result(f"master ({combine}) treats a NaN pixel as missing", ok,
                      f"status {proc.returncode}, got {got}, expected {expected}\n{proc.stderr}")

    # Flats with zeros: a dead block in one frame is filled from the others; a pixel that
    # is 0 in every frame stays 0 (no data), as in Siril.
    folder = os.path.join(work, "m-flat-zeros")
    flats = []
    dead = {y * w + x for y in range(5, 9) for x in range(10, 14)}
    everywhere = 20 * w + 3
    for i in range(6):
        adu = noisy_adu(w, h, 20000 + 1000 * i, 100 + i)
        if i == 2:
            for p in dead:
                adu[p] = 0
        adu[everywhere] = 0
        flats.append(u16_frame(w, h, adu))
    write_frames(folder, flats)
    out = os.path.join(work, "m-flat-zeros.fit")
    proc = subprocess.run([ASTROPACK, "-q", "master", "--type", "flat", "-o", out, folder],
                          capture_output=True, text=True, timeout=120)
    ok, detail = proc.returncode == 0 and os.path.exists(out), proc.stderr
    if ok:
        _, _, master = read_float_fits(out)
        good = sorted(m for i, m in enumerate(master) if i != everywhere)
        median = good[len(good) // 2]
        worst = max(abs(master[p] / median - 1.0) for p in dead)
        ok = (all(math.isfinite(m) and m > 0 for m in good) and worst <= 0.01
              and master[everywhere] == 0.0)
        detail += (f"dead block within {worst:.4f} of the median; "
                   f"all-zero pixel {master[everywhere]}")
        os.remove(out)
    runner.result("master flat fills zeros from the other frames", ok, detail)


def process_cases(runner, work):
    """Post-processing commands: out-of-range parameters name the valid range, a mono image
    where RGB is needed, malformed expressions name the character, mismatched sizes; nothing
    is written and the inputs are untouched."""
    folder = os.path.join(work, "process")
    os.makedirs(folder)
    w, h = 16, 12
    rgb = os.path.join(folder, "rgb.fit")
    with open(rgb, "wb") as f:
        values = [0.05 + 0.9 * ((i * 37) % 101) / 101.0 for i in range(w * h * 3)]
        f.write(fits_bytes(image_header(-32, [w, h, 3]),
                           b"".join(struct.pack(">f", v) for v in values)))
    mono = os.path.join(folder, "mono.fit")
    with open(mono, "wb") as f:
        f.write(float_image(w, h, [0.1 + 0.001 * i for i in range(w * h)]))
    small = os.path.join(folder, "small.fit")
    with open(small, "wb") as f:
        f.write(float_image(8, 6, [0.2] * 48))
    out = os.path.join(folder, "out.fit")

    def expect(name, args, named_file, words):
        proc = runner.expect_error(name, args, named_file, folder)
        text = proc.stderr.strip()
        ok = all(word in text for word in words) and not os.path.exists(out)
        runner.result(f"{name}: says {' / '.join(words)}", ok, text)

    ranges = [
        (["scnr", rgb, "-o", out, "--method", "maximum-mask", "--amount", "1.5"],
         "between 0 and 1"),
        (["stretch", "asinh", rgb, "-o", out, "--stretch", "-2"], "between 0 and 10000"),
        (["stretch", "asinh", rgb, "-o", out, "--stretch", "5", "--black-point", "1"],
         "between 0 and 0.99"),
        (["stretch", "ghs", rgb, "-o", out, "-D", "12"], "between 0 and 10"),
        (["stretch", "ghs", rgb, "-o", out, "-D", "2", "-b", "20"], "between -5 and 15"),
        (["stretch", "ghs", rgb, "-o", out, "-D", "2", "--sp", "0.2", "--lp", "0.5"],
         "at most SP"),
        (["stretch", "inverse-ghs", rgb, "-o", out, "-D", "2", "--sp", "0.5", "--hp", "0.3"],
         "at least SP"),
        (["stretch", "mtf", rgb, "-o", out, "--low", "0.6", "--mid", "0.5", "--high", "0.4"],
         "above the shadows"),
        (["stretch", "mtf", rgb, "-o", out, "--mid", "1.2"], "between 0.0001 and 0.9999"),
        (["stretch", "auto", rgb, "-o", out, "--target-background", "2"],
         "between 0.001 and 0.999"),
        (["stretch", "auto", rgb, "-o", out, "--shadows-clipping", "3"], "between -10 and 0"),
    ]
    for args, words in ranges:
        expect(f"{args[0]} {args[1] if args[0] == 'stretch' else ''} refuses {args[-2]} {args[-1]}",
               args, rgb, [words])
    expect("palette refuses a weight of 5",
           ["palette", "synthetic", "--ha", mono, "--oiii", mono, "-o", out, "-a", "5"],
           mono, ["between 0 and 2"])

    # A mono image where RGB is needed, a mono image without a Bayer pattern.
    expect("scnr refuses a mono image", ["scnr", mono, "-o", out], mono, ["needs an RGB image"])
    expect("extract-haoiii refuses a mono image without BAYERPAT",
           ["extract-haoiii", mono, "-o", folder], mono, ["no Bayer pattern"])
    expect("palette refuses an RGB image as Ha",
           ["palette", "hoo", "--ha", rgb, "--oiii", mono, "-o", out], mono, ["one-channel"])
    expect("palette refuses images of different sizes",
           ["palette", "hoo", "--ha", mono, "--oiii", small, "-o", out], small, ["8x6"])

    # Pixel math: malformed expressions name the character; sizes must match.
    for expression, where, words in [
            ("a +* b", 4, "unexpected '*'"),
            ("(a + b", 7, "expected ')'"),
            ("a + b)", 6, "without a matching '('"),
            ("sqrt(a, b)", 1, "takes 1 argument"),
            ("a.q", 2, ".r, .g or .b"),
            ("a + nebula", 5, "'nebula' is not given"),
            ("a[1]", 1, "has 1 channel")]:
        expect(f"pixelmath refuses {expression!r}",
               ["pixelmath", expression, "-o", out, f"a={mono}", f"b={mono}"], None,
               [f"at character {where} ", words])
    expect("pixelmath refuses images of different sizes",
           ["pixelmath", "a + b", "-o", out, f"a={mono}", f"b={small}"], None,
           ["differ in size", "16x12", "8x6"])
    expect("pixelmath refuses a malformed binding",
           ["pixelmath", "a", "-o", out, f"{mono}"], None, ["name=FILE"])
    expect("pixelmath refuses to write over an input",
           ["pixelmath", "a * 2", "-o", mono, f"a={mono}"], mono, ["input"])
    expect("noise refuses a reference with other channels",
           ["noise", rgb, "--reference", mono], rgb, ["channel"])


def compositing_cases(runner, work):
    """GIMP-style compositing commands (compose, blend, levels, colourise, blur, unsharp,
    crop): mismatched layer sizes, an RGB layer over a grey image, out-of-range
    parameters naming the valid range; nothing is written and the inputs are untouched."""
    folder = os.path.join(work, "compositing")
    os.makedirs(folder)
    w, h = 16, 12
    rgb = os.path.join(folder, "rgb.fit")
    with open(rgb, "wb") as f:
        values = [0.05 + 0.9 * ((i * 37) % 101) / 101.0 for i in range(w * h * 3)]
        f.write(fits_bytes(image_header(-32, [w, h, 3]),
                           b"".join(struct.pack(">f", v) for v in values)))
    mono = os.path.join(folder, "mono.fit")
    with open(mono, "wb") as f:
        f.write(float_image(w, h, [0.1 + 0.001 * i for i in range(w * h)]))
    small = os.path.join(folder, "small.fit")
    with open(small, "wb") as f:
        f.write(float_image(8, 6, [0.2] * 48))
    out = os.path.join(folder, "out.tif")

    def expect(name, args, named_file, words):
        proc = runner.expect_error(name, args, named_file, folder)
        text = proc.stderr.strip()
        ok = all(word in text for word in words) and not os.path.exists(out)
        runner.result(f"{name}: says {' / '.join(words)}", ok, text)

    expect("compose refuses layers of different sizes",
           ["compose", "--nebula", rgb, "--ha", small, "-o", out], small,
           ["8 x 6", "16 x 12", "same size"])
    expect("compose without any layer", ["compose", "-o", out], out, ["at least one layer"])
    expect("compose refuses a black point of 1.5",
           ["compose", "--nebula", rgb, "--ha", mono, "--ha-black", "1.5", "-o", out], rgb,
           ["Ha black point", "below 1"])
    expect("compose refuses a negative unsharp radius",
           ["compose", "--stars", rgb, "--unsharp-radius", "-2", "-o", out], rgb,
           ["between 0 and 1500"])
    expect("compose refuses to write over a layer",
           ["compose", "--nebula", rgb, "--stars", mono, "-o", mono], mono, ["input"])
    expect("blend refuses an RGB layer over a grey image",
           ["blend", mono, rgb, "-o", out, "--mode", "screen"], mono, ["RGB", "grey"])
    expect("blend refuses layers of different sizes",
           ["blend", rgb, small, "-o", out, "--mode", "lighten-only"], small, ["size"])
    expect("blend refuses an opacity of 1.5",
           ["blend", rgb, mono, "-o", out, "--opacity", "1.5"], mono, ["between 0 and 1"])
    expect("levels refuses a gamma of 20",
           ["levels", rgb, "-o", out, "--gamma", "20"], rgb, ["between 0.1 and 10"])
    expect("levels refuses a white point below the black point",
           ["levels", rgb, "-o", out, "--black", "0.7", "--white", "0.6"], rgb,
           ["above the black point"])
    expect("colourise refuses a hue of 400",
           ["colourise", mono, "-o", out, "--hue", "400"], mono, ["between 0 and 360"])
    expect("blur refuses a standard deviation of 2000",
           ["blur", rgb, "-o", out, "--std-dev", "2000"], rgb, ["between 0 and 1500"])
    expect("unsharp refuses an amount of 500",
           ["unsharp", rgb, "-o", out, "--amount", "500"], rgb, ["between 0 and 300"])
    expect("crop refuses a rectangle outside the image",
           ["crop", rgb, "-o", out, "--x", "10", "--y", "0", "--width", "10", "--height", "5"],
           rgb, ["inside the 16 x 12 image"])

    # Background extraction: degree, sample files, the model over the output.
    expect("background refuses degree 7",
           ["background", rgb, "-o", out, "--degree", "7"], rgb, ["between 1 and 4"])
    samples = os.path.join(folder, "samples.txt")
    with open(samples, "w") as f:
        f.write("# x y\n2 2\n14 2\nnot a point\n")
    expect("background names the bad line of a sample file",
           ["background", rgb, "-o", out, "--samples", samples], samples, ["line 4"])
    with open(samples, "w") as f:
        f.write("2 2\n14 2\n2 10\n40 5\n")
    expect("background refuses a sample point outside the image",
           ["background", rgb, "-o", out, "--samples", samples, "--degree", "1"], rgb,
           ["outside the 16 x 12 image"])
    expect("background refuses a model written over the output",
           ["background", rgb, "-o", out, "--model", out], out, ["different file names"])

    # Star separation: parameter ranges, outputs that collide.
    expect("starless refuses a minimum peak below the threshold",
           ["starless", rgb, "-o", out, "--threshold", "5", "--min-peak", "3"], rgb,
           ["between the detection threshold and 1000"])
    expect("starless refuses a mask growth of 0.5",
           ["starless", mono, "-o", out, "--mask-growth", "0.5"], mono, ["between 1 and 5"])
    expect("starless refuses a stars layer written over the starless image",
           ["starless", mono, "-o", out, "--stars", out], out, ["different file names"])
    expect("starless refuses to write over its input",
           ["starless", mono, "-o", mono], mono, ["input"])


def calibrate_cases(runner, work):
    """astropack calibrate and debayer: mismatched, truncated and missing frames are named,
    nothing is left behind; a flat with dead pixels gives no-data zeros, never NaN/Inf."""
    w, h = 24, 16
    folder = os.path.join(work, "calibrate")
    lights = os.path.join(folder, "lights")
    os.makedirs(lights)
    light_paths = []
    for i in range(4):
        light_paths.append(os.path.join(lights, f"light_{i + 1:05d}.fit"))
        with open(light_paths[-1], "wb") as f:
            f.write(u16_frame(w, h, noisy_adu(w, h, 3000, 200 + i)))
    bias = os.path.join(folder, "bias.fit")
    dark = os.path.join(folder, "dark.fit")
    flat = os.path.join(folder, "flat.fit")
    wide_dark = os.path.join(folder, "wide-dark.fit")
    with open(bias, "wb") as f:
        f.write(float_image(w, h, [500 / 65535.0] * (w * h)))
    with open(dark, "wb") as f:
        f.write(float_image(w, h, [520 / 65535.0] * (w * h)))
    with open(wide_dark, "wb") as f:
        f.write(float_image(w + 2, h, [520 / 65535.0] * ((w + 2) * h)))
    flat_values = [0.4] * (w * h)
    flat_values[3] = 0.0
    flat_values[w + 5] = -0.2
    flat_values[2 * w + 7] = math.nan
    with open(flat, "wb") as f:
        f.write(float_image(w, h, flat_values))
    out = os.path.join(folder, "out")

    runner.expect_error("calibrate names the light that does not match the dark's size",
                        ["calibrate", "--dark", wide_dark, lights, "-o", out],
                        light_paths[0], folder)
    missing = os.path.join(folder, "no-such-bias.fit")
    runner.expect_error("calibrate names a missing master",
                        ["calibrate", "--bias", missing, lights, "-o", out], missing, folder)
    runner.expect_error("calibrate: an optimised dark scale needs the bias",
                        ["calibrate", "--dark", dark, "--dark-scaling", "optimise", lights,
                         "-o", out], dark, folder)
    proc = runner.expect_error("calibrate with nothing to do",
                               ["calibrate", lights, "-o", out], None, folder)
    runner.result("calibrate with nothing to do: bad-options status 2",
                  proc.returncode == 2, proc.stderr)
    runner.expect_error("calibrate refuses to write over its inputs",
                        ["calibrate", "--bias", bias, "--prefix", "", lights, "-o", lights],
                        light_paths[0], folder)
    runner.expect_error("debayer names a frame without a Bayer pattern",
                        ["debayer", light_paths[0], "-o", out], light_paths[0], folder)

    # A truncated third light: the run stops there and removes what it wrote.
    with open(light_paths[2], "rb") as f:
        whole = f.read()
    with open(light_paths[2], "wb") as f:
        f.write(whole[:2880 + 100])
    runner.expect_error("calibrate names a truncated light and leaves no partial set",
                        ["calibrate", "--bias", bias, lights, "-o", out], light_paths[2], folder)
    with open(light_paths[2], "wb") as f:
        f.write(whole)

    # Dead flat pixels: 0 (no data) in the output, a warning, no NaN or Inf anywhere.
    before = {p: digest(p) for p in light_paths}
    proc = subprocess.run([ASTROPACK, "-q", "calibrate", "--bias", bias, "--flat", flat, lights,
                           "-o", out], capture_output=True, text=True, timeout=120)
    ok, detail = proc.returncode == 0, proc.stderr
    if ok:
        _, _, values = read_float_fits(os.path.join(out, "pp_light_00001.fit"))
        zeros = [i for i, v in enumerate(values) if v == 0.0]
        ok = (all(math.isfinite(v) for v in values) and zeros == [3, w + 5, 2 * w + 7]
              and "no data" in proc.stderr and os.path.exists(os.path.join(out, "pp_light_.seq"))
              and before == {p: digest(p) for p in light_paths})
        detail += f"zeros at {zeros}"
    runner.result("calibrate: dead flat pixels become 0 with a warning, never NaN", ok, detail)
    shutil.rmtree(out, ignore_errors=True)


def star_adu(width, height, stars, seed):
    """16-bit ADU of a light: 1000 ADU sky, 15 ADU noise, Gaussian stars (x, y, peak ADU) of
    FWHM 3 px."""
    rng = random.Random(seed)
    sigma2 = (3.0 / 2.3548) ** 2
    adu = []
    for y in range(height):
        for x in range(width):
            v = 1000 + rng.gauss(0, 15)
            for sx, sy, peak in stars:
                d2 = (x - sx) ** 2 + (y - sy) ** 2
                if d2 < 100:
                    v += peak * math.exp(-0.5 * d2 / sigma2)
            adu.append(max(0, min(65535, int(round(v)))))
    return adu


def select_cases(runner, work):
    """astropack select and stars: a bad expression names the character, missing and starless
    frames are named, a width in arcsec needs the image scale, the reference must exist;
    nothing is written; a good run writes the table files and the .seq."""
    folder = os.path.join(work, "select")
    lights = os.path.join(folder, "lights")
    flats = os.path.join(folder, "blank")
    os.makedirs(lights)
    os.makedirs(flats)
    w, h = 96, 80
    stars = [(20.3, 18.6, 3000), (70.8, 22.1, 2000), (48.2, 40.4, 5000), (15.6, 60.2, 1500),
             (77.1, 61.7, 2500), (40.4, 66.3, 1800), (58.9, 12.5, 1200)]
    light_paths = []
    for i in range(3):
        light_paths.append(os.path.join(lights, f"light_{i + 1:05d}.fit"))
        with open(light_paths[-1], "wb") as f:
            f.write(u16_frame(w, h, star_adu(w, h, stars, 300 + i)))
    blank_paths = []
    for i in range(2):
        blank_paths.append(os.path.join(flats, f"blank_{i + 1}.fit"))
        with open(blank_paths[-1], "wb") as f:
            f.write(u16_frame(w, h, noisy_adu(w, h, 1000, 400 + i)))

    proc = runner.expect_error("select names the character of a bad expression",
                               ["select", lights, "--reject", "fwhm > 3 && (ecc > 0.5"], None,
                               folder)
    runner.result("select bad expression: status 2 and the position",
                  proc.returncode == 2 and "at character 13" in proc.stderr
                  and "unbalanced parentheses" in proc.stderr, proc.stderr)
    proc = runner.expect_error("select names an unknown metric",
                               ["select", lights, "--reject", "fwhm > 3 || sharpness < 2"], None,
                               folder)
    runner.result("select unknown metric: 'sharpness' at character 13",
                  "unknown metric 'sharpness'" in proc.stderr and "at character 13" in proc.stderr,
                  proc.stderr)
    missing = os.path.join(lights, "light_00009.fit")
    runner.expect_error("select names a missing frame", ["select", light_paths[0], missing],
                        missing, folder)
    runner.expect_error("select names a missing .seq",
                        ["select", os.path.join(lights, "nothing_.seq")],
                        os.path.join(lights, "nothing_.seq"), folder)
    proc = runner.expect_error("select refuses frames without stars", ["select", flats],
                               blank_paths[0], folder)
    runner.result("select frames without stars: says so",
                  "no stars" in proc.stderr and "other 1 frame;" in proc.stderr, proc.stderr)
    proc = runner.expect_error("select: a width in arcsec needs the image scale",
                               ["select", lights, "--reject", "fwhm > 4 arcsec"],
                               light_paths[0], folder)
    runner.result("select arcsec without scale: names XPIXSZ and FOCALLEN",
                  "XPIXSZ" in proc.stderr and "FOCALLEN" in proc.stderr, proc.stderr)
    runner.expect_error("select refuses a reference beyond the set",
                        ["select", lights, "--reference", "7"], None, folder)
    proc = runner.expect_error("select refuses an unknown weighting",
                               ["select", lights, "--weight", "fwhm"], None, folder)
    runner.result("select unknown weighting: bad-options status 2", proc.returncode == 2,
                  proc.stderr)
    runner.expect_error("stars names a missing frame", ["stars", missing], missing, folder)
    runner.expect_error("stars refuses --csv with --json",
                        ["stars", light_paths[0], "--csv", "--json"], None, folder)
    runner.expect_error("stars refuses a mask over its input",
                        ["stars", light_paths[0], "--mask", light_paths[0]], light_paths[0],
                        folder)

    # A good run: table, the three files and a .seq Siril reads, inputs unchanged.
    before = {p: digest(p) for p in light_paths}
    out = os.path.join(folder, "out")
    proc = subprocess.run([ASTROPACK, "select", lights, "-o", out], capture_output=True,
                          text=True, timeout=120)
    names = sorted(os.listdir(out)) if os.path.isdir(out) else []
    seq = os.path.join(lights, "light_.seq")
    seq_text = open(seq).read() if os.path.exists(seq) else ""
    ok = (proc.returncode == 0 and names == ["light_selection.csv", "light_selection.json",
                                             "light_selection.png"]
          and "S 'light_' 1 3 3 5 " in seq_text and "I 3 1" in seq_text
          and seq_text.count("R0 0.000000 0.000000 ") == 3
          and before == {p: digest(p) for p in light_paths} and "3 frames: 3 kept" in proc.stdout)
    runner.result("select writes the CSV, JSON, PNG and the .seq", ok,
                  proc.stdout + proc.stderr + seq_text + str(names))
    proc = subprocess.run([ASTROPACK, "stars", light_paths[0], "--csv"], capture_output=True,
                          text=True, timeout=60)
    lines = proc.stdout.strip().splitlines()
    ok = proc.returncode == 0 and len(lines) == len(stars) + 1
    runner.result("stars lists the seven stars of a light", ok, proc.stdout + proc.stderr)
    shutil.rmtree(folder, ignore_errors=True)


def register_cases(runner, work):
    """astropack register: a missing .seq, frames without stars, a reference beyond the set or
    without stars, a frame of another field only, an unusable selection file, bad options;
    nothing is written. A good run with a truncated frame in the middle names it, leaves it
    out of the .seq and registers the others."""
    folder = os.path.join(work, "register")
    lights = os.path.join(folder, "lights")
    blank = os.path.join(folder, "blank")
    other = os.path.join(folder, "other")
    for d in (lights, blank, other):
        os.makedirs(d)
    w, h = 128, 96
    rng = random.Random(77)
    field = [(rng.uniform(12, w - 12), rng.uniform(12, h - 12), rng.uniform(800, 6000))
             for _ in range(18)]
    moves = [(0, 0), (2.5, 1.25), (-3.0, 2.0), (1.0, -2.5)]
    light_paths = []
    for i, (mx, my) in enumerate(moves):
        light_paths.append(os.path.join(lights, f"light_{i + 1:05d}.fit"))
        moved = [(x + mx, y + my, p) for x, y, p in field]
        with open(light_paths[-1], "wb") as f:
            f.write(u16_frame(w, h, star_adu(w, h, moved, 500 + i)))
    blank_paths = []
    for i in range(2):
        blank_paths.append(os.path.join(blank, f"blank_{i + 1:05d}.fit"))
        with open(blank_paths[-1], "wb") as f:
            f.write(u16_frame(w, h, noisy_adu(w, h, 1000, 600 + i)))
    # Another field: the reference plus a frame of different stars.
    rng = random.Random(78)
    stranger = [(rng.uniform(12, w - 12), rng.uniform(12, h - 12), rng.uniform(800, 6000))
                for _ in range(18)]
    other_paths = [os.path.join(other, "field_00001.fit"), os.path.join(other, "field_00002.fit")]
    with open(other_paths[0], "wb") as f:
        f.write(u16_frame(w, h, star_adu(w, h, field, 700)))
    with open(other_paths[1], "wb") as f:
        f.write(u16_frame(w, h, star_adu(w, h, stranger, 701)))

    missing = os.path.join(lights, "nothing_.seq")
    runner.expect_error("register names a missing .seq", ["register", missing], missing, folder)
    proc = runner.expect_error("register refuses frames without stars", ["register", blank],
                               blank_paths[0], folder)
    runner.result("register frames without stars: says what a reference needs",
                  "stars needed to serve as the registration reference" in proc.stderr,
                  proc.stderr)
    proc = runner.expect_error("register refuses a reference beyond the set",
                               ["register", lights, "--reference", "9"], None, folder)
    runner.result("register reference beyond the set: counts from 1",
                  "beyond the 4 frames given (numbered from 1)" in proc.stderr, proc.stderr)
    runner.expect_error("register names a starless reference",
                        ["register", light_paths[0], blank_paths[0], "--reference", "2"],
                        blank_paths[0], folder)
    proc = runner.expect_error("register: nothing matches the reference",
                               ["register", other, "--reference", "1"], other_paths[0], folder)
    runner.result("register another field: the reason in one line",
                  "field_00002.fit: no star pattern in common" in proc.stderr, proc.stderr)
    not_json = os.path.join(folder, "selection.json")
    with open(not_json, "w") as f:
        f.write("{ this is not json")
    runner.expect_error("register names an unusable selection file",
                        ["register", lights, "--selection", not_json], not_json, folder)
    os.remove(not_json)
    proc = runner.expect_error("register refuses an unknown model",
                               ["register", lights, "--model", "rigid"], None, folder)
    runner.result("register unknown model: bad-options status 2", proc.returncode == 2,
                  proc.stderr)
    runner.expect_error("register: -o needs --export-registered",
                        ["register", lights, "-o", os.path.join(folder, "out")], None, folder)
    runner.expect_error("register refuses an empty prefix for the registered frames",
                        ["register", lights, "--export-registered", "--prefix", ""], None,
                        folder)

    # A truncated frame in the middle: named, left out (I 0), the others registered.
    with open(light_paths[0], "rb") as f:
        whole = f.read()
    broken = os.path.join(lights, "light_00003.fit")
    with open(broken, "wb") as f:
        f.write(whole[:4000])
    before = {p: digest(p) for p in light_paths}
    proc = subprocess.run([ASTROPACK, "register", lights, "--reference", "1", "--model",
                           "shift"], capture_output=True, text=True, timeout=120)
    seq = os.path.join(lights, "light_.seq")
    seq_text = open(seq).read() if os.path.exists(seq) else ""
    lines = proc.stderr.strip().splitlines()
    ok = (proc.returncode == 0 and len(lines) == 1 and broken in lines[0]
          and "left out: cannot be read" in lines[0] and "I 3 0" in seq_text
          and "I 2 1" in seq_text and "R0 -2.5" in seq_text and "#astropack-H 3 " in seq_text
          and "#astropack-H 2 " not in seq_text and "3 of 4 frames registered" in proc.stdout
          and before == {p: digest(p) for p in light_paths})
    runner.result("register leaves a truncated frame out by name and registers the rest", ok,
                  proc.stdout + proc.stderr + seq_text)
    shutil.rmtree(folder, ignore_errors=True)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Runner:
    def __init__(self):
        self.count = 0
        self.failures = 0

    def result(self, name, ok, detail=""):
        self.count += 1
        print(f"{'ok' if ok else 'not ok'} {self.count} - {name}")
        if not ok:
            self.failures += 1
            for line in detail.splitlines():
                print(f"# {line}")

    def expect_error(self, name, args, named_file, folder):
        """The command must fail with one line naming the file and change nothing.

        named_file None: there is no file to name (no inputs at all)."""
        before = {p: digest(p) for p in list_files(folder)}
        proc = subprocess.run([ASTROPACK, *args], capture_output=True, text=True, timeout=120)
        after = {p: digest(p) for p in list_files(folder)}
        lines = proc.stderr.strip().splitlines()
        problems = []
        if proc.returncode == 0:
            problems.append("exit status 0")
        if proc.returncode < 0 or proc.returncode >= 128 and proc.returncode != 130:
            problems.append(f"crashed (status {proc.returncode})")
        if len(lines) != 1:
            problems.append(f"expected one line on stderr, got {len(lines)}")
        elif named_file is None and not lines[0].startswith("astropack: "):
            problems.append("message does not start with 'astropack: '")
        elif named_file is not None and not lines[0].startswith(f"astropack: {named_file}: "):
            problems.append(f"message does not name {named_file}")
        elif any(tok in lines[0] for tok in ("%s", "%d", "status", "errno")):
            problems.append("message leaks internals")
        if before != after:
            problems.append(f"files changed: {sorted(set(before.items()) ^ set(after.items()))}")
        self.result(name, not problems,
                    "\n".join(problems + [f"stderr: {proc.stderr.strip()}"]))
        return proc


def list_files(folder):
    out = []
    for root, _dirs, files in os.walk(folder):
        out += [os.path.join(root, f) for f in files]
    return sorted(out)


def main():
    runner = Runner()
    work = tempfile.mkdtemp(prefix="astropack-badinput-")
    try:
        cases = {
            "empty.fit": b"",
            "text.fit": b"This is not a FITS file, just a note someone saved.\n" * 40,
            "truncated-header.fit": u16_image(64, 48)[:1000],
            "truncated-data.fit": u16_image(64, 48)[:2880 + 3000],
            "no-end.fit": ("".join(image_header(16, [8, 8])[:-1]).ljust(2880) * 2).encode(),
            "no-image.fit": fits_bytes([card("SIMPLE", "T"), card("BITPIX", "8"),
                                        card("NAXIS", "0"), card("END")]),
            "naxis4.fit": fits_bytes(image_header(16, [4, 4, 3, 2]), b"\0" * 192),
            "naxis3-is-2.fit": fits_bytes(image_header(16, [4, 4, 2]), b"\0" * 64),
            "bitpix64.fit": fits_bytes(image_header(64, [4, 4]), b"\0" * 128),
            "bitpix-bad.fit": fits_bytes(image_header(12, [4, 4]), b"\0" * 32),
            "huge.fit": fits_bytes(image_header(-32, [100000, 100000]), b"\0" * 2880),
            "zero-width.fit": fits_bytes(image_header(16, [0, 10])),
            "unknown.xyz": b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        }
        for name, data in cases.items():
            with open(os.path.join(work, name), "wb") as f:
                f.write(data)

        for name in cases:
            path = os.path.join(work, name)
            runner.expect_error(f"info refuses {name}", ["info", path], path, work)

        missing = os.path.join(work, "does-not-exist.fit")
        runner.expect_error("info names a missing file", ["info", missing], missing, work)
        runner.expect_error("info refuses a folder", ["info", work], work, work)

        if os.geteuid() != 0:
            locked = os.path.join(work, "locked.fit")
            with open(locked, "wb") as f:
                f.write(u16_image(8, 8))
            os.chmod(locked, 0)
            runner.expect_error("info names an unreadable file", ["info", locked], locked, work)
            os.chmod(locked, stat.S_IRUSR | stat.S_IWUSR)
            os.remove(locked)
        else:
            print(f"ok {runner.count + 1} - unreadable file # SKIP root reads any file")
            runner.count += 1

        # NaN and Inf pixels are data, not errors: they are counted and skipped.
        nan_path = os.path.join(work, "nan.fit")
        with open(nan_path, "wb") as f:
            f.write(float_image(4, 2, [0.1, math.nan, 0.3, math.inf, 0.5, 0.2, -math.inf, 0.4]))
        proc = subprocess.run([ASTROPACK, "info", "--json", nan_path], capture_output=True,
                              text=True, timeout=60)
        ok = proc.returncode == 0 and '"non_finite": 3' in proc.stdout and '"max": 0.5' in proc.stdout
        runner.result("info counts and skips NaN/Inf pixels", ok, proc.stdout + proc.stderr)
        os.remove(nan_path)

        # Outputs: a folder that cannot be created, and a read-only one.
        blocker = os.path.join(work, "a-file")
        with open(blocker, "wb") as f:
            f.write(b"x")
        target = os.path.join(blocker, "session")
        runner.expect_error("simulate into a path under a file", ["simulate", target], target, work)
        readonly = os.path.join(work, "readonly")
        os.mkdir(readonly)
        mounted = False
        if os.geteuid() == 0:
            # root ignores permission bits; a read-only mount is the honest test.
            mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", readonly],
                                     capture_output=True).returncode == 0
        else:
            os.chmod(readonly, stat.S_IRUSR | stat.S_IXUSR)
        if mounted or os.geteuid() != 0:
            target = os.path.join(readonly, "session")
            runner.expect_error("simulate into a read-only folder", ["simulate", target], target, work)
            ok = not os.listdir(readonly)
            runner.result("read-only folder left empty", ok)
            if mounted:
                subprocess.run(["umount", readonly])
            else:
                os.chmod(readonly, stat.S_IRWXU)
        else:
            print(f"ok {runner.count + 1} - read-only output folder # SKIP cannot mount a read-only tmpfs")
            runner.count += 1

        master_cases(runner, work)
        process_cases(runner, work)
        compositing_cases(runner, work)
        calibrate_cases(runner, work)
        select_cases(runner, work)
        register_cases(runner, work)

        print(f"1..{runner.count}")
        return 1 if runner.failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
