// SPDX-License-Identifier: GPL-3.0-or-later
// Agreement with Siril's stacking: the same 16-bit frames integrated by
// astropack (make_master, the code behind `astropack master`) and by
// siril-cli 1.0.6 `stack` with the matching method, normalisation and
// weights. For every case the mean and the largest absolute pixel difference
// are printed, with the tolerance the case is held to and why.
//
// Two sets of 12 frames of 200 x 150, written as 16-bit FITS:
//  a_  one level: a gradient, a few stars, Gaussian noise, fixed hot pixels,
//      cosmic rays in single frames and a few dead samples; for the
//      combinations and the rejection methods (no normalisation);
//  b_  the same sky with a different offset and gain per frame; for the
//      normalisations and -weighted (and once with the brightest frame as the
//      reference, so that a hot pixel normalises above 1.0).
// Siril's location/scale (its .seq M lines) are compared with astropack's
// own estimates, and its weights recomputed from them, so a difference can
// be traced to its cause. The causes named below were confirmed outside this
// test: a re-implementation of Siril's 16-bit code path matched siril-cli to
// 0.002 ADU on every pixel (for MAD, on every pixel where the floor rule does
// not decide), and every GESDT pixel that differs holds an exact tie. The
// README explains them.
// Exit status: 0 pass, 1 fail, 77 skip (siril-cli missing and CI is not "true").
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "siril_runner.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/master_frame.hpp"
#include "astropack/normalisation.hpp"
#include "astropack/seq.hpp"

using namespace astropack;
namespace fs = std::filesystem;
using astropack::siril_runner::find_siril;
using astropack::siril_runner::run_siril;

namespace {

constexpr std::size_t kWidth = 200;
constexpr std::size_t kHeight = 150;
constexpr std::size_t kFrames = 12;
constexpr double kAdu = 65535.0;

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s - %s\n", ok ? "ok" : "FAILED", what.c_str());
  if (!ok) ++failures;
}

// splitmix64: a fixed, portable stream of numbers (std distributions are not
// specified exactly, so they could differ between standard libraries).
class Random {
 public:
  explicit Random(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(uniform() * double(n)); }
  double gaussian() {  // Box-Muller, one value per call
    const double u = 1.0 - uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * 3.14159265358979323846 * v);
  }

 private:
  std::uint64_t m_state;
};

// The noise-free sky in ADU: a gradient and a few stars.
double sky(std::size_t x, std::size_t y) {
  double v = 1500.0 + 400.0 * double(x) / kWidth + 250.0 * double(y) / kHeight;
  const double stars[][3] = {{40, 30, 9000}, {150, 100, 5000}, {90, 70, 2500}, {170, 20, 7000}};
  for (const auto& s : stars) {
    const double dx = double(x) - s[0], dy = double(y) - s[1];
    v += s[2] * std::exp(-(dx * dx + dy * dy) / (2.0 * 1.6 * 1.6));
  }
  return v;
}

struct FrameLevels {
  double offset = 0, gain = 1;
};

// Writes one set of frames <prefix>00001.fit ... as 16-bit FITS.
void write_set(const fs::path& dir, const std::string& prefix,
               const std::vector<FrameLevels>& levels, std::uint64_t seed) {
  Random random(seed);
  // Hot pixels: the same places and levels in every frame (not outliers of a stack).
  std::vector<std::pair<std::size_t, std::size_t>> hot;
  std::vector<double> hot_level;
  for (int i = 0; i < 12; ++i) {
    hot.emplace_back(random.below(kWidth), random.below(kHeight));
    hot_level.push_back(i == 11 ? 60000.0 : 12000.0 + 1500.0 * i);
  }
  for (std::size_t f = 0; f < levels.size(); ++f) {
    Image image(kWidth, kHeight, 1);
    for (std::size_t y = 0; y < kHeight; ++y)
      for (std::size_t x = 0; x < kWidth; ++x) {
        const double base = sky(x, y) + 25.0 * random.gaussian();
        image.at(0, y, x) = float(levels[f].offset + levels[f].gain * base);
      }
    for (std::size_t h = 0; h < hot.size(); ++h)
      image.at(0, hot[h].second, hot[h].first) =
          float(levels[f].offset + levels[f].gain * (hot_level[h] + 25.0 * random.gaussian()));
    // Cosmic rays: single pixels and short trails, in this frame only.
    for (int c = 0; c < 40; ++c) {
      const std::size_t x = random.below(kWidth - 3), y = random.below(kHeight);
      const double level = 15000.0 + 35000.0 * random.uniform();
      const std::size_t length = c % 5 == 0 ? 3 : 1;
      for (std::size_t k = 0; k < length; ++k)
        image.at(0, y, x + k) = float(levels[f].offset + levels[f].gain * level);
    }
    // A few dead samples (low outliers), never exactly 0 (Siril's "no data").
    for (int d = 0; d < 10; ++d)
      image.at(0, random.below(kHeight), random.below(kWidth)) =
          float(50.0 + 100.0 * random.uniform());
    for (float& v : image.samples())
      v = float(std::clamp(std::round(double(v)), 1.0, 65535.0) / kAdu);
    Header& header = image.header();
    header.exposure = 30.0;
    header.instrument = "astropack agreement camera";
    char name[32];
    std::snprintf(name, sizeof name, "%05zu", f + 1);
    write_fits(dir / (prefix + name + ".fit"), image, SampleFormat::UInt16);
  }
}



// Location and scale per frame from the M lines Siril writes into the .seq
// (in ADU for 16-bit data): M0-<i> total ngoodpix mean median sigma avgdev mad
// sqrtbwmv location scale min max normvalue bgnoise.
struct SirilFrameStats {
  double median = 0, location = 0, scale = 0, bgnoise = 0;
};

std::map<std::size_t, SirilFrameStats> read_m_lines(const fs::path& seq) {
  std::map<std::size_t, SirilFrameStats> out;
  std::ifstream in(seq);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t index = 0;
    double v[14] = {};
    if (std::sscanf(line.c_str(),
                    "M0-%zu %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &index,
                    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10],
                    &v[11], &v[12], &v[13]) == 15)
      out[index] = SirilFrameStats{v[3], v[8], v[9], v[13]};
  }
  return out;
}

// How close a case must come, in normalised units (ADU / 65535). A pixel
// agrees when |difference| <= bulk_abs + bulk_rel * value; at most `flips` of
// the compared pixels may disagree (a rejection decided the other way near its
// threshold), and mean and max bound the whole comparison.
struct Tolerance {
  double mean, max, bulk_abs, bulk_rel, flips;
};

constexpr Tolerance kExact{1e-6, 1e-6, 1e-6, 0.0, 0.0};

struct Case {
  std::string name;
  std::string set;         // "a_" or "b_"
  std::string siril;       // the arguments of `stack <set> ...` before -out=
  MasterOptions options;   // astropack's matching integration
  Tolerance tolerance;
  std::string cause;       // why the tolerance is what it is
  bool same_rejection_counts = false;  // Siril's logged percentages must equal ours
};

MasterOptions options_for(Combination combination, RejectionMethod method, double low,
                          double high, Normalisation normalisation = Normalisation::None,
                          Weighting weighting = Weighting::None, std::size_t reference = 0) {
  MasterOptions o = default_master_options(MasterType::Bias);
  o.auto_rejection = false;
  o.integration.combination = combination;
  o.integration.rejection = default_rejection_params(method);
  o.integration.rejection.low = low;
  o.integration.rejection.high = high;
  o.integration.rejection.gesdt_siril_quirks = true;  // used by the GESDT case only
  o.integration.normalisation = normalisation;
  o.integration.estimator = ScaleEstimator::Ikss;     // Siril 1.0's only estimator
  o.integration.weighting = weighting;
  o.integration.reference = reference;                // Siril: the first frame unless setref
  return o;
}

std::vector<fs::path> set_files(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (std::size_t f = 1; f <= kFrames; ++f) {
    char name[32];
    std::snprintf(name, sizeof name, "%05zu", f);
    files.push_back(dir / (prefix + name + ".fit"));
  }
  return files;
}

// Siril's "Pixel rejection in channel #0: a% - b%" for each output file, from its log.
std::map<std::string, std::pair<double, double>> rejection_percentages(const fs::path& log) {
  std::map<std::string, std::pair<double, double>> out;
  std::ifstream in(log);
  std::string line;
  std::pair<double, double> last{-1, -1};
  while (std::getline(in, line)) {
    const auto at = line.find("Pixel rejection in channel #0:");
    if (at != std::string::npos) {
      std::sscanf(line.c_str() + at, "Pixel rejection in channel #0: %lf%% - %lf%%", &last.first,
                  &last.second);
    }
    const auto saving = line.find("Saving FITS: file ");
    if (saving != std::string::npos) {
      std::string file = line.substr(saving + 18);
      file = file.substr(0, file.find(','));
      out[file] = last;
      last = {-1, -1};
    }
  }
  return out;
}

// Pixels where one of the frames, normalised as astropack does, would leave
// 0..65535 once rounded to whole ADU: Siril's 16-bit normalisation clamps such a
// sample (and a 0 is "no data" to it). Those pixels are compared apart.
std::vector<bool> clamped_by_siril(const std::vector<Image>& frames,
                                   const IntegrationResult& ours, const IntegrationOptions& o) {
  std::vector<bool> clamped(kWidth * kHeight, false);
  if (o.normalisation == Normalisation::None) return clamped;
  const LocationScale& reference = ours.measurements[o.reference].channels[0];
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const NormalisationMap map =
        normalisation_map(o.normalisation, ours.measurements[f].channels[0], reference);
    for (std::size_t i = 0; i < clamped.size(); ++i) {
      const double adu = map.apply(frames[f].samples()[i]) * kAdu;
      if (adu < 0.5 || adu > kAdu + 0.5) clamped[i] = true;
    }
  }
  return clamped;
}

struct Comparison {
  double mean = 0, max = 0;
  std::size_t compared = 0, flips = 0, max_at = 0;
  std::size_t clamped = 0;
  double clamped_max = 0;
  bool siril_clips_at_one = true;  // wherever astropack's value is above 1, Siril's is <= 1
  std::size_t above_one = 0;
  double highest = 0, siril_at_highest = 0;  // astropack's largest value, and Siril's there
};

Comparison compare(const Image& ours, const Image& siril, const std::vector<bool>& clamped,
                   const Tolerance& t) {
  Comparison c;
  for (std::size_t i = 0; i < ours.samples().size(); ++i) {
    const double a = ours.samples()[i], s = siril.samples()[i];
    const double d = std::fabs(a - s);
    if (a > c.highest) {
      c.highest = a;
      c.siril_at_highest = s;
    }
    if (a > 1.0) {
      ++c.above_one;
      c.siril_clips_at_one = c.siril_clips_at_one && s <= 1.0;
    }
    if (clamped[i]) {
      ++c.clamped;
      c.clamped_max = std::max(c.clamped_max, d);
      continue;
    }
    ++c.compared;
    c.mean += d;
    if (d > c.max) {
      c.max = d;
      c.max_at = i;
    }
    if (d > t.bulk_abs + t.bulk_rel * std::fabs(s)) ++c.flips;
  }
  if (c.compared > 0) c.mean /= double(c.compared);
  return c;
}

// Siril 1.0's -weighted from its own .seq statistics: 1 / (s^2 noise^2) with s
// the scale ratio (1 without scaling), or, with use_multiplier, astropack's
// rule 1 / (m^2 noise^2) with m the whole normalisation multiplier; mean 1.
std::vector<double> weights_from(const std::map<std::size_t, SirilFrameStats>& m,
                                 Normalisation how, std::size_t reference, bool use_multiplier) {
  std::vector<double> w;
  const bool scaled =
      how == Normalisation::AdditiveScale || how == Normalisation::MultiplicativeScale;
  const bool multiplicative =
      how == Normalisation::Multiplicative || how == Normalisation::MultiplicativeScale;
  double sum = 0;
  for (std::size_t f = 0; f < kFrames; ++f) {
    double k = scaled ? m.at(reference).scale / m.at(f).scale : 1.0;
    if (use_multiplier && multiplicative) k *= m.at(reference).location / m.at(f).location;
    w.push_back(1.0 / (k * k * m.at(f).bgnoise * m.at(f).bgnoise));
    sum += w.back();
  }
  for (double& x : w) x *= double(kFrames) / sum;
  return w;
}

double largest_relative_difference(const std::vector<float>& a, const std::vector<double>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    worst = std::max(worst, std::fabs(double(a[i]) - b[i]) / b[i]);
  return worst;
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

  const fs::path root =
      fs::temp_directory_path() / ("astropack-siril-master-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path home = root / "home";
  const fs::path dir = root / "frames";
  fs::create_directories(home);
  fs::create_directories(dir);

  try {
    std::vector<FrameLevels> same(kFrames), varied(kFrames);
    std::size_t brightest = 0;
    for (std::size_t f = 0; f < kFrames; ++f) {
      varied[f] = FrameLevels{-300.0 + 90.0 * double((f * 5) % kFrames),
                              0.86 + 0.025 * double((f * 7) % kFrames)};
      const auto level = [&](std::size_t i) { return varied[i].offset + varied[i].gain * 1700.0; };
      if (level(f) > level(brightest)) brightest = f;
    }
    write_set(dir, "a_", same, 1234);
    write_set(dir, "b_", varied, 5678);

    using C = Combination;
    using R = RejectionMethod;
    using N = Normalisation;
    using W = Weighting;
    // Normalised stacks: Siril rounds each normalised 16-bit sample to whole ADU
    // (0.5 ADU) and uses its own location/scale (see the per-frame table).
    const Tolerance norm{4e-6, 1e-3, 0.6 / kAdu, 0.0, 0.01};
    const Tolerance norm_scaled{4e-6, 1e-3, 0.6 / kAdu, 3e-4, 0.01};
    const std::string rounding = "Siril rounds normalised 16-bit samples to whole ADU";
    const std::string scaling = rounding + "; its IKSS scales differ by up to 1e-4";
    std::vector<Case> cases = {
        {"average", "a_", "rej 0 0 -nonorm", options_for(C::Mean, R::None, 0, 0), kExact,
         "same algorithm", true},
        {"median", "a_", "median -nonorm", options_for(C::Median, R::None, 0, 0), kExact,
         "same algorithm"},
        {"sigma", "a_", "rej s 3 3 -nonorm", options_for(C::Mean, R::Sigma, 3, 3), kExact,
         "same algorithm", true},
        {"mad", "a_", "rej a 3 3 -nonorm", options_for(C::Mean, R::Mad, 3, 3),
         {1e-5, 1e-3, 1e-6, 0.0, 0.10},
         "Siril's 16-bit MAD is the median of |x - round(median)|; floor-rule order"},
        {"sigma-median", "a_", "rej m 3 3 -nonorm", options_for(C::Mean, R::SigmaMedian, 3, 3),
         {1e-7, 8e-6, 8e-6, 0.0, 0.0},
         "Siril's 16-bit path replaces with the median truncated to whole ADU"},
        {"winsorized", "a_", "rej w 3 3 -nonorm", options_for(C::Mean, R::Winsorized, 3, 3),
         {2e-6, 1e-3, 1e-6, 0.0, 0.02},
         "Siril's 16-bit path rounds the winsorizing bounds to whole ADU"},
        {"linear-fit", "a_", "rej l 5 5 -nonorm", options_for(C::Mean, R::LinearFit, 5, 5),
         kExact, "same algorithm (N0 quirk on)", true},
        {"percentile", "a_", "rej p 0.2 0.1 -nonorm",
         options_for(C::Mean, R::Percentile, 0.2, 0.1), kExact, "same algorithm", true},
        {"gesdt", "a_", "rej g 0.3 0.05 -nonorm", options_for(C::Mean, R::Gesdt, 0.3, 0.05),
         {2e-6, 1e-3, 1e-6, 0.0, 0.02},
         "low/high extremes tied in whole ADU: Siril drops the low one, float rounding decides "
         "ours"},
        {"norm add", "b_", "rej s 3 3 -norm=add",
         options_for(C::Mean, R::Sigma, 3, 3, N::Additive), norm, rounding},
        {"norm mul", "b_", "rej s 3 3 -norm=mul",
         options_for(C::Mean, R::Sigma, 3, 3, N::Multiplicative), norm_scaled,
         rounding + "; its locations differ by up to 0.02 ADU"},
        {"norm addscale", "b_", "rej s 3 3 -norm=addscale",
         options_for(C::Mean, R::Sigma, 3, 3, N::AdditiveScale), norm_scaled, scaling},
        {"norm mulscale", "b_", "rej s 3 3 -norm=mulscale",
         options_for(C::Mean, R::Sigma, 3, 3, N::MultiplicativeScale), norm_scaled, scaling},
        {"addscale weighted", "b_", "rej s 3 3 -norm=addscale -weighted",
         options_for(C::Mean, R::Sigma, 3, 3, N::AdditiveScale, W::Noise), norm_scaled, scaling},
        {"mul weighted", "b_", "rej s 3 3 -norm=mul -weighted",
         options_for(C::Mean, R::Sigma, 3, 3, N::Multiplicative, W::Noise),
         {3e-4, 0.1, 0.6 / kAdu, 3e-4, 1.0},
         "different weights by design: 1/(m noise)^2 with m = Lref/L here, 1/noise^2 in Siril"},
        {"mul, bright reference", "b_", "rej s 3 3 -norm=mul",
         options_for(C::Mean, R::Sigma, 3, 3, N::Multiplicative, W::None, brightest),
         norm_scaled, rounding + "; samples above 65535 are clamped by Siril"},
    };

    // Another reference frame is given to Siril in a .seq written for it, in a
    // folder of its own: `setref` followed by `stack` sometimes corrupts
    // siril-cli 1.0.6's heap (malloc abort).
    const fs::path dir_ref = root / "reference";
    fs::create_directories(dir_ref);
    std::ostringstream script, script_ref;
    script << "requires 1.0.0\n";
    script_ref << "requires 1.0.0\n";
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const std::size_t reference = cases[i].options.integration.reference;
      (reference == 0 ? script : script_ref)
          << "stack " << cases[i].set << " " << cases[i].siril << " -out=siril_" << i << "\n";
      if (reference == 0) continue;
      Sequence seq;
      seq.name = cases[i].set;
      seq.reference = static_cast<int>(reference);
      for (std::size_t f = 0; f < kFrames; ++f) {
        seq.frames.push_back(SeqFrame{static_cast<int>(f + 1), true, {}, {}});
        fs::copy_file(dir / seq.frame_file_name(f), dir_ref / seq.frame_file_name(f),
                      fs::copy_options::overwrite_existing);
      }
      write_seq(seq_path(dir_ref, seq.name), seq);
    }
    check(run_siril(siril, dir, home, "stack", script.str()) == 0, "siril-cli ran every stack");
    check(run_siril(siril, dir_ref, home, "stack", script_ref.str()) == 0,
          "siril-cli ran the stack with another reference frame");
    for (const auto& entry : fs::directory_iterator(dir_ref))
      if (entry.path().filename().string().starts_with("siril_"))
        fs::rename(entry.path(), dir / entry.path().filename());
    const auto m_lines = read_m_lines(dir / "b_.seq");
    auto percentages = rejection_percentages(dir / "stack.log");
    percentages.merge(rejection_percentages(dir_ref / "stack.log"));

    std::vector<Image> frames_b;
    for (const fs::path& file : set_files(dir, "b_")) frames_b.push_back(read_fits(file));

    std::printf("\nastropack against siril-cli, %zu frames of %zu x %zu, 16-bit; differences in "
                "normalised units (1 ADU = 1.5e-5)\n",
                kFrames, kWidth, kHeight);
    std::printf("%-22s %10s %10s %9s %9s %12s %14s\n", "case", "mean|d|", "max|d|", "tol mean",
                "tol max", "disagree", "clamped (max)");
    bool estimates_shown = false;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      const std::string out_name = "siril_" + std::to_string(i) + ".fit";
      if (!fs::exists(dir / out_name)) {
        check(false, c.name + ": Siril wrote " + out_name);
        continue;
      }
      const Image theirs = read_fits(dir / out_name);
      NoProgress progress;
      const MasterResult ours = make_master(set_files(dir, c.set), c.options, progress);
      const Image& image = ours.integration.image;
      if (image.width() != theirs.width() || image.height() != theirs.height() ||
          image.channels() != theirs.channels()) {
        check(false, c.name + ": same geometry as Siril's stack");
        continue;
      }
      const std::vector<bool> clamped =
          clamped_by_siril(frames_b, ours.integration, c.options.integration);
      const Comparison r = compare(image, theirs, clamped, c.tolerance);
      const double flip_fraction = double(r.flips) / double(std::max<std::size_t>(r.compared, 1));
      std::printf("%-22s %10.3g %10.3g %9.2g %9.2g %5zu (%4.2f%%) %5zu (%7.2g)\n", c.name.c_str(),
                  r.mean, r.max, c.tolerance.mean, c.tolerance.max, r.flips, 100.0 * flip_fraction,
                  r.clamped, r.clamped_max);
      std::printf("%-22s   cause: %s\n", "", c.cause.c_str());
      const double total = double(kFrames * kWidth * kHeight);
      const double our_low = 100.0 * double(ours.integration.rejected_low) / total;
      const double our_high = 100.0 * double(ours.integration.rejected_high) / total;
      const auto theirs_rejected = percentages.find(out_name);
      if (theirs_rejected != percentages.end() && theirs_rejected->second.first >= 0) {
        std::printf("%-22s   rejected low/high: astropack %.3f%% / %.3f%%, Siril %.3f%% / %.3f%%\n",
                    "", our_low, our_high, theirs_rejected->second.first,
                    theirs_rejected->second.second);
        if (c.same_rejection_counts) {
          check(std::fabs(our_low - theirs_rejected->second.first) < 0.0006 &&
                    std::fabs(our_high - theirs_rejected->second.second) < 0.0006,
                c.name + ": the same share of samples rejected low and high as Siril");
        }
      }
      char limits[160];
      std::snprintf(limits, sizeof limits,
                    ": mean %.3g <= %.2g, max %.3g <= %.2g, %zu disagreeing pixels <= %.0f%%",
                    r.mean, c.tolerance.mean, r.max, c.tolerance.max, r.flips,
                    100.0 * c.tolerance.flips);
      check(r.mean <= c.tolerance.mean && r.max <= c.tolerance.max &&
                flip_fraction <= c.tolerance.flips,
            c.name + " agrees with Siril" + limits);
      // Pixels Siril's 16-bit normalisation clamps: few, and none left above 1 by Siril.
      if (r.clamped > 0) {
        check(r.clamped <= kWidth * kHeight / 50,
              c.name + ": " + std::to_string(r.clamped) + " pixels with a clamped sample");
      }
      if (c.options.integration.normalisation != Normalisation::None)
        check(r.siril_clips_at_one, c.name + ": Siril's result is never above 1.0");
      if (c.name == "mul, bright reference") {
        char text[160];
        std::snprintf(text, sizeof text,
                      ": %zu pixel(s) above 1.0 kept by astropack (largest %.4f), clipped by Siril "
                      "(%.4f there)",
                      r.above_one, r.highest, r.siril_at_highest);
        check(r.above_one > 0, c.name + text);
      }

      if (c.set != "b_" || ours.integration.measurements.empty()) continue;
      const auto& m = m_lines;
      if (m.size() != kFrames) {
        check(false, "Siril wrote location and scale for every frame into b_.seq");
        continue;
      }
      if (!estimates_shown) {
        // Siril's IKSS takes its medians from a histogram; astropack's are exact.
        estimates_shown = true;
        double location = 0, scale = 0, noise = 0;
        std::printf("    frame   location (astropack / Siril)   scale              noise  [ADU]\n");
        for (std::size_t f = 0; f < kFrames; ++f) {
          const LocationScale& ls = ours.integration.measurements[f].channels[0];
          const double n = ours.integration.measurements[f].noise[0] * kAdu;
          std::printf("    %5zu   %9.3f / %9.3f   %8.4f / %8.4f   %7.4f / %7.4f\n", f,
                      ls.location * kAdu, m.at(f).location, ls.scale * kAdu, m.at(f).scale, n,
                      m.at(f).bgnoise);
          location = std::max(location, std::fabs(ls.location * kAdu - m.at(f).location));
          scale = std::max(scale, std::fabs(ls.scale * kAdu / m.at(f).scale - 1.0));
          noise = std::max(noise, std::fabs(n / m.at(f).bgnoise - 1.0));
        }
        char text[200];
        std::snprintf(text, sizeof text,
                      "frame estimates: location within %.3g ADU (<= 0.05), scale within %.3g "
                      "(<= 3e-4), noise within %.3g (<= 1e-5) of Siril's",
                      location, scale, noise);
        check(location <= 0.05 && scale <= 3e-4 && noise <= 1e-5, text);
      }
      if (c.options.integration.weighting == Weighting::Noise) {
        const Normalisation how = c.options.integration.normalisation;
        const std::size_t ref = c.options.integration.reference;
        const double siril_rule =
            largest_relative_difference(ours.integration.weights, weights_from(m, how, ref, false));
        const double our_rule =
            largest_relative_difference(ours.integration.weights, weights_from(m, how, ref, true));
        char text[200];
        std::snprintf(text, sizeof text,
                      ": weights within %.3g of 1/(m noise)^2 on Siril's statistics (<= 5e-4); "
                      "%.3g from Siril's 1/(s noise)^2",
                      our_rule, siril_rule);
        check(our_rule <= 5e-4, c.name + text);
        if (how == Normalisation::Multiplicative) {
          check(siril_rule > 0.01, c.name + ": the weights differ from Siril's as documented");
        } else {
          check(siril_rule <= 5e-4, c.name + ": the weights are Siril's");
        }
      }
    }
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
