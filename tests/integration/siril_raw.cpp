// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack convert` on camera raw files, checked by siril-cli:
//  1. Two DNGs (written here, Debian ships no raw samples) and a folder named "lights"
//     become lights_00001.fit, lights_00002.fit and lights_.seq, in natural order of the
//     input names; the FITS hold the raw values bit for bit, BAYERPAT, ROWORDER and the
//     EXIF data.
//  2. siril-cli loads each converted FITS and its `stat` agrees with astropack's
//     statistics, and it stacks the sequence through the .seq (sum stacking, which Siril
//     writes as the sum divided by its maximum).
//  3. Converting onto an input is refused and leaves the input untouched.
//  4. A frame of another size, or one whose pixel data are cut short, stops the run
//     with an error naming it, and no output is left behind.
// Usage: siril_raw PATH-TO-ASTROPACK. Exit 77 (skipped) when siril-cli is missing,
// unless CI=true.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "../unit/dng_writer.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/raw.hpp"
#include "astropack/seq.hpp"
#include "astropack/statistics.hpp"
#include "check_tally.hpp"
#include "siril_runner.hpp"

using namespace astropack;
namespace fs = std::filesystem;
using astropack::siril_runner::find_siril;
using astropack::siril_runner::run_siril;

namespace {

astropack::integration::CheckTally check;

// 14-bit-like values: a level per CFA site, a ramp, and a frame offset; never 0
// (Siril's statistics skip zeros).
std::uint16_t frame_value(int frame, std::uint32_t r, std::uint32_t c) {
  static const int site[2][2] = {{3000, 1800}, {1700, 900}};
  return static_cast<std::uint16_t>(600 + site[r % 2][c % 2] + 7 * r + 3 * c + 250 * frame);
}

struct SirilStat {
  double mean = 0, median = 0, sigma = 0, min = 0, max = 0;
};

std::vector<SirilStat> parse_stats(const fs::path& log) {
  std::vector<SirilStat> stats;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find("layer: Mean:");
    if (at == std::string::npos) continue;
    SirilStat s;
    double avg_dev = 0;
    if (std::sscanf(line.c_str() + at,
                    "layer: Mean: %lf, Median: %lf, Sigma: %lf, AvgDev: %lf, Min: %lf, Max: %lf",
                    &s.mean, &s.median, &s.sigma, &avg_dev, &s.min, &s.max) == 6)
      stats.push_back(s);
  }
  return stats;
}

// Built by appending: GCC 12 warns falsely (-Wrestrict) on a chain of operator+.
std::string quoted(const fs::path& p) {
  std::string text = "'";
  text.append(p.string()).append("'");
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cout << "usage: siril_raw PATH-TO-ASTROPACK\n";
    return 1;
  }
  const fs::path astropack = fs::absolute(argv[1]);
  const std::string siril = find_siril();
  if (siril.empty()) return astropack::integration::peer_missing("siril-cli");

  char pattern[] = "/tmp/astropack-siril-raw-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::cout << "cannot create a temporary folder\n";
    return 1;
  }
  const fs::path work = pattern;
  const fs::path lights = work / "lights";
  const fs::path out = work / "out";
  const fs::path home = work / "home";
  fs::create_directories(lights);
  fs::create_directories(home);

  try {
    // --- 1. convert ---------------------------------------------------------------------
    // IMG_10 sorts after IMG_9 in natural order: frame 1 is IMG_9 (values + 250 x 1).
    const std::pair<const char*, int> inputs[] = {{"IMG_10.dng", 2}, {"IMG_9.dng", 1}};
    for (const auto& [name, frame] : inputs) {
      test::DngSpec d;
      d.width = 64;
      d.height = 48;
      d.exposure = 30.0 * frame;
      d.value = [frame = frame](std::uint32_t r, std::uint32_t c, std::uint16_t) {
        return frame_value(frame, r, c);
      };
      test::write_dng(lights / name, d);
    }
    const std::string convert = quoted(astropack) + " --quiet convert " + quoted(lights) +
                                " -o " + quoted(out) + " > " + quoted(work / "convert.log") +
                                " 2>&1";
    check(std::system(convert.c_str()) == 0, "astropack convert succeeded (see convert.log)");
    const fs::path frame1 = out / "lights_00001.fit", frame2 = out / "lights_00002.fit";
    check(fs::exists(frame1) && fs::exists(frame2), "lights_00001.fit and lights_00002.fit exist");
    check(fs::exists(out / "lights_.seq"), "lights_.seq exists");
    const Sequence seq = read_seq(out / "lights_.seq");
    check(seq.name == "lights_" && seq.frames.size() == 2 && seq.fixed_digits == 5 &&
              seq.first_number() == 1 && seq.selected_count() == 2 && seq.layers == 1,
          "the .seq lists lights_ 1..2, five digits, one layer, all selected");

    std::vector<Image> converted;
    for (int frame = 1; frame <= 2; ++frame) {
      const Image image = read_fits(out / seq.frame_file_name(static_cast<std::size_t>(frame - 1)));
      const Image raw = read_raw(lights / (frame == 1 ? "IMG_9.dng" : "IMG_10.dng"));
      const std::string what = "frame " + std::to_string(frame);
      check(image.samples() == raw.samples(), what + ": FITS pixels equal the raw values");
      bool values_right = image.width() == 64 && image.height() == 48;
      for (std::uint32_t r = 0; values_right && r < 48; ++r)
        for (std::uint32_t c = 0; c < 64; ++c)
          if (std::lround(image.at(0, r, c) * 65535.0) != frame_value(frame, r, c))
            values_right = false;
      check(values_right, what + ": stored ADU are the camera's, unscaled, in natural order");
      const Header& h = image.header();
      check(h.bayer_pattern == "RGGB" && h.row_order == "TOP-DOWN",
            what + ": BAYERPAT RGGB and ROWORDER TOP-DOWN");
      check(h.exposure && std::fabs(*h.exposure - 30.0 * frame) < 1e-9,
            what + ": EXPTIME from the EXIF exposure time");
      check(h.iso && *h.iso == 800 && h.instrument == "Astrocam T1",
            what + ": ISOSPEED and INSTRUME");
      converted.push_back(image);
    }

    // --- 2. siril-cli -----------------------------------------------------------------
    const std::string script = "requires 1.0.0\n"
                               "load lights_00001\nstat\n"
                               "load lights_00002\nstat\n"
                               "stack lights_ sum -out=sum_check\n";
    check(run_siril(siril, out, home, "check", script) == 0,
          "siril-cli ran the script (see " + (out / "check.log").string() + ")");
    const auto stats = parse_stats(out / "check.log");
    check(stats.size() == 2, "Siril printed statistics for both frames");
    StatisticsOptions options;
    options.skip_zeros = true;
    options.background_noise = false;
    for (std::size_t i = 0; i < std::min<std::size_t>(stats.size(), 2); ++i) {
      const auto ours = compute_statistics(converted[i].view(), options);
      const double k = 65535.0;
      auto close = [](double siril_value, double ours_value) {
        return std::fabs(siril_value - ours_value) <= 0.051 + 1e-5 * std::fabs(ours_value);
      };
      std::ostringstream text;
      text << "frame " << i + 1 << ": Siril mean/median/min/max " << stats[i].mean << " "
           << stats[i].median << " " << stats[i].min << " " << stats[i].max << ", astropack "
           << ours[0].mean * k << " " << ours[0].median * k << " " << ours[0].min * k << " "
           << ours[0].max * k;
      check(close(stats[i].mean, ours[0].mean * k) && close(stats[i].median, ours[0].median * k) &&
                close(stats[i].min, ours[0].min * k) && close(stats[i].max, ours[0].max * k),
            text.str());
    }
    const fs::path sum_file = out / "sum_check.fit";
    check(fs::exists(sum_file), "Siril stacked the sequence through lights_.seq");
    if (fs::exists(sum_file)) {
      const Image sum = read_fits(sum_file);
      double max_sum = 0;
      for (std::size_t p = 0; p < converted[0].pixel_count(); ++p)
        max_sum = std::max(max_sum, double(converted[0].samples()[p]) + converted[1].samples()[p]);
      double worst = 0;
      bool same_size = sum.width() == 64 && sum.height() == 48 && sum.channels() == 1;
      for (std::size_t p = 0; same_size && p < sum.pixel_count(); ++p) {
        const double expected =
            (double(converted[0].samples()[p]) + converted[1].samples()[p]) / max_sum;
        worst = std::max(worst, std::fabs(double(sum.samples()[p]) - expected));
      }
      check(same_size && worst < 1e-5,
            "Siril's sum stack is (frame 1 + frame 2) / max, worst difference " +
                std::to_string(worst));
    }

    // --- 3. output over input ------------------------------------------------------------
    const auto before = fs::file_size(frame1);
    const std::string over = quoted(astropack) + " --quiet convert " + quoted(frame1) + " -o " +
                             quoted(out) + " --prefix lights >> " +
                             quoted(work / "convert.log") + " 2>&1";
    const int status = std::system(over.c_str());
    check(status != 0, "converting onto an input is refused");
    check(fs::file_size(frame1) == before && read_fits(frame1).samples() == converted[0].samples(),
          "the input is untouched");

    // --- 4. a bad frame stops the run and leaves nothing behind ---------------------------
    // F_2's directory is sound but its pixel data are cut short: found only while
    // converting, after F_1 was written; F_3 has another size: found before writing.
    const fs::path bad = work / "bad", bad_out = work / "bad_out";
    fs::create_directories(bad);
    std::ofstream(bad / "F_1.dng", std::ios::binary) << test::hand_made_dng(32, 24, 32 * 24 * 2);
    std::ofstream(bad / "F_2.dng", std::ios::binary) << test::hand_made_dng(32, 24, 100);
    std::ofstream(bad / "F_3.dng", std::ios::binary) << test::hand_made_dng(40, 24, 40 * 24 * 2);
    for (const bool with_odd_size : {true, false}) {
      if (!with_odd_size) fs::remove(bad / "F_3.dng");
      const std::string run = quoted(astropack) + " --quiet convert " + quoted(bad) + " -o " +
                              quoted(bad_out) + " --threads 1 > " + quoted(work / "bad.log") +
                              " 2>&1";
      check(std::system(run.c_str()) != 0, "a set with a bad frame is refused");
      std::ifstream log(work / "bad.log");
      const std::string message((std::istreambuf_iterator<char>(log)),
                                std::istreambuf_iterator<char>());
      const std::string culprit = with_odd_size ? "F_3.dng" : "F_2.dng";
      std::string names = "the error names ";
      names.append(culprit).append(": ").append(message);
      check(message.find(culprit) != std::string::npos && message.starts_with("astropack: "),
            names);
      std::string nothing = "nothing is left in the output folder with ";
      nothing.append(culprit);
      check(!fs::exists(bad_out) || fs::is_empty(bad_out), nothing);
    }
  } catch (const std::exception& e) {
    check(false, std::string("exception: ") + e.what());
  }

  return check.finish(work);
}
