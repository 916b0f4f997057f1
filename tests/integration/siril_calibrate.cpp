// SPDX-License-Identifier: GPL-3.0-or-later
// Agreement with Siril's light calibration: the simulated mono and colour
// sessions' lights calibrated by astropack (calibrate_light, the code behind
// `astropack calibrate`) and by siril-cli 1.0.6 `preprocess` with the same
// masters (made by make_master). For every case the mean and largest pixel
// difference are printed, with the tolerance the case is held to.
//
// Siril's rules the comparison follows (siril-compat.md section 4.5):
//  - -dark switches on cosmetic correction (hot pixels of the dark at 3 sigma,
//    each replaced by the mean of its 8 neighbours; same-colour ones with -cfa).
//    Those pixels are compared with that mean of astropack's neighbours; their
//    count with the count Siril logs.
//  - results above 1 become 1 and below -1 become 0; astropack keeps them, so
//    its values are clipped the same way before comparing.
//  - F-bar is the mean of the flat's central third, in astropack as in Siril.
//  - -opt is not compared: siril-cli 1.0.6 crashes on frames under 512 x 512,
//    and astropack measures the noise on first differences (light_calibration.hpp).
// Then siril-cli reads the sequence `astropack calibrate` writes through its
// .seq (seqstat and a rejection stack of every frame).
// Exit status: 0 pass, 1 fail, 77 skip (siril-cli missing and CI is not "true").
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "siril_runner.hpp"
#include "astropack/cosmetic_correction.hpp"
#include "astropack/debayer.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/light_calibration.hpp"
#include "astropack/master_frame.hpp"
#include "astropack/simulate.hpp"
#include "astropack/statistics.hpp"

using namespace astropack;
namespace fs = std::filesystem;
using astropack::siril_runner::find_siril;
using astropack::siril_runner::run_siril;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s - %s\n", ok ? "ok" : "FAILED", what.c_str());
  std::fflush(stdout);
  if (!ok) ++failures;
}


std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}


// Joins text without operator+ chains (g++ 12 warns falsely on them at -O3).
std::string join(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (std::string_view part : parts) text.append(part);
  return text;
}

std::string quoted(const fs::path& p) { return join({"'", p.string(), "'"}); }

// The numbers of "N corrected pixels (cold + hot)" lines of a Siril log, in order.
std::vector<std::array<long, 3>> corrected_counts(const fs::path& log) {
  std::vector<std::array<long, 3>> counts;
  const std::string text = read_text(log);
  const std::regex line(R"((\d+) corrected pixels \((\d+) \+ (\d+)\))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator(); ++it)
    counts.push_back({std::stol((*it)[1]), std::stol((*it)[2]), std::stol((*it)[3])});
  return counts;
}

// The F-bar values of "Normalisation value auto evaluated: v" lines, in order.
std::vector<double> logged_normalisations(const fs::path& log) {
  std::vector<double> values;
  const std::string text = read_text(log);
  const std::regex line(R"(Normalisation value auto evaluated: ([0-9.eE+-]+))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator(); ++it)
    values.push_back(std::stod((*it)[1]));
  return values;
}

Image made_master(const fs::path& session, MasterType type, const std::string& folder,
                  const fs::path& darkflat = {}) {
  MasterOptions options = default_master_options(type);
  options.darkflat = darkflat;
  NoProgress progress;
  return make_master(image_files_in(session / folder), options, progress).integration.image;
}

struct Session {
  fs::path dir;  // lights as light_00001.fit ..., masters as master_*.fit
  std::size_t lights = 0;
  bool cfa = false;
};

Session prepare_session(const fs::path& root, SimulationPreset preset) {
  Session s;
  const fs::path sim = root / ("sim-" + std::string(to_string(preset)));
  NoProgress progress;
  SimulationOptions options;
  options.preset = preset;
  const SimulationSummary summary = simulate_session(sim, options, progress);
  s.cfa = summary.cfa;
  s.dir = root / std::string(to_string(preset));
  fs::create_directories(s.dir);
  const std::vector<fs::path> lights = image_files_in(sim / "lights");
  for (std::size_t i = 0; i < lights.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "light_%05zu.fit", i + 1);
    fs::copy_file(lights[i], s.dir / name);
  }
  s.lights = lights.size();
  write_fits(s.dir / "master_bias.fit", made_master(sim, MasterType::Bias, "biases"),
             SampleFormat::Float32);
  write_fits(s.dir / "master_dark.fit", made_master(sim, MasterType::Dark, "darks"),
             SampleFormat::Float32);
  write_fits(s.dir / "master_darkflat.fit", made_master(sim, MasterType::DarkFlat, "darkflats"),
             SampleFormat::Float32);
  write_fits(s.dir / "master_flat.fit",
             made_master(sim, MasterType::Flat, "flats", s.dir / "master_darkflat.fit"),
             SampleFormat::Float32);
  return s;
}

std::string light_name(std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "light_%05zu.fit", i + 1);
  return name;
}

float siril_clip(float v) { return v > 1.0f ? 1.0f : (v < -1.0f ? 0.0f : v); }

struct Case {
  std::string prefix;        // Siril's output prefix
  std::string options;       // preprocess options
  bool bias = false, dark = false, flat = false, equalize = false;
  double tolerance = 2e-6;   // largest pixel difference allowed, normalised units
  std::string why;           // what the tolerance allows for
};

// Float arithmetic in another order (Siril multiplies by F-bar / flat in float):
// a few units in the last place of values up to 1.
const char* const kRounding = "float rounding";
// Siril's equalisation factors differ from astropack's central-third cell means by
// up to 3e-5 relative (printed per cell below); values reach 1.4.
const char* const kEqualisation = "Siril's CFA equalisation factors differ by < 5e-5";

// Compares one preprocess case over every light; returns the largest difference.
void compare_case(const Session& s, const Case& c, const fs::path& log, std::size_t dark_index,
                  std::size_t flat_index) {
  CalibrationMasters masters;
  if (c.bias) masters.bias = MasterFrame{read_fits(s.dir / "master_bias.fit"), "master_bias.fit"};
  Image dark;
  if (c.dark) {
    dark = read_fits(s.dir / "master_dark.fit");
    masters.dark = MasterFrame{dark, "master_dark.fit"};
  }
  if (c.flat) masters.flat = MasterFrame{read_fits(s.dir / "master_flat.fit"), "master_flat.fit"};
  CalibrationParams params;
  params.dark_scaling = DarkScaling::None;
  params.equalize_cfa = c.equalize;
  const PreparedCalibration prepared = prepare_calibration(std::move(masters), params);
  DefectMap map;
  if (c.dark) map = find_dark_defects(dark.view(), {3.0, 0.0});

  double sum = 0, worst = 0, worst_cosmetic = 0;
  std::size_t n = 0, cosmetic_n = 0;
  double cell_ratio[4] = {0, 0, 0, 0}, cell_count[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < s.lights; ++i) {
    const Image ours =
        calibrate_light(read_fits(s.dir / light_name(i)), light_name(i), prepared).image;
    const Image theirs = read_fits(s.dir / (c.prefix + light_name(i)));
    std::vector<char> hot(ours.pixel_count(), 0);
    for (const PixelDefect& d : map.pixels) hot[std::size_t(d.y) * ours.width() + d.x] = 1;
    const long w = long(ours.width()), h = long(ours.height());
    const long step = s.cfa ? 2 : 1;
    for (long y = 0; y < h; ++y)
      for (long x = 0; x < w; ++x) {
        const std::size_t i_px = std::size_t(y * w + x);
        const double t = theirs.samples()[i_px];
        if (!hot[i_px]) {
          const double d = std::fabs(double(siril_clip(ours.samples()[i_px])) - t);
          sum += d;
          ++n;
          worst = std::max(worst, d);
          const double a = ours.samples()[i_px];
          if (a > 1e-3 && a < 1.0 && t < 1.0) {
            cell_ratio[(y % 2) * 2 + x % 2] += t / a;
            cell_count[(y % 2) * 2 + x % 2] += 1;
          }
          continue;
        }
        // Siril's cosmetic value: the mean of the 8 (same-colour with -cfa) neighbours.
        double mean = 0;
        int count = 0;
        bool clean = true;
        for (long dy = -step; dy <= step; dy += step)
          for (long dx = -step; dx <= step; dx += step) {
            if (dx == 0 && dy == 0) continue;
            const long yy = y + dy, xx = x + dx;
            if (yy < 0 || xx < 0 || yy >= h || xx >= w) { clean = false; continue; }
            clean &= !hot[std::size_t(yy * w + xx)];
            mean += siril_clip(ours.samples()[std::size_t(yy * w + xx)]);
            ++count;
          }
        if (!clean) continue;  // a neighbour corrected too, or the border: order-dependent
        worst_cosmetic = std::max(worst_cosmetic, std::fabs(mean / count - t));
        ++cosmetic_n;
      }
  }
  const double mean_difference = sum / double(n);
  std::printf("\n%s preprocess %s: %zu pixels, mean |difference| %.3g, max %.3g (%.3g ADU)\n",
              s.cfa ? "osc" : "mono", c.options.c_str(), n, mean_difference, worst, worst * 65535.0);
  if (s.cfa)
    std::printf("  siril-cli / astropack per CFA cell: %.7f %.7f %.7f %.7f\n",
                cell_ratio[0] / cell_count[0], cell_ratio[1] / cell_count[1],
                cell_ratio[2] / cell_count[2], cell_ratio[3] / cell_count[3]);
  char tolerance[160];
  std::snprintf(tolerance, sizeof tolerance, ": every pixel within %.2g of siril-cli (%.2g ADU; %s)",
                c.tolerance, c.tolerance * 65535.0, c.why.c_str());
  check(worst < c.tolerance, join({c.prefix, tolerance}));
  if (c.dark) {
    const auto counts = corrected_counts(log);
    const bool logged = counts.size() > dark_index;
    std::printf("  cosmetic: astropack's dark map %zu hot pixels, siril-cli %ld (%ld cold + %ld hot); "
                "%zu compared, max |difference| %.3g\n",
                map.hot_count(), logged ? counts[dark_index][0] : -1L,
                logged ? counts[dark_index][1] : -1L, logged ? counts[dark_index][2] : -1L,
                cosmetic_n, worst_cosmetic);
    check(logged && counts[dark_index][2] == long(map.hot_count()) && counts[dark_index][1] == 0,
          join({c.prefix, ": siril-cli corrects the hot pixels astropack's dark map finds"}));
    check(cosmetic_n > 0 && worst_cosmetic < 2e-6,
          join({c.prefix, ": corrected pixels are the mean of their neighbours, as siril-compat says"}));
  }
  if (c.flat) {
    const std::vector<double> logged = logged_normalisations(log);
    const double theirs = logged.size() > flat_index ? logged[flat_index] : std::nan("");
    std::printf("  F-bar: astropack %.6f, siril-cli logs %.3f\n", prepared.flat_mean(), theirs);
    check(std::fabs(prepared.flat_mean() - theirs) < 6e-4, join({c.prefix, ": same F-bar"}));
  }
}

}  // namespace

int main(int argc, char** argv) {
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
  if (argc < 2) {
    std::printf("FAILED - usage: siril_calibrate ASTROPACK_EXECUTABLE\n");
    return 1;
  }
  const fs::path astropack = fs::absolute(argv[1]);
  const fs::path root =
      fs::temp_directory_path() / ("astropack-siril-calibrate-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path home = root / "home";
  fs::create_directories(home);

  try {
    // Mono: dark + flat (with Siril's automatic cosmetic correction), bias + flat, dark alone.
    const Session mono = prepare_session(root, SimulationPreset::Small);
    const std::vector<Case> mono_cases = {
        {"pD_", "-dark=master_dark.fit -flat=master_flat.fit", false, true, true, false, 2e-6,
         kRounding},
        {"pB_", "-bias=master_bias.fit -flat=master_flat.fit", true, false, true, false, 2e-6,
         kRounding},
        {"pK_", "-dark=master_dark.fit", false, true, false, false, 2e-6, kRounding},
    };
    // Colour: CFA-aware cosmetic correction and flat equalisation.
    const Session osc = prepare_session(root, SimulationPreset::Osc);
    const std::vector<Case> osc_cases = {
        {"pE_", "-dark=master_dark.fit -flat=master_flat.fit -cfa -equalize_cfa", false, true,
         true, true, 3e-5, kEqualisation},
        {"pF_", "-dark=master_dark.fit -flat=master_flat.fit -cfa", false, true, true, false,
         2e-6, kRounding},
    };
    for (const auto& [session, cases] : {std::pair{&mono, &mono_cases}, std::pair{&osc, &osc_cases}}) {
      std::string script = "requires 1.0.0\n";
      for (const Case& c : *cases)
        script.append(join({"preprocess light_ ", c.options, " -prefix=", c.prefix, "\n"}));
      check(run_siril(siril, session->dir, home, "preprocess", script) == 0,
            join({"siril-cli preprocess ran in ", session->dir.filename().string()}));
      std::size_t dark_cases = 0, flat_cases = 0;
      for (const Case& c : *cases) {
        compare_case(*session, c, session->dir / "preprocess.log", dark_cases, flat_cases);
        if (c.dark) ++dark_cases;
        if (c.flat) ++flat_cases;
      }
    }

    // Debayered output, informative: Siril's RCD clips to [0, 1] and fills its border its own way.
    {
      const std::string script =
          "requires 1.0.0\npreprocess light_ -dark=master_dark.fit -flat=master_flat.fit -cfa "
          "-debayer -prefix=pR_\n";
      check(run_siril(siril, osc.dir, home, "debayer", script) == 0, "siril-cli preprocess -debayer ran");
      double sum = 0, level = 0;
      std::size_t n = 0;
      for (std::size_t i = 0; i < osc.lights; ++i) {
        const Image cfa = read_fits(osc.dir / ("pF_" + light_name(i)));  // Siril's calibrated CFA
        const Image ours = debayer(cfa, DemosaicMethod::Rcd);
        const Image theirs = read_fits(osc.dir / ("pR_" + light_name(i)));
        check(theirs.channels() == 3 && theirs.header().bayer_pattern.empty(),
              join({"siril-cli wrote RGB without BAYERPAT for ", light_name(i)}));
        for (std::size_t k = 0; k < 3; ++k)
          for (std::size_t y = 8; y + 8 < ours.height(); ++y)
            for (std::size_t x = 8; x + 8 < ours.width(); ++x) {
              const double a = siril_clip(ours.at(k, y, x)), b = theirs.at(k, y, x);
              if (a >= 1.0 || b >= 1.0) continue;
              sum += std::fabs(a - b);
              level += std::fabs(b);
              ++n;
            }
      }
      const double relative = sum / level;
      std::printf("\nRCD debayer of the same CFA data, interior: mean |difference| %.3g of the mean "
                  "level (%.3g ADU)\n", relative, sum / double(n) * 65535.0);
      check(relative < 0.01, "astropack's RCD within 1 % of siril-cli's on average");
    }

    // siril-cli reads the sequence astropack calibrate writes.
    {
      std::string command = join({quoted(astropack), " --quiet calibrate --dark ",
                                  quoted(mono.dir / "master_dark.fit"), " --flat ",
                                  quoted(mono.dir / "master_flat.fit"), " -o ",
                                  quoted(mono.dir / "ap")});
      for (std::size_t i = 0; i < mono.lights; ++i)
        command.append(" ").append(quoted(mono.dir / light_name(i)));
      command.append(" > ").append(quoted(mono.dir / "calibrate.log")).append(" 2>&1");
      check(std::system(command.c_str()) == 0, "astropack calibrate succeeded (see calibrate.log)");
      const fs::path ap = mono.dir / "ap";
      check(fs::exists(ap / "pp_light_.seq"), "astropack wrote pp_light_.seq");
      const std::string script =
          "requires 1.0.0\nseqstat pp_light_ stats.csv basic\nstack pp_light_ rej 3 3 -nonorm "
          "-out=stacked\n";
      check(run_siril(siril, ap, home, "load", script) == 0, "siril-cli ran seqstat and stack on pp_light_");
      std::ifstream csv(ap / "stats.csv");
      std::string line;
      std::getline(csv, line);
      std::size_t rows = 0;
      double worst = 0;
      while (std::getline(csv, line)) {
        std::istringstream fields(line);
        long image = 0, channel = 0;
        double mean = 0;
        fields >> image >> channel >> mean;
        char name[32];
        std::snprintf(name, sizeof name, "pp_light_%05ld.fit", image);
        const auto stats = compute_statistics(read_fits(ap / name).view());
        worst = std::max(worst, std::fabs(stats[0].mean - mean) / stats[0].mean);
        ++rows;
      }
      std::printf("\nsiril-cli seqstat on astropack's pp_light_: %zu frames, means within %.2g\n",
                  rows, worst);
      check(rows == mono.lights, "siril-cli found every frame of the sequence");
      check(worst < 1e-5, "siril-cli's frame means match astropack's");
      check(read_text(ap / "load.log").find(join({std::to_string(mono.lights), " images have been stacked"})) !=
                std::string::npos,
            "siril-cli stacked every frame");
    }
  } catch (const Error& e) {
    std::printf("FAILED - %s\n", e.what());
    ++failures;
  }
  if (failures == 0) fs::remove_all(root);
  else std::printf("files kept in %s\n", root.c_str());
  return failures == 0 ? 0 : 1;
}
