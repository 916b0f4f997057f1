// SPDX-License-Identifier: GPL-3.0-or-later
// Star detection and the background mesh, scored against the simulator's star list.
#include <cmath>
#include <fstream>
#include <sstream>

#include "astropack/fits.hpp"
#include "astropack/simulate.hpp"
#include "astropack/star_detection.hpp"
#include "astropack/statistics.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

// Made lazily inside each case: OpenMP must not run in the parent before the fork.
const fs::path& session() {
  static const fs::path folder = [] {
    fs::path f = test::scratch_folder("stars-session");
    NoProgress progress;
    simulate_session(f, SimulationOptions{}, progress);
    return f;
  }();
  return folder;
}

struct TruthStar {
  double x = 0, y = 0, flux = 0, fwhm = 0, peak = 0;
  bool saturated = false;
};

std::vector<TruthStar> truth_stars() {
  std::ifstream in(session() / "truth" / "stars.csv");
  std::string line;
  std::getline(in, line);
  std::vector<TruthStar> stars;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    std::vector<double> v;
    while (std::getline(ss, cell, ',')) v.push_back(std::stod(cell));
    stars.push_back({v[1], v[2], v[3], v[4], v[5], v[6] != 0});
  }
  return stars;
}

fs::path light(int number) {
  char name[80];
  std::snprintf(name, sizeof name, "Light_SimNebula_120s_Bin1_L_gain100_-10C_%04d.fit", number);
  return session() / "lights" / name;
}

double nearest(const std::vector<DetectedStar>& stars, double x, double y,
               const DetectedStar** found = nullptr) {
  double best = 1e30;
  for (const DetectedStar& s : stars) {
    const double d = std::hypot(s.x - x, s.y - y);
    if (d < best) {
      best = d;
      if (found) *found = &s;
    }
  }
  return best;
}

}  // namespace

START_TEST(background_mesh_follows_a_gradient_and_measures_noise) {
  // A plane with Gaussian-like noise from a fixed generator and a few bright spots.
  Image image(300, 200, 1);
  std::uint64_t state = 12345;
  auto uniform = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return double((state >> 11) & ((1ULL << 53) - 1)) / double(1ULL << 53);
  };
  for (std::size_t y = 0; y < 200; ++y)
    for (std::size_t x = 0; x < 300; ++x) {
      const double gauss = std::sqrt(-2 * std::log(1 - uniform())) * std::cos(6.283185 * uniform());
      image.at(0, y, x) = float(0.1 + 0.0001 * double(x) + 0.00005 * double(y) + 0.01 * gauss);
    }
  for (int k = 0; k < 30; ++k) image.at(0, std::size_t(7 + 6 * k), std::size_t(9 + 9 * k)) = 0.9f;
  const BackgroundMesh mesh = estimate_background(image.view(), {});
  ck_assert_uint_eq(mesh.columns(), 5);
  ck_assert_uint_eq(mesh.rows(), 3);
  for (double x : {40.0, 150.0, 250.0})
    for (double y : {40.0, 100.0, 160.0}) {
      const double expected = 0.1 + 0.0001 * x + 0.00005 * y;
      // About 1000 samples per tile: the median's own error is 0.0004 (1 sigma).
      ck_assert_msg(std::fabs(mesh.level_at(x, y) - expected) < 0.0012, "level %g vs %g at %g,%g",
                    double(mesh.level_at(x, y)), expected, x, y);
    }
  // A row at a time gives the same values as one pixel at a time.
  std::vector<float> level(300), noise_row(300);
  for (std::size_t y : {0, 57, 100, 199}) {
    mesh.level_row(y, level.data());
    mesh.noise_row(y, noise_row.data());
    for (std::size_t x = 0; x < 300; ++x) {
      ck_assert_msg(std::fabs(level[x] - mesh.level_at(double(x), double(y))) < 1e-6,
                    "level row %zu, x %zu", y, x);
      ck_assert(std::fabs(noise_row[x] - mesh.noise_at(double(x), double(y))) < 1e-7);
    }
  }
  // Tile noise includes the small gradient inside a tile (0.006 / sqrt 12 across 60 px).
  const double noise = mesh.median_noise();
  ck_assert_msg(noise > 0.0097 && noise < 0.0108, "noise %g", noise);
}
END_TEST

START_TEST(flat_image_has_no_stars_and_hot_pixels_are_not_stars) {
  Image image(200, 150, 1, 0.2f);
  std::uint64_t state = 99;
  for (float& v : image.samples()) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v += float(double(state >> 40) / double(1ULL << 24) - 0.5) * 0.02f;  // uniform noise
  }
  const StarDetection empty = detect_stars(image.view());
  ck_assert_uint_eq(empty.stars.size(), 0);
  for (int k = 0; k < 10; ++k) image.at(0, std::size_t(20 + 10 * k), std::size_t(30 + 12 * k)) = 0.8f;
  // One real star, Gaussian FWHM 3.
  for (std::size_t y = 0; y < 150; ++y)
    for (std::size_t x = 0; x < 200; ++x) {
      const double r2 = (double(x) - 150.3) * (double(x) - 150.3) + (double(y) - 40.6) * (double(y) - 40.6);
      image.at(0, y, x) += float(0.3 * std::exp(-r2 / (2 * 1.274 * 1.274)));
    }
  const StarDetection found = detect_stars(image.view());
  ck_assert_uint_eq(found.stars.size(), 1);
  ck_assert_uint_eq(found.rejected_defects, 10);
  ck_assert_msg(std::fabs(found.stars[0].x - 150.3) < 0.05, "x %g", found.stars[0].x);
  ck_assert_msg(std::fabs(found.stars[0].y - 40.6) < 0.05, "y %g", found.stars[0].y);
  ck_assert(!found.stars[0].saturated);
}
END_TEST

START_TEST(close_pairs_are_deblended_and_edges_dropped) {
  Image image(120, 100, 1, 0.1f);
  auto add = [&image](double cx, double cy, double amplitude) {
    for (std::size_t y = 0; y < 100; ++y)
      for (std::size_t x = 0; x < 120; ++x) {
        const double r2 = (double(x) - cx) * (double(x) - cx) + (double(y) - cy) * (double(y) - cy);
        image.at(0, y, x) += float(amplitude * std::exp(-r2 / (2 * 1.274 * 1.274)));
      }
  };
  add(50, 50, 0.3);
  add(56, 50, 0.2);   // 2 FWHM apart: two stars
  add(80, 30, 0.3);   // one star, no companion
  add(1.5, 60, 0.3);  // at the edge
  // A little noise so the mesh has a sigma.
  std::uint64_t state = 7;
  for (float& v : image.samples()) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v += float(double(state >> 40) / double(1ULL << 24) - 0.5) * 0.002f;
  }
  const StarDetection found = detect_stars(image.view());
  ck_assert_uint_eq(found.stars.size(), 3);
  ck_assert_uint_ge(found.rejected_edge, 1);
  ck_assert(nearest(found.stars, 50, 50) < 0.5);
  ck_assert(nearest(found.stars, 56, 50) < 0.5);
  ck_assert(nearest(found.stars, 80, 30) < 0.1);
}
END_TEST

START_TEST(simulated_light_stars_found_within_a_third_of_a_pixel) {
  const Image frame = read_fits(light(1));
  const StarDetection found = detect_stars(frame.view());
  const double noise = found.background.median_noise() * 65535.0;  // ADU
  std::size_t eligible = 0, matched = 0, saturated_flagged = 0, saturated_total = 0;
  double worst = 0;
  const double margin = 6.5;
  const std::vector<TruthStar> truth = truth_stars();
  for (const TruthStar& t : truth) {
    // Blends: a neighbour at least half as bright within 2 FWHM makes one peak.
    bool blended = false;
    for (const TruthStar& o : truth)
      if (&o != &t && o.flux >= 0.5 * t.flux && std::hypot(o.x - t.x, o.y - t.y) < 2 * t.fwhm)
        blended = true;
    if (blended) continue;
    if (t.x < margin || t.y < margin || t.x > double(frame.width()) - 1 - margin ||
        t.y > double(frame.height()) - 1 - margin)
      continue;
    // SNR of the star: flux over its photon noise (2 ADU^2 per ADU at 0.5 e-/ADU) and the
    // background noise in the area of an optimal aperture.
    const double sigma = t.fwhm / 2.3548;
    const double snr = t.flux / std::sqrt(2 * t.flux + 4 * M_PI * sigma * sigma * noise * noise);
    if (snr < 10) continue;
    ++eligible;
    const DetectedStar* s = nullptr;
    const double d = nearest(found.stars, t.x, t.y, &s);
    if (d < 0.3) {
      ++matched;
      if (!t.saturated) worst = std::max(worst, d);
    }
    if (t.saturated) {
      ++saturated_total;
      if (d < 1.0 && s->saturated) ++saturated_flagged;
    }
  }
  // False detections: nothing in the truth list (at any brightness) within 1.5 px.
  std::vector<DetectedStar> truth_as_detected;
  for (const TruthStar& t : truth_stars()) truth_as_detected.push_back({t.x, t.y});
  std::size_t spurious = 0;
  for (const DetectedStar& s : found.stars)
    if (nearest(truth_as_detected, s.x, s.y) > 1.5) ++spurious;
  std::printf("# %zu eligible, %zu matched within 0.3 px (worst unsaturated %.3f px), "
              "%zu detections, %zu spurious, %zu/%zu saturated flagged, %zu defects\n",
              eligible, matched, worst, found.stars.size(), spurious, saturated_flagged,
              saturated_total, found.rejected_defects);
  ck_assert_uint_ge(eligible, 50);
  ck_assert_msg(double(matched) >= 0.95 * double(eligible), "%zu of %zu", matched, eligible);
  ck_assert_msg(double(spurious) < 0.02 * double(found.stars.size()) + 0.5, "%zu spurious",
                spurious);
  ck_assert_uint_eq(saturated_flagged, saturated_total);
}
END_TEST

int main() {
  Suite* suite = suite_create("stars");
  TCase* synthetic = tcase_create("synthetic");
  ADD_TEST(synthetic, background_mesh_follows_a_gradient_and_measures_noise);
  ADD_TEST(synthetic, flat_image_has_no_stars_and_hot_pixels_are_not_stars);
  ADD_TEST(synthetic, close_pairs_are_deblended_and_edges_dropped);
  suite_add_tcase(suite, synthetic);
  TCase* science = tcase_create("science");
  tcase_set_timeout(science, 120);
  ADD_TEST(science, simulated_light_stars_found_within_a_third_of_a_pixel);
  suite_add_tcase(suite, science);
  return astropack::test::run_suite(suite);
}
