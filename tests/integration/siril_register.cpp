// SPDX-License-Identifier: GPL-3.0-or-later
// siril-cli 1.0.6 and `astropack register`:
//  1. Shifts. Four frames are light 1 of the simulated mono session moved by
//     whole pixels. `astropack register --model shift` writes their shifts as R
//     lines (plus its own comment lines); siril-cli `register -norot` on a copy
//     of the frames must find the same shifts with the same signs, and siril-cli
//     must stack astropack's sequence into light 1 itself where every frame
//     covers it (aligned frames hold the very same pixels).
//  2. Export. The session's lights registered (affine) with --export-registered:
//     siril-cli opens the r_ sequence and stacks it, and that stack follows the
//     reference light far more closely than the stack of the unregistered
//     lights through their own .seq (which carries only comment lines).
// Exit status: 0 pass, 1 fail, 77 skip (siril-cli missing and CI is not "true").
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/seq.hpp"
#include "astropack/simulate.hpp"
#include "check_tally.hpp"
#include "siril_runner.hpp"

using namespace astropack;
namespace fs = std::filesystem;
using astropack::siril_runner::find_siril;
using astropack::siril_runner::run_siril;

namespace {

astropack::integration::CheckTally check;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

bool run_astropack(const fs::path& astropack, const std::string& arguments, const fs::path& log) {
  std::string command = quoted(astropack);
  command.append(" ").append(arguments).append(" > ").append(quoted(log)).append(" 2>&1");
  return std::system(command.c_str()) == 0;
}

// Content moved by (+mx columns, +my stored rows); what comes in from outside is
// the frame's median level, never 0 (Siril's "no data").
Image moved(const Image& light, int mx, int my, float fill) {
  Image out(light.width(), light.height(), 1, fill);
  out.header() = light.header();
  const int w = int(light.width()), h = int(light.height());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int sx = x - mx, sy = y - my;
      if (sx >= 0 && sy >= 0 && sx < w && sy < h)
        out.at(0, std::size_t(y), std::size_t(x)) = light.at(0, std::size_t(sy), std::size_t(sx));
    }
  return out;
}

// RMS of (a - b) over the pixels at least `margin` from every edge.
double inner_rms_difference(const Image& a, const Image& b, int margin) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t y = std::size_t(margin); y + std::size_t(margin) < a.height(); ++y)
    for (std::size_t x = std::size_t(margin); x + std::size_t(margin) < a.width(); ++x) {
      const double d = double(a.at(0, y, x)) - double(b.at(0, y, x));
      sum += d * d;
      ++n;
    }
  return std::sqrt(sum / double(n));
}

void shift_sequence(const fs::path& astropack, const std::string& siril, const fs::path& work,
                    const fs::path& home, const Image& light) {
  const int moves[][2] = {{0, 0}, {7, 4}, {-5, 3}, {3, -6}};
  const fs::path ours = work / "shift", theirs = work / "shift_siril";
  fs::create_directories(ours);
  fs::create_directories(theirs);
  std::vector<float> samples(light.samples());
  std::nth_element(samples.begin(), samples.begin() + long(samples.size() / 2), samples.end());
  const float fill = samples[samples.size() / 2];
  for (int k = 0; k < 4; ++k) {
    const Image frame = moved(light, moves[k][0], moves[k][1], fill);
    const std::string name = "shift_0000" + std::to_string(k + 1) + ".fit";
    write_fits(ours / name, frame, SampleFormat::Float32);
    write_fits(theirs / name, frame, SampleFormat::Float32);
  }
  check(run_astropack(astropack, "register " + quoted(ours) + " --model shift --reference 1",
                      work / "register_shift.log"),
        "astropack register --model shift succeeded (see register_shift.log)");
  const Sequence seq = read_seq(ours / "shift_.seq");
  check(seq.reference == 0, "the reference is frame 1");
  for (int k = 0; k < 4; ++k) {
    const SeqFrame& f = seq.frames[std::size_t(k)];
    const bool ok = f.registration.size() == 1 && f.transform.has_value() &&
                    std::abs(f.registration[0].shift_x + moves[k][0]) < 0.05 &&
                    std::abs(f.registration[0].shift_y + moves[k][1]) < 0.05;
    check(ok, "frame " + std::to_string(k + 1) + " moved by (" + std::to_string(moves[k][0]) +
                  ", " + std::to_string(moves[k][1]) + ") has R0 " +
                  (f.registration.empty() ? std::string("missing")
                                          : number(f.registration[0].shift_x) + " " +
                                                number(f.registration[0].shift_y)));
  }

  // Siril's own registration of the same frames: same shifts, same signs.
  const int code = run_siril(siril, theirs, home, "register",
                             "requires 1.0.0\nregister shift_ -norot\n");
  check(code == 0, "siril-cli register -norot ran");
  if (code == 0) {
    const Sequence siril_seq = read_seq(theirs / "shift_.seq");
    for (std::size_t k = 0; k < 4; ++k) {
      const auto& a = seq.frames[k].registration;
      const auto& b = siril_seq.frames[k].registration;
      // Siril's shifts are relative to its own reference frame (index 0 here too).
      const bool ok = !a.empty() && !b.empty() && std::abs(a[0].shift_x - b[0].shift_x) < 0.2 &&
                      std::abs(a[0].shift_y - b[0].shift_y) < 0.2;
      check(ok, "frame " + std::to_string(k + 1) + ": siril-cli's shift " +
                    (b.empty() ? std::string("missing")
                               : number(b[0].shift_x) + " " + number(b[0].shift_y)) +
                    " equals astropack's");
    }
  }

  // siril-cli stacks astropack's sequence through its R lines.
  const int stacked = run_siril(siril, ours, home, "stack",
                                "requires 1.0.0\nstack shift_ rej 3 3 -nonorm -out=stack\n");
  check(stacked == 0, "siril-cli stacked the shift sequence");
  if (stacked == 0) {
    const Image stack = read_fits(ours / "stack.fit");
    // Every frame covers light 1 beyond 7 pixels from its edges.
    const double d = inner_rms_difference(stack, light, 8);
    check(d < 1e-5, "the stack equals light 1 inside the common area (rms difference " +
                        number(d) + ")");
  }
}

void exported_sequence(const fs::path& astropack, const std::string& siril, const fs::path& work,
                       const fs::path& home, const fs::path& session, const Image& light) {
  const fs::path lights = work / "lights";
  fs::create_directories(lights);
  for (int k = 1; k <= 10; ++k) {
    char from[80], to[40];
    std::snprintf(from, sizeof from, "Light_SimNebula_120s_Bin1_L_gain100_-10C_%04d.fit", k);
    std::snprintf(to, sizeof to, "light_%05d.fit", k);
    fs::copy_file(session / "lights" / from, lights / to);
  }
  check(run_astropack(astropack, "register " + quoted(lights) +
                                     " --reference 1 --export-registered",
                      work / "register_export.log"),
        "astropack register --export-registered succeeded (see register_export.log)");
  check(fs::exists(lights / "r_light_.seq") && fs::exists(lights / "r_light_00010.fit"),
        "r_light_.seq and the r_ frames exist");
  const int code = run_siril(siril, lights, home, "stack_r",
                             "requires 1.0.0\n"
                             "stack r_light_ rej 3 3 -norm=addscale -out=r_stack\n"
                             "stack light_ rej 3 3 -norm=addscale -out=plain_stack\n");
  check(code == 0, "siril-cli stacked the r_ sequence and the input sequence");
  if (code != 0) return;
  const Image registered = read_fits(lights / "r_stack.fit");
  const Image plain = read_fits(lights / "plain_stack.fit");
  check(registered.header().stack_count.value_or(0) == 10, "the r_ stack counts 10 frames");
  const double d_registered = inner_rms_difference(registered, light, 12);
  const double d_plain = inner_rms_difference(plain, light, 12);
  std::printf("  rms difference from light 1: r_ stack %.3g, unregistered stack %.3g\n",
              d_registered, d_plain);
  check(d_registered < 0.5 * d_plain,
        "the stack of the r_ sequence lines up with light 1 (rms difference " +
            number(d_registered) + " against " + number(d_plain) + " unregistered)");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cout << "usage: siril_register PATH-TO-ASTROPACK\n";
    return 1;
  }
  const fs::path astropack = fs::absolute(argv[1]);
  const std::string siril = find_siril();
  if (siril.empty()) return astropack::integration::peer_missing("siril-cli");
  char pattern[] = "/tmp/astropack-siril-register-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::cout << "cannot create a temporary folder\n";
    return 1;
  }
  const fs::path work = pattern;
  const fs::path home = work / "home";
  fs::create_directories(home);
  try {
    SimulationOptions options;
    options.preset = SimulationPreset::Small;
    NoProgress progress;
    const fs::path session = work / "session";
    simulate_session(session, options, progress);
    const Image light =
        read_fits(session / "lights" / "Light_SimNebula_120s_Bin1_L_gain100_-10C_0001.fit");
    shift_sequence(astropack, siril, work, home, light);
    exported_sequence(astropack, siril, work, home, session, light);
  } catch (const Error& e) {
    check(false, std::string("unexpected error: ") + e.what());
  }
  return check.finish(work);
}
