// SPDX-License-Identifier: GPL-3.0-or-later
// The real siril-cli stacks sequences astropack writes: FITS frames named
// <name>NNNNN.fit plus a version-3 .seq whose R lines hold whole-pixel shifts
// (siril-compat.md sections 2.4 and 2.5). The frames are cyclic shifts of one
// pattern, so every frame has the same statistics, normalisation is the
// identity and the aligned stack must equal the pattern itself.
// Exit status: 0 pass, 1 fail, 77 skip (siril-cli missing and CI is not "true").
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "siril_runner.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/seq.hpp"

using namespace astropack;
namespace fs = std::filesystem;
using astropack::siril_runner::find_siril;
using astropack::siril_runner::run_siril;

namespace {

constexpr int kWidth = 64;
constexpr int kHeight = 48;
constexpr double kPi = 3.14159265358979323846;

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s - %s\n", ok ? "ok" : "FAILED", what.c_str());
  if (!ok) ++failures;
}

int wrap(int v, int n) { return ((v % n) + n) % n; }

// A pattern periodic in both axes with sharp "stars", so a shift by one
// pixel changes many values a lot; never 0 (Siril's "no data").
double pattern(int x, int y, int c) {
  x = wrap(x, kWidth);
  y = wrap(y, kHeight);
  double v = 0.15 + 0.03 * c + 0.05 * std::sin(2 * kPi * x / kWidth) *
                                   std::cos(2 * kPi * 2 * y / kHeight);
  const int stars[][3] = {{10, 7, 60}, {40, 30, 45}, {25, 40, 30}, {55, 12, 50}, {3, 33, 35}};
  for (const auto& s : stars) {
    for (int ox : {-kWidth, 0, kWidth}) {
      for (int oy : {-kHeight, 0, kHeight}) {
        const double dx = x - (s[0] + ox), dy = y - (s[1] + oy);
        v += s[2] / 100.0 * std::exp(-(dx * dx + dy * dy) / (2 * 1.3 * 1.3)) * (1.0 - 0.2 * c);
      }
    }
  }
  return v;
}

// The frame whose content is the pattern moved by (+move_x columns, +move_y stored rows).
Image moved_frame(int channels, int move_x, int move_y) {
  Image image(kWidth, kHeight, static_cast<std::size_t>(channels));
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < kHeight; ++y)
      for (int x = 0; x < kWidth; ++x)
        image.at(static_cast<std::size_t>(c), static_cast<std::size_t>(y),
                 static_cast<std::size_t>(x)) =
            static_cast<float>(pattern(x - move_x, y - move_y, c));
  return image;
}

// The value a frame holds: the float pattern, quantised as write_fits does for 16-bit.
double as_stored(double v, SampleFormat format) {
  const double f = static_cast<float>(v);
  return format == SampleFormat::UInt16 ? std::round(f * 65535.0) / 65535.0 : f;
}

// Largest |stack - pattern| over every pixel of every channel.
double worst_difference(const Image& stack, SampleFormat format) {
  double worst = 0.0;
  for (std::size_t c = 0; c < stack.channels(); ++c)
    for (int y = 0; y < kHeight; ++y)
      for (int x = 0; x < kWidth; ++x) {
        const double expected = as_stored(pattern(x, y, static_cast<int>(c)), format);
        const double got =
            stack.at(c, static_cast<std::size_t>(y), static_cast<std::size_t>(x));
        worst = std::max(worst, std::abs(got - expected));
      }
  return worst;
}



struct FramePlan {
  int number;
  bool included;
  int move_x, move_y;  // content moved by this much relative to the reference
  int wrong_x = 0;      // content moved by this much more than the R line says (a bad frame)
};

// Writes the frames and the .seq: R shifts are minus the content moves.
Sequence write_sequence(const fs::path& dir, const std::string& name, int channels,
                        SampleFormat format, const std::vector<FramePlan>& plans) {
  Sequence seq;
  seq.name = name;
  seq.fixed_digits = 5;
  seq.layers = channels;
  seq.reference = 0;
  for (const FramePlan& plan : plans) {
    SeqFrame frame;
    frame.file_number = plan.number;
    frame.included = plan.included;
    SeqRegistration r;
    r.shift_x = -plan.move_x;
    r.shift_y = -plan.move_y;
    r.fwhm = 2.5;
    r.weighted_fwhm = 2.6;
    r.roundness = 0.95;
    r.quality = 1.0;
    frame.registration.assign(static_cast<std::size_t>(channels), r);
    seq.frames.push_back(frame);
  }
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const Image frame = moved_frame(channels, plans[i].move_x + plans[i].wrong_x,
                                    plans[i].move_y);
    write_fits(dir / seq.frame_file_name(i), frame, format);
  }
  write_seq(seq_path(dir, name), seq);
  return seq;
}

void check_stack(const fs::path& file, const std::string& label, std::size_t channels,
                 SampleFormat format, int expected_count, bool expect_match) {
  if (!fs::exists(file)) {
    check(false, label + ": " + file.filename().string() + " was written");
    return;
  }
  const Image stack = read_fits(file);
  check(stack.width() == kWidth && stack.height() == kHeight && stack.channels() == channels,
        label + ": stack has the frames' size and channels");
  const int count = stack.header().stack_count.value_or(-1);
  check(count == expected_count, label + ": STACKCNT " + std::to_string(count) + " == " +
                                     std::to_string(expected_count));
  const double worst = worst_difference(stack, format);
  char text[64];
  std::snprintf(text, sizeof text, "%.3g", worst);
  if (expect_match) {
    check(worst < 1e-6, label + ": stack equals the reference pattern (worst " + text + ")");
  } else {
    check(worst > 0.01, label + ": stack differs from the pattern (worst " + text + ")");
  }
}

}  // namespace

int main() {
  const std::string siril = find_siril();
  if (siril.empty()) {
    const char* ci = std::getenv("CI");
    if (ci && std::string(ci) == "true") {
      std::printf("FAILED - siril-cli not found, and CI=true requires it\n");
      return 1;
    }
    std::printf("SKIP - siril-cli not found\n");
    return 77;
  }

  const fs::path root = fs::temp_directory_path() /
                        ("astropack-siril-seq-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path home = root / "home";
  const fs::path mono_dir = root / "mono";
  const fs::path rgb_dir = root / "rgb";
  fs::create_directories(home);
  fs::create_directories(mono_dir);
  fs::create_directories(rgb_dir);

  try {
    // Mono, 16-bit: frame 3 is excluded and would spoil the mean: its content
    // is 11 columns off its R line, which normalisation cannot undo, and with
    // 4 values rejection removes nothing (siril-compat 4.3).
    const std::vector<FramePlan> mono = {{1, true, 0, 0, 0},
                                         {2, true, 5, 3, 0},
                                         {3, false, 0, 0, 11},
                                         {4, true, -4, 7, 0}};
    const Sequence mono_seq =
        write_sequence(mono_dir, "light_", 1, SampleFormat::UInt16, mono);
    int code = run_siril(siril, mono_dir, home, "mono",
                         "requires 1.0.0\n"
                         "stack light_ rej 3 3 -norm=addscale -filter-incl -out=stack_incl\n"
                         "stack light_ rej 3 3 -norm=addscale -out=stack_all\n");
    check(code == 0, "siril-cli stacked the mono sequence");
    check_stack(mono_dir / "stack_incl.fit", "mono -filter-incl", 1, SampleFormat::UInt16,
                mono_seq.selected_count(), true);
    // Without -filter-incl Siril 1.0 stacks excluded frames too (siril-compat 2.5).
    check_stack(mono_dir / "stack_all.fit", "mono without -filter-incl", 1,
                SampleFormat::UInt16, 4, false);

    // Siril rewrote the .seq (statistics added); we read its own file back.
    const Sequence back = read_seq(seq_path(mono_dir, "light_"));
    bool same_shifts = back.frames.size() == 4;
    for (std::size_t i = 0; same_shifts && i < 4; ++i) {
      same_shifts = !back.frames[i].registration.empty() &&
                    back.frames[i].registration[0].shift_x == -mono[i].move_x &&
                    back.frames[i].registration[0].shift_y == -mono[i].move_y &&
                    back.frames[i].included == mono[i].included;
    }
    check(same_shifts, "the .seq Siril rewrote reads back with our shifts and selection");

    // RGB, float: shifts in all three layers; every frame selected.
    const std::vector<FramePlan> rgb = {
        {1, true, 0, 0, 0}, {2, true, 2, -6, 0}, {3, true, -9, 1, 0}};
    write_sequence(rgb_dir, "rgb_", 3, SampleFormat::Float32, rgb);
    code = run_siril(siril, rgb_dir, home, "rgb",
                     "requires 1.0.0\n"
                     "stack rgb_ rej 3 3 -norm=addscale -out=stack_rgb\n");
    check(code == 0, "siril-cli stacked the RGB sequence");
    check_stack(rgb_dir / "stack_rgb.fit", "rgb", 3, SampleFormat::Float32, 3, true);
  } catch (const std::exception& e) {
    check(false, std::string("no exception: ") + e.what());
  }

  if (failures == 0) {
    fs::remove_all(root);
  } else {
    std::printf("files kept in %s\n", root.c_str());
  }
  return failures == 0 ? 0 : 1;
}
