// SPDX-License-Identifier: GPL-3.0-or-later
// Cosmetic correction: the dark's defect map against its definition, the
// per-frame detector on planted defects beside stars, and the simulated
// sessions' hot pixels removed without touching star cores.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "astropack/cosmetic_correction.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/light_calibration.hpp"
#include "calibration_fixture.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

// Gaussian noise from a fixed linear congruential stream (Box-Muller).
class Noise {
 public:
  explicit Noise(unsigned seed) : m_state(seed * 747796405u + 2891336453u) {}
  double uniform() {
    m_state = m_state * 6364136223846793005ull + 1442695040888963407ull;
    return ((m_state >> 11) + 0.5) / 9007199254740992.0;
  }
  double normal() {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  }

 private:
  unsigned long long m_state;
};

constexpr double kSky = 0.02, kSigma = 0.0005;

struct Scene {
  Image image;
  std::vector<std::pair<std::size_t, std::size_t>> hot, cold, stars;  // (x, y)
};

// A noisy sky with Gaussian stars (FWHM 2.6 px, peaks 8 to 400 sigma, centred off-pixel)
// and isolated hot (10 to 2000 sigma) and cold pixels. On a CFA scene the colours of
// an RGGB mosaic scale the stars by 1.3 / 1 / 0.6.
Scene make_scene(bool cfa, unsigned seed) {
  const std::size_t w = 200, h = 150;
  Scene s;
  s.image = Image(w, h, 1);
  Noise noise(seed);
  std::vector<double> truth(w * h, kSky);
  const double sigma_psf = 2.6 / 2.3548;
  for (int i = 0; i < 40; ++i) {
    const double cx = 8 + noise.uniform() * (w - 16), cy = 8 + noise.uniform() * (h - 16);
    const double peak = kSigma * (8.0 + 392.0 * std::pow(noise.uniform(), 3));
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        const double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        if (r2 > 100) continue;
        double colour = 1.0;
        if (cfa) colour = (y % 2 == 0 && x % 2 == 0) ? 1.3 : (y % 2 == 1 && x % 2 == 1) ? 0.6 : 1.0;
        truth[y * w + x] += colour * peak * std::exp(-r2 / (2 * sigma_psf * sigma_psf));
      }
    s.stars.push_back({static_cast<std::size_t>(std::lround(cx)),
                       static_cast<std::size_t>(std::lround(cy))});
  }
  for (std::size_t i = 0; i < w * h; ++i)
    s.image.samples()[i] = static_cast<float>(truth[i] + kSigma * noise.normal());
  auto far_from_stars = [&](std::size_t x, std::size_t y) {
    for (const auto& [sx, sy] : s.stars)
      if (std::abs(long(sx) - long(x)) < 6 && std::abs(long(sy) - long(y)) < 6) return false;
    return true;
  };
  while (s.hot.size() < 30 || s.cold.size() < 10) {
    const std::size_t x = 4 + static_cast<std::size_t>(noise.uniform() * (w - 8));
    const std::size_t y = 4 + static_cast<std::size_t>(noise.uniform() * (h - 8));
    if (!far_from_stars(x, y)) continue;
    bool near_defect = false;
    for (const auto& p : s.hot) near_defect |= std::abs(long(p.first) - long(x)) < 4 && std::abs(long(p.second) - long(y)) < 4;
    for (const auto& p : s.cold) near_defect |= std::abs(long(p.first) - long(x)) < 4 && std::abs(long(p.second) - long(y)) < 4;
    if (near_defect) continue;
    if (s.hot.size() < 30) {
      s.image.at(0, y, x) += static_cast<float>(kSigma * (10.0 + 1990.0 * std::pow(noise.uniform(), 2)));
      s.hot.push_back({x, y});
    } else {
      s.image.at(0, y, x) -= static_cast<float>(kSigma * (10.0 + 20.0 * noise.uniform()));
      s.cold.push_back({x, y});
    }
  }
  return s;
}

std::set<std::pair<std::size_t, std::size_t>> positions(const CosmeticResult& r) {
  std::set<std::pair<std::size_t, std::size_t>> p;
  for (const PixelDefect& d : r.corrected) p.insert({d.x, d.y});
  return p;
}

void check_scene(bool cfa) {
  for (unsigned seed = 1; seed <= 3; ++seed) {
    Scene s = make_scene(cfa, seed);
    const Image before = s.image;
    const CosmeticResult r = cosmetic_correction(s.image.view(), cfa, nullptr);
    const auto fixed = positions(r);
    for (const auto& p : s.hot) {
      ck_assert_msg(fixed.count(p), "seed %u: hot pixel at %zu,%zu missed", seed, p.first, p.second);
      ck_assert_float_eq_tol(s.image.at(0, p.second, p.first), kSky, 5 * kSigma);
    }
    for (const auto& p : s.cold) {
      ck_assert_msg(fixed.count(p), "seed %u: cold pixel at %zu,%zu missed", seed, p.first, p.second);
      ck_assert_float_eq_tol(s.image.at(0, p.second, p.first), kSky, 5 * kSigma);
    }
    // No pixel within 2 of a star centre is touched.
    for (const auto& [sx, sy] : s.stars)
      for (const auto& [x, y] : fixed)
        ck_assert_msg(std::abs(long(x) - long(sx)) > 2 || std::abs(long(y) - long(sy)) > 2,
                      "seed %u: star at %zu,%zu damaged at %zu,%zu", seed, sx, sy, x, y);
    // Few false alarms in 30000 noise pixels, and every other pixel is unchanged.
    const std::size_t false_alarms = fixed.size() - s.hot.size() - s.cold.size();
    ck_assert_msg(false_alarms <= 3, "seed %u: %zu false alarms", seed, false_alarms);
    ck_assert_uint_eq(r.hot_detected + r.cold_detected, fixed.size());
    std::size_t changed = 0;
    for (std::size_t i = 0; i < before.samples().size(); ++i)
      if (before.samples()[i] != s.image.samples()[i]) ++changed;
    ck_assert_uint_le(changed, fixed.size());
  }
}

}  // namespace

START_TEST(detector_finds_planted_defects_and_spares_mono_stars) { check_scene(false); }
END_TEST

START_TEST(detector_finds_planted_defects_and_spares_cfa_stars) { check_scene(true); }
END_TEST

START_TEST(dark_map_follows_median_plus_k_sigma) {
  Noise noise(9);
  Image dark(60, 40, 1);
  for (float& v : dark.samples()) v = static_cast<float>(0.01 + 0.0002 * noise.normal());
  dark.at(0, 3, 4) = 0.5f;
  dark.at(0, 30, 50) = 0.2f;
  dark.at(0, 10, 10) = 0.0f;  // no data: left out of the statistics
  dark.at(0, 20, 20) = 0.001f;
  // Independent: median and population sigma of the non-zero pixels.
  std::vector<double> v;
  for (float x : dark.samples())
    if (x != 0.0f) v.push_back(x);
  double mean = 0;
  for (double x : v) mean += x;
  mean /= double(v.size());
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  const double sigma = std::sqrt(var / double(v.size()));
  std::sort(v.begin(), v.end());
  const double median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  // Every pixel is classified, a 0 too: it is at or below max(0, m - k sigma) = 0.
  auto independent = [&](double k_hot, double k_cold) {
    std::pair<std::size_t, std::size_t> counts{0, 0};
    for (float x : dark.samples()) {
      if (k_hot > 0 && x >= median + k_hot * sigma) ++counts.first;
      else if (k_cold > 0 && x <= std::max(0.0, median - k_cold * sigma)) ++counts.second;
    }
    return counts;
  };
  DarkDefectParams params;
  for (const auto& [k_hot, k_cold] : {std::pair{3.0, 3.0}, std::pair{1.0, 1.0},
                                      std::pair{0.0, 1.5}, std::pair{2.0, 0.0}}) {
    params.hot_sigma = k_hot;
    params.cold_sigma = k_cold;
    const DefectMap map = find_dark_defects(dark.view(), params);
    ck_assert_double_eq_tol(map.median, median, 1e-9);
    ck_assert_double_eq_tol(map.sigma, sigma, 1e-9);
    const auto [hot, cold] = independent(k_hot, k_cold);
    ck_assert_uint_eq(map.hot_count(), hot);
    ck_assert_uint_eq(map.cold_count(), cold);
    if (k_hot > 0) ck_assert_uint_ge(hot, 2);
    // The hot pixels' own spread makes sigma large: only the 0 is cold, not 0.001.
    if (k_cold > 0) ck_assert_uint_eq(cold, 1);
  }
  params.hot_sigma = 0.5;
  bool thrown = false;
  try {
    find_dark_defects(dark.view(), params);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(map_pixels_take_the_median_of_clean_same_colour_neighbours) {
  Image image(10, 10, 1);
  for (std::size_t y = 0; y < 10; ++y)
    for (std::size_t x = 0; x < 10; ++x) image.at(0, y, x) = static_cast<float>(y * 10 + x);
  DefectMap map;
  map.width = map.height = 10;
  map.pixels = {{4, 4, DefectKind::Hot, 0}, {6, 4, DefectKind::Hot, 0}};
  CosmeticParams params;
  params.detect = false;
  Image mono = image;
  CosmeticResult r = cosmetic_correction(mono.view(), false, &map, params);
  ck_assert_uint_eq(r.hot_from_map, 2);
  // (4,4): neighbours 33 34 35 43 45 53 54 55 -> median 44.
  ck_assert_float_eq(mono.at(0, 4, 4), 44.0f);
  Image cfa = image;
  r = cosmetic_correction(cfa.view(), true, &map, params);
  // (4,4) on CFA: 22 24 26 42 [46 is the other defect] 62 64 66 -> median of 7 = 42.
  ck_assert_float_eq(cfa.at(0, 4, 4), 42.0f);
  ck_assert_uint_eq(r.corrected.size(), 2);
  map.width = 11;
  bool thrown = false;
  try {
    cosmetic_correction(cfa.view(), true, &map, params);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(thread_count_does_not_change_the_result) {
#ifdef _OPENMP
  Scene s = make_scene(true, 5);
  Image big(800, 600, 1);
  for (std::size_t y = 0; y < 600; ++y)
    for (std::size_t x = 0; x < 800; ++x) big.at(0, y, x) = s.image.at(0, y % 150, x % 200);
  Image a = big, b = big;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const CosmeticResult ra = cosmetic_correction(a.view(), true, nullptr);
  omp_set_num_threads(std::max(threads, 3));
  const CosmeticResult rb = cosmetic_correction(b.view(), true, nullptr);
  omp_set_num_threads(threads);
  ck_assert(a.samples() == b.samples());
  ck_assert_uint_eq(ra.corrected.size(), rb.corrected.size());
  ck_assert_uint_gt(ra.corrected.size(), 100);
#endif
}
END_TEST

namespace {

struct SessionScore {
  std::size_t hot = 0, removed = 0, damaged_stars = 0, checked_stars = 0, false_alarms = 0;
};

// Calibrates light 1 of a simulated session (with or without the dark), corrects it and
// scores the planted hot pixels and the star cores against the truth.
SessionScore score_session(SimulationPreset preset, bool with_dark) {
  const fs::path session = test::simulated_session(preset);
  const Image bias = read_fits(session / "truth" / "master_bias.fit");
  const Image dark = read_fits(session / "truth" / "master_dark_120s.fit");
  const Image flat = read_fits(session / "truth" / "master_flat.fit");
  const Image sky = read_fits(session / "truth" / "sky.fit");
  const fs::path light_file = test::light_files(session).front();
  const Image light = read_fits(light_file);
  CalibrationMasters m;
  m.bias = MasterFrame{bias, "bias.fit"};
  if (with_dark) m.dark = MasterFrame{dark, "dark.fit"};
  m.flat = MasterFrame{flat, "flat.fit"};
  const PreparedCalibration p = prepare_calibration(std::move(m), {});
  Image cal = calibrate_light(light, light_file, p).image;
  const bool cfa = preset == SimulationPreset::Osc;
  const DefectMap map = find_dark_defects(dark.view());
  const CosmeticResult r = cosmetic_correction(cal.view(), cfa, with_dark ? &map : nullptr);
  const auto fixed = positions(r);

  const SimulatedCamera cam = simulation_plan({}).camera;
  const double g = cam.electrons_per_adu, read = cam.read_noise_e / g;
  auto sigma_of_sky = [&](std::size_t i) {  // a normal pixel's noise there, normalised
    const double e = std::max(0.0, sky.samples()[i] * 65535.0 * flat.samples()[i] * g);
    return std::sqrt(e / (g * g) + read * read) / flat.samples()[i] / 65535.0;
  };
  SessionScore s;
  std::set<std::pair<std::size_t, std::size_t>> planted;
  for (const test::PlantedPixel& px : test::planted_pixels(session)) {
    planted.insert({px.x, px.y});
    if (!px.hot) continue;
    ++s.hot;
    const std::size_t i = px.y * cal.width() + px.x;
    double expected = sky.samples()[i];
    if (!with_dark) {
      // The light keeps its dark current and glow: add the neighbours' thermal level.
      std::vector<double> around;
      const long step = cfa ? 2 : 1;
      for (long dy = -step; dy <= step; dy += step)
        for (long dx = -step; dx <= step; dx += step) {
          const long x = long(px.x) + dx, y = long(px.y) + dy;
          if ((dx == 0 && dy == 0) || x < 0 || y < 0 || x >= long(cal.width()) ||
              y >= long(cal.height()))
            continue;
          const std::size_t j = std::size_t(y) * cal.width() + std::size_t(x);
          around.push_back(double(dark.samples()[j]) - double(bias.samples()[j]));
        }
      std::sort(around.begin(), around.end());
      expected += around[around.size() / 2] / flat.samples()[i];
    }
    const double residual = cal.samples()[i] / p.flat_mean() - expected;
    if (std::fabs(residual) < 5 * sigma_of_sky(i)) ++s.removed;
    else std::printf("# hot pixel %zu,%zu left: %.1f ADU\n", px.x, px.y, residual * 65535);
    std::fflush(stdout);
  }
  std::set<std::pair<std::size_t, std::size_t>> hits;
  for (const auto& row : test::read_csv(session / "truth" / "cosmic_rays.csv"))
    if (row[0] == "lights/" + light_file.filename().string())
      hits.insert({std::stoul(row[2]), std::stoul(row[3])});
  for (const auto& px : fixed)
    if (!planted.count(px) && !hits.count(px)) ++s.false_alarms;
  for (const test::TruthStar& star : test::truth_stars(session)) {
    const long cx = std::lround(star.x), cy = std::lround(star.y);
    if (cx < 3 || cy < 3 || cx >= long(cal.width()) - 3 || cy >= long(cal.height()) - 3) continue;
    const std::size_t i = std::size_t(cy) * cal.width() + std::size_t(cx);
    if (star.peak / 65535.0 < 5 * sigma_of_sky(i)) continue;  // lost in the noise
    ++s.checked_stars;
    for (long dy = -1; dy <= 1; ++dy)
      for (long dx = -1; dx <= 1; ++dx) {
        const std::pair<std::size_t, std::size_t> px{std::size_t(cx + dx), std::size_t(cy + dy)};
        if (fixed.count(px) && !planted.count(px) && !hits.count(px)) {
          ++s.damaged_stars;
          std::printf("# star at %.1f,%.1f (peak %.0f ADU) touched at %zu,%zu\n", star.x, star.y,
                      star.peak, px.first, px.second);
        }
      }
  }
  std::printf("# %s %s: %zu of %zu hot pixels removed, %zu stars checked, %zu damaged, "
              "%zu other pixels corrected (%s)\n",
              std::string(to_string(preset)).c_str(), with_dark ? "with dark" : "without dark",
              s.removed, s.hot, s.checked_stars, s.damaged_stars, s.false_alarms,
              describe(r).c_str());
  return s;
}

void check_session(SimulationPreset preset, bool with_dark) {
  const SessionScore s = score_session(preset, with_dark);
  ck_assert_uint_gt(s.hot, 10);
  ck_assert_msg(s.removed >= 0.99 * double(s.hot), "%zu of %zu hot pixels removed", s.removed, s.hot);
  ck_assert_uint_gt(s.checked_stars, 20);
  ck_assert_uint_eq(s.damaged_stars, 0);
  ck_assert_uint_le(s.false_alarms, 15);
}

}  // namespace

START_TEST(mono_hot_pixels_go_with_the_dark_map) { check_session(SimulationPreset::Small, true); }
END_TEST

START_TEST(mono_hot_pixels_go_without_a_dark) { check_session(SimulationPreset::Small, false); }
END_TEST

START_TEST(osc_hot_pixels_go_with_the_dark_map) { check_session(SimulationPreset::Osc, true); }
END_TEST

START_TEST(osc_hot_pixels_go_without_a_dark) { check_session(SimulationPreset::Osc, false); }
END_TEST

int main() {
  Suite* suite = suite_create("cosmetic");
  TCase* rules = tcase_create("rules");
  ADD_TEST(rules, detector_finds_planted_defects_and_spares_mono_stars);
  ADD_TEST(rules, detector_finds_planted_defects_and_spares_cfa_stars);
  ADD_TEST(rules, dark_map_follows_median_plus_k_sigma);
  ADD_TEST(rules, map_pixels_take_the_median_of_clean_same_colour_neighbours);
  ADD_TEST(rules, thread_count_does_not_change_the_result);
  suite_add_tcase(suite, rules);
  TCase* science = tcase_create("science");
  tcase_set_timeout(science, 240);
  ADD_TEST(science, mono_hot_pixels_go_with_the_dark_map);
  ADD_TEST(science, mono_hot_pixels_go_without_a_dark);
  ADD_TEST(science, osc_hot_pixels_go_with_the_dark_map);
  ADD_TEST(science, osc_hot_pixels_go_without_a_dark);
  suite_add_tcase(suite, science);
  const int status = astropack::test::run_suite(suite);
  astropack::test::remove_sessions();
  return status;
}
