// SPDX-License-Identifier: GPL-3.0-or-later
// Siril reads the FITS files astropack writes, and astropack reads the ones Siril writes:
//  1. astropack writes 16-bit and 32-bit mono, RGB and CFA images; siril-cli loads each one and
//     runs `stat`; its mean, median, sigma, average deviation, min and max must match
//     astropack's compute_statistics on the same file.
//  2. Orientation: the first stored pixel is marked. Siril's `save` must give back the same
//     pixels (nothing flipped) and its `savetif` must put the first stored row at the bottom,
//     where astropack's TIFF reader expects it.
//  3. astropack reads the FITS Siril saves, 32-bit (converted by Siril) and 16-bit (after
//     set16bits), and gets the same pixels.
// Exit 77 (skipped) when siril-cli is missing, unless CI=true.
#include <tiffio.h>
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
#include <utility>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image.hpp"
#include "astropack/statistics.hpp"
#include "astropack/tiff.hpp"
#include "check_tally.hpp"
#include "siril_runner.hpp"

using namespace astropack;
namespace fs = std::filesystem;
using astropack::siril_runner::find_siril;
using astropack::siril_runner::run_siril;

namespace {

astropack::integration::CheckTally check;

// Siril prints its statistics with one decimal: half of that, plus float rounding.
bool close_enough(double siril, double ours, double relative = 1e-5) {
  return std::fabs(siril - ours) <= 0.051 + relative * std::fabs(ours);
}

constexpr std::size_t kWidth = 41;   // odd sizes, different, so transposes and flips show
constexpr std::size_t kHeight = 27;

// A smooth ramp, different per channel, with the first stored pixels (row 0, column 0)
// marked bright. No value is 0, since Siril's statistics skip zeros.
Image pattern_image(std::size_t channels) {
  Image image(kWidth, kHeight, channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < kHeight; ++y)
      for (std::size_t x = 0; x < kWidth; ++x) {
        const bool marker = x < 3 && y < 3;
        image.at(c, y, x) = marker ? 0.97f
                                   : float(0.02 + 0.5 * double(x) / (kWidth - 1) +
                                           0.3 * double(y) / (kHeight - 1) + 0.05 * double(c));
      }
  return image;
}

// A Bayer mosaic: one level per site of the 2x2 cell plus a slow ramp.
Image cfa_image() {
  Image image(kWidth, kHeight, 1);
  const double site[2][2] = {{0.6, 0.35}, {0.3, 0.1}};  // R G / G B for RGGB
  for (std::size_t y = 0; y < kHeight; ++y)
    for (std::size_t x = 0; x < kWidth; ++x)
      image.at(0, y, x) = float(site[y % 2][x % 2] + 0.2 * double(x + 2 * y) / (kWidth + 2 * kHeight));
  for (std::size_t y = 0; y < 3; ++y)
    for (std::size_t x = 0; x < 3; ++x) image.at(0, y, x) = 0.97f;
  return image;
}

// The nearest distinct values below and above the middle rank(s) of the non-zero samples.
std::pair<double, double> middle_neighbours(const Image& image, std::size_t channel) {
  std::vector<float> values;
  for (std::size_t i = 0; i < image.pixel_count(); ++i) {
    const float v = image.plane(channel)[i];
    if (v != 0.0f && std::isfinite(v)) values.push_back(v);
  }
  std::sort(values.begin(), values.end());
  const float low_middle = values[(values.size() - 1) / 2];
  const float high_middle = values[values.size() / 2];
  const auto below = std::lower_bound(values.begin(), values.end(), low_middle);
  const auto above = std::upper_bound(values.begin(), values.end(), high_middle);
  return {below == values.begin() ? low_middle : *std::prev(below),
          above == values.end() ? high_middle : *above};
}

struct SirilStat {
  double mean = 0, median = 0, sigma = 0, avg_dev = 0, min = 0, max = 0;
};

// The "<layer> layer: Mean: ..., Max: ..." lines of Siril's log, in order.
std::vector<SirilStat> parse_stats(const fs::path& log) {
  std::vector<SirilStat> stats;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find("layer: Mean:");
    if (at == std::string::npos) continue;
    SirilStat s;
    if (std::sscanf(line.c_str() + at,
                    "layer: Mean: %lf, Median: %lf, Sigma: %lf, AvgDev: %lf, Min: %lf, Max: %lf",
                    &s.mean, &s.median, &s.sigma, &s.avg_dev, &s.min, &s.max) == 6)
      stats.push_back(s);
  }
  return stats;
}

bool same_pixels(const Image& a, const Image& b, double tolerance) {
  if (a.width() != b.width() || a.height() != b.height() || a.channels() != b.channels())
    return false;
  for (std::size_t i = 0; i < a.samples().size(); ++i)
    if (!(std::fabs(double(a.samples()[i]) - double(b.samples()[i])) <= tolerance)) return false;
  return true;
}

// The 16-bit TIFF as it lies in the file: samples[(row * width + x) * spp + c], row 0 = top.
struct Tiff16 {
  std::uint32_t width = 0, height = 0;
  std::uint16_t spp = 0, bits = 0;
  std::vector<std::uint16_t> samples;
};

Tiff16 read_tiff16(const fs::path& file) {
  Tiff16 tiff;
  TIFF* handle = TIFFOpen(file.c_str(), "r");
  if (handle == nullptr) return tiff;
  std::uint16_t planar = PLANARCONFIG_CONTIG;
  TIFFGetField(handle, TIFFTAG_IMAGEWIDTH, &tiff.width);
  TIFFGetField(handle, TIFFTAG_IMAGELENGTH, &tiff.height);
  TIFFGetFieldDefaulted(handle, TIFFTAG_SAMPLESPERPIXEL, &tiff.spp);
  TIFFGetFieldDefaulted(handle, TIFFTAG_BITSPERSAMPLE, &tiff.bits);
  TIFFGetFieldDefaulted(handle, TIFFTAG_PLANARCONFIG, &planar);
  if (tiff.bits == 16 && planar == PLANARCONFIG_CONTIG) {
    tiff.samples.resize(std::size_t(tiff.width) * tiff.height * tiff.spp);
    for (std::uint32_t row = 0; row < tiff.height; ++row)
      TIFFReadScanline(handle, tiff.samples.data() + std::size_t(row) * tiff.width * tiff.spp,
                       row);
  }
  TIFFClose(handle);
  return tiff;
}

std::string keyword_value(const fs::path& file, const std::string& keyword) {
  // Header cards are 80 characters; the header ends at END.
  std::ifstream in(file, std::ios::binary);
  char card[80];
  while (in.read(card, 80)) {
    const std::string text(card, 80);
    if (text.rfind("END ", 0) == 0) break;
    std::string key = text.substr(0, 8);
    key.erase(key.find_last_not_of(' ') + 1);
    if (key == keyword && text.substr(8, 2) == "= ") {
      std::string value = text.substr(10);
      const auto slash = value.find(" /");
      if (value.find('\'') == std::string::npos && slash != std::string::npos)
        value.resize(slash);
      value.erase(0, value.find_first_not_of(' '));
      value.erase(value.find_last_not_of(' ') + 1);
      return value;
    }
  }
  return {};
}

struct Sample {
  std::string name;  // file stem in the work folder
  Image image;
  SampleFormat format;
};

}  // namespace

int main() {
  const std::string siril = find_siril();
  if (siril.empty()) return astropack::integration::peer_missing("siril-cli");

  char pattern[] = "/tmp/astropack-siril-fits-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::cout << "cannot create a temporary folder\n";
    return 1;
  }
  const fs::path work = pattern;
  const fs::path home = work / "home";
  fs::create_directories(home);

  try {
    // --- the files astropack writes ---------------------------------------------------------
    std::vector<Sample> samples;
    samples.push_back({"mono16", pattern_image(1), SampleFormat::UInt16});
    samples.push_back({"mono32", pattern_image(1), SampleFormat::Float32});
    samples.push_back({"rgb16", pattern_image(3), SampleFormat::UInt16});
    samples.push_back({"rgb32", pattern_image(3), SampleFormat::Float32});
    samples.push_back({"cfa16", cfa_image(), SampleFormat::UInt16});
    samples.push_back({"cfa32", cfa_image(), SampleFormat::Float32});
    for (Sample& sample : samples) {
      Header& header = sample.image.header();
      header.exposure = 120.0;
      header.instrument = "astropack test camera";
      header.history = {"written by the Siril FITS integration test"};
      if (sample.name.starts_with("cfa")) {
        header.bayer_pattern = "RGGB";
        header.row_order = "BOTTOM-UP";
      }
      write_fits(work / (sample.name + ".fit"), sample.image, sample.format);
    }

    // --- the Siril script -------------------------------------------------------------------
    std::ostringstream script;
    script << "requires 1.0.0\n"
           << "# statistics, round trip and TIFF export of every file astropack wrote\n";
    for (const Sample& sample : samples) {
      script << "load " << sample.name << "\n"
             << "stat\n"
             << "save s_" << sample.name << "\n"
             << "savetif t_" << sample.name << "\n";
    }
    script << "# 16-bit data converted to 32-bit float by Siril\n"
           << "set32bits\n"
           << "load mono16\nfmul 1\nsave f_mono16\n"
           << "load rgb16\nfmul 1\nsave f_rgb16\n"
           << "# saved again in 16-bit mode\n"
           << "set16bits\n"
           << "load mono16\nsave h_mono16\n"
           << "load rgb16\nsave h_rgb16\n"
           << "load cfa16\nsave h_cfa16\n";
    // HOME and the XDG folders point into the work folder: no user configuration is touched
    // (set16bits is persisted there).
    check(run_siril(siril, work, home, "check", script.str()) == 0,
          "siril-cli ran the script (see " + (work / "check.log").string() + ")");

    // --- 1. statistics ----------------------------------------------------------------------
    const std::vector<SirilStat> siril_stats = parse_stats(work / "check.log");
    std::size_t next = 0;
    StatisticsOptions options;
    options.skip_zeros = true;  // as Siril
    options.background_noise = false;
    for (const Sample& sample : samples) {
      const Image ours = read_fits(work / (sample.name + ".fit"));
      const auto stats = compute_statistics(ours.view(), options);
      for (std::size_t c = 0; c < stats.size(); ++c, ++next) {
        const std::string what = sample.name + " channel " + std::to_string(c);
        if (next >= siril_stats.size()) {
          check(false, what + ": Siril printed no statistics");
          continue;
        }
        const SirilStat& s = siril_stats[next];
        // Siril prints both 16-bit and float images in ADU (float values x 65535).
        const double k = 65535.0;
        const auto compare = [&](const char* name, double siril_value, double ours_value,
                                 double relative = 1e-5) {
          std::ostringstream text;
          text.precision(10);
          text << what << " " << name << ": Siril " << siril_value << ", astropack "
               << ours_value;
          check(close_enough(siril_value, ours_value, relative), text.str());
        };
        compare("mean", s.mean, stats[c].mean * k);
        if (sample.format == SampleFormat::UInt16) {
          compare("median", s.median, stats[c].median * k);
        } else {
          // Siril 1.0 takes the median of float data from a histogram with interpolation
          // (histogram_median_float), not exactly: accept any value between the sorted
          // neighbours of the middle rank(s).
          const auto [low, high] = middle_neighbours(ours, c);
          std::ostringstream text;
          text.precision(10);
          text << what << " median: Siril " << s.median << ", astropack " << stats[c].median * k
               << ", neighbours " << low * k << " .. " << high * k;
          check(s.median >= low * k - 0.051 && s.median <= high * k + 0.051, text.str());
        }
        compare("sigma", s.sigma, stats[c].sigma * k);
        compare("avgdev", s.avg_dev, stats[c].avg_dev * k);
        compare("min", s.min, stats[c].min * k);
        compare("max", s.max, stats[c].max * k);
      }
    }
    check(next == siril_stats.size(), "as many statistics lines as channels");

    // --- 2. orientation and round trip ------------------------------------------------------
    for (const Sample& sample : samples) {
      const Image ours = read_fits(work / (sample.name + ".fit"));
      const fs::path saved = work / ("s_" + sample.name + ".fit");
      const Image back = read_fits(saved);
      check(same_pixels(back, ours, 0.0), sample.name + ": Siril's save has the same pixels");
      const std::string bitpix = keyword_value(saved, "BITPIX");
      check(bitpix == (sample.format == SampleFormat::UInt16 ? "16" : "-32"),
            sample.name + ": Siril kept the sample format (BITPIX " + bitpix + ")");
      check(back.header().exposure && *back.header().exposure == 120.0,
            sample.name + ": Siril kept EXPTIME");
      const std::string program = keyword_value(saved, "PROGRAM");
      check(program.rfind("'Siril", 0) == 0, sample.name + ": Siril wrote PROGRAM " + program);
      if (sample.name.starts_with("cfa")) {
        check(back.header().bayer_pattern == "RGGB", sample.name + ": Siril kept BAYERPAT");
        check(back.header().row_order == "BOTTOM-UP",
              sample.name + ": Siril kept ROWORDER (" + back.header().row_order + ")");
      }

      // The TIFF as stored: its top row is the last stored row, its bottom-left is the marker.
      const fs::path tif = work / ("t_" + sample.name + ".tif");
      const Tiff16 tiff = read_tiff16(tif);
      const bool shape = tiff.width == kWidth && tiff.height == kHeight &&
                         tiff.spp == ours.channels() && tiff.bits == 16;
      check(shape, sample.name + ": Siril's TIFF is 16-bit with the image's size");
      if (shape) {
        bool flipped_rows = true;
        for (std::size_t row = 0; row < kHeight; ++row)
          for (std::size_t x = 0; x < kWidth; ++x)
            for (std::size_t c = 0; c < ours.channels(); ++c) {
              const double expected = double(ours.at(c, kHeight - 1 - row, x)) * 65535.0;
              const double got = tiff.samples[(row * kWidth + x) * tiff.spp + c];
              if (std::fabs(got - expected) > 1.0) flipped_rows = false;
            }
        check(flipped_rows, sample.name + ": TIFF row r is stored row H-1-r (no other change)");
        const double corner = tiff.samples[((kHeight - 1) * kWidth) * tiff.spp];
        check(std::fabs(corner - 0.97 * 65535.0) <= 1.0,
              sample.name + ": the marked first stored pixel is the TIFF's bottom-left");
      }
      // astropack's TIFF reader puts it back in storage order.
      const Image from_tiff = read_tiff(tif);
      check(same_pixels(from_tiff, ours, 1.0 / 65535.0),
            sample.name + ": astropack reads Siril's TIFF in storage order");
    }

    // --- 3. FITS written by Siril after a conversion or in 16-bit mode ----------------------
    for (const char* name : {"mono16", "rgb16"}) {
      const Image ours = read_fits(work / (std::string(name) + ".fit"));
      const fs::path as_float = work / ("f_" + std::string(name) + ".fit");
      check(keyword_value(as_float, "BITPIX") == "-32",
            std::string(name) + ": Siril's set32bits output is float");
      check(same_pixels(read_fits(as_float), ours, 1e-7),
            std::string(name) + ": astropack reads Siril's float conversion as the same pixels");
    }
    for (const char* name : {"mono16", "rgb16", "cfa16"}) {
      const Image ours = read_fits(work / (std::string(name) + ".fit"));
      const fs::path as_short = work / ("h_" + std::string(name) + ".fit");
      check(keyword_value(as_short, "BITPIX") == "16" && keyword_value(as_short, "BZERO") == "32768.",
            std::string(name) + ": Siril's set16bits output is 16-bit with BZERO 32768");
      check(same_pixels(read_fits(as_short), ours, 0.0),
            std::string(name) + ": astropack reads Siril's 16-bit file as the same pixels");
      FitsBandReader band(as_short);
      Image rows(kWidth, 5, ours.channels());
      band.read_rows(10, rows.view());
      bool same = true;
      for (std::size_t c = 0; c < ours.channels(); ++c)
        for (std::size_t y = 0; y < 5; ++y)
          for (std::size_t x = 0; x < kWidth; ++x)
            same = same && rows.at(c, y, x) == ours.at(c, y + 10, x);
      check(same, std::string(name) + ": the band reader agrees on Siril's file");
    }
  } catch (const Error& e) {
    check(false, std::string("astropack error: ") + e.what());
  }

  return check.finish(work);
}
