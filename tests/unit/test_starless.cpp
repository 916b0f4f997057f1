// SPDX-License-Identifier: GPL-3.0-or-later
// Star separation and harmonic inpainting: exact cases (a plane through a hole),
// synthetic stars on a nebula, the screen-inverse stars layer, and the simulated
// session, where the simulator's sky model gives the image without stars.
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../../common/simulate/frame_transforms.hpp"
#include "../../common/simulate/sky_model.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/inpaint.hpp"
#include "astropack/simulate.hpp"
#include "astropack/star_separation.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

template <typename Fn>
bool throws_invalid_argument(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind() == ErrorKind::InvalidArgument;
  }
  return false;
}

// A smooth nebula, Gaussian stars (sigma 1.3 px) and noise.
struct Scene {
  Image image, nebula;
  std::vector<std::array<double, 3>> stars;  // x, y, peak
};

Scene make_scene(std::size_t channels, double noise) {
  const std::size_t w = 160, h = 120;
  Scene s;
  s.image = Image(w, h, channels);
  s.nebula = Image(w, h, channels);
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> g(0.0, 1.0);
  for (int i = 0; i < 25; ++i)
    s.stars.push_back({8 + u(rng) * (w - 16), 8 + u(rng) * (h - 16), 0.02 + 0.6 * u(rng) * u(rng)});
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        const double neb =
            0.05 + 0.0003 * x +
            0.04 * (1.0 + 0.2 * c) *
                std::exp(-((x - 70.0) * (x - 70.0) + (y - 60.0) * (y - 60.0)) / 800.0);
        double v = neb;
        for (const auto& st : s.stars) {
          const double d2 = (x - st[0]) * (x - st[0]) + (y - st[1]) * (y - st[1]);
          if (d2 < 400) v += st[2] * std::exp(-d2 / (2 * 1.3 * 1.3));
        }
        s.nebula.at(c, y, x) = static_cast<float>(neb);
        s.image.at(c, y, x) = static_cast<float>(v + noise * g(rng));
      }
  return s;
}

}  // namespace

START_TEST(inpainting_continues_a_plane) {
  const std::size_t w = 60, h = 40;
  Image image(w, h, 3);
  auto plane = [](std::size_t c, double x, double y) {
    return 0.1 + 0.01 * c + 0.002 * x - 0.003 * y;
  };
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) image.at(c, y, x) = float(plane(c, double(x), double(y)));
  std::vector<std::uint8_t> mask(w * h, 0);
  for (std::size_t y = 10; y < 30; ++y)
    for (std::size_t x = 15; x < 45; ++x) {
      mask[y * w + x] = 1;
      image.at(0, y, x) = 5.0f;  // garbage to be replaced
      image.at(1, y, x) = -5.0f;
      image.at(2, y, x) = NAN;
    }
  image.at(0, 5, 5) = NAN;  // not a boundary value, left as it is
  const InpaintResult r = inpaint_harmonic(image.view(), mask);
  ck_assert(r.iterations >= 1);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 10; y < 30; ++y)
      for (std::size_t x = 15; x < 45; ++x)
        ck_assert_double_eq_tol(image.at(c, y, x), plane(c, double(x), double(y)), 2e-5);
  ck_assert(std::isnan(image.at(0, 5, 5)));
  std::vector<std::uint8_t> all(w * h, 1);
  ck_assert(throws_invalid_argument([&] { inpaint_harmonic(image.view(), all); }));
  std::vector<std::uint8_t> wrong(10, 0);
  ck_assert(throws_invalid_argument([&] { inpaint_harmonic(image.view(), wrong); }));
}
END_TEST

START_TEST(stars_are_removed_from_a_nebula) {
  for (std::size_t channels : {1u, 3u}) {
    const Scene s = make_scene(channels, 0.001);
    NoProgress quiet;
    const StarSeparationResult r = separate_stars(s.image.view(), StarSeparationParams{}, quiet);
    ck_assert_uint_eq(r.starless.channels(), channels);
    ck_assert_msg(r.found.size() >= 18 && r.found.size() <= 30, "%zu stars found", r.found.size());
    // Every star peak is gone: the starless image is within a few noise sigmas of
    // the nebula there.
    for (const auto& st : s.stars) {
      const std::size_t x = std::size_t(std::lround(st[0])), y = std::size_t(std::lround(st[1]));
      if (st[2] < 0.01) continue;
      for (std::size_t c = 0; c < channels; ++c)
        // 4 sigmas of noise, and 5 % for the nebula's curvature: a harmonic fill has
        // no maximum inside the hole, so on the crest of the nebula it runs low.
        ck_assert_msg(std::fabs(r.starless.at(c, y, x) - s.nebula.at(c, y, x)) <
                          0.004 + 0.05 * s.nebula.at(c, y, x),
                      "star at %g, %g (peak %g): starless %g, nebula %g", st[0], st[1], st[2],
                      r.starless.at(c, y, x), s.nebula.at(c, y, x));
    }
    // Stars = image - starless exactly; outside the mask the image is untouched.
    for (std::size_t i = 0; i < r.mask.size(); i += 7) {
      const std::size_t x = i % 160, y = i / 160;
      ck_assert_float_eq(r.stars.at(0, y, x), s.image.at(0, y, x) - r.starless.at(0, y, x));
      if (!r.mask[i]) ck_assert_float_eq(r.starless.at(0, y, x), s.image.at(0, y, x));
    }
  }
}
END_TEST

START_TEST(screen_inverse_stars_layer_rebuilds_the_image) {
  const Scene s = make_scene(3, 0.001);
  StarSeparationParams p;
  p.stars_layer = StarsLayer::ScreenInverse;
  NoProgress quiet;
  const StarSeparationResult r = separate_stars(s.image.view(), p, quiet);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 120; y += 3)
      for (std::size_t x = 0; x < 160; x += 3) {
        const double a = r.starless.at(c, y, x), b = r.stars.at(c, y, x);
        ck_assert_double_eq_tol(1 - (1 - a) * (1 - b), s.image.at(c, y, x), 1e-5);
      }
  StarSeparationParams bad;
  bad.min_peak = 2.0;  // below the detection threshold
  ck_assert(throws_invalid_argument([&] { bad.validate(); }));
  bad = StarSeparationParams{};
  bad.mask_growth = 0.5;
  ck_assert(throws_invalid_argument([&] { bad.validate(); }));
}
END_TEST

START_TEST(result_does_not_depend_on_the_thread_count) {
  const Scene s = make_scene(3, 0.001);
  NoProgress quiet;
  omp_set_num_threads(1);
  const StarSeparationResult one = separate_stars(s.image.view(), StarSeparationParams{}, quiet);
  omp_set_num_threads(3);
  const StarSeparationResult three = separate_stars(s.image.view(), StarSeparationParams{}, quiet);
  ck_assert(one.mask == three.mask);
  ck_assert(one.starless.samples() == three.starless.samples());
}
END_TEST

// The simulated session's truth/sky.fit with Gaussian noise of 5e-4 (normalised
// units; a single light has 8e-4, the stack of the ten lights about 2.6e-4). The simulator's sky
// model gives the same sky without stars, so both scores are exact:
// - star flux left in the starless image, summed over 8-pixel apertures on the
//   stars of truth/stars.csv, against their flux: at most 5 %;
// - nebula pixels (nebula at least 10 % of its peak): mean change against the image
//   without its stars, under 2 %.
START_TEST(simulated_session_stars_are_separated) {
  const fs::path folder = test::scratch_folder("starless");
  SimulationOptions options;
  NoProgress quiet;
  simulate_session(folder, options, quiet);
  const Image sky = read_fits(folder / "truth" / "sky.fit");
  const SimulationPlan plan = simulation_plan(options);
  const simulate::SkyModel model(
      plan,
      simulate::dither_reach(plan.max_dither_px, plan.max_rotation_deg, plan.width, plan.height));
  const double k = plan.light_exposure_s / plan.camera.electrons_per_adu / 65535.0;
  const std::size_t w = sky.width(), h = sky.height();
  Image without_stars(w, h, 1), image = sky;
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 5e-4);
  double nebula_peak = 0.0;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      without_stars.at(0, y, x) = static_cast<float>(
          k * (model.background(0, double(x), double(y)) + model.nebula(0, double(x), double(y))));
      nebula_peak = std::max(nebula_peak, k * model.nebula(0, double(x), double(y)));
      image.at(0, y, x) += static_cast<float>(noise(rng));
    }
  // Sanity of the truth: the sky minus the model is star light only.
  ck_assert_double_eq_tol(sky.at(0, 0, 0), without_stars.at(0, 0, 0), 2e-4);

  const StarSeparationResult r = separate_stars(image.view(), StarSeparationParams{}, quiet);
  // What a perfect separation leaves: the noisy image minus its stars.
  auto reference = [&](std::size_t x, std::size_t y) {
    return double(image.at(0, y, x)) - (double(sky.at(0, y, x)) - without_stars.at(0, y, x));
  };

  std::ifstream csv(folder / "truth" / "stars.csv");
  std::string line;
  std::getline(csv, line);
  std::vector<std::uint8_t> counted(w * h, 0);
  double star_flux = 0.0, left = 0.0;
  int stars = 0;
  while (std::getline(csv, line)) {
    std::stringstream fields(line);
    std::string id, xs, ys;
    std::getline(fields, id, ',');
    std::getline(fields, xs, ',');
    std::getline(fields, ys, ',');
    const double sx = std::stod(xs), sy = std::stod(ys);
    if (sx < 0 || sy < 0 || sx > w - 1.0 || sy > h - 1.0) continue;
    ++stars;
    for (long y = long(sy) - 8; y <= long(sy) + 9; ++y)
      for (long x = long(sx) - 8; x <= long(sx) + 9; ++x) {
        if (x < 0 || y < 0 || x >= long(w) || y >= long(h)) continue;
        if ((x - sx) * (x - sx) + (y - sy) * (y - sy) > 64.0) continue;
        const std::size_t i = std::size_t(y) * w + std::size_t(x);
        if (counted[i]) continue;  // apertures of close stars overlap
        counted[i] = 1;
        star_flux += sky.at(0, y, x) - without_stars.at(0, y, x);
        left += r.starless.at(0, y, x) - reference(std::size_t(x), std::size_t(y));
      }
  }
  double change = 0.0;
  std::size_t nebula_pixels = 0, masked = 0;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      masked += r.mask[y * w + x];
      if (k * model.nebula(0, double(x), double(y)) < 0.1 * nebula_peak) continue;
      change += std::fabs(r.starless.at(0, y, x) - reference(x, y)) / without_stars.at(0, y, x);
      ++nebula_pixels;
    }
  const double removed = 1.0 - left / star_flux;
  change /= double(nebula_pixels);
  std::printf(
      "# %zu stars found (%d in the frame), %.1f %% of pixels masked; star flux removed "
      "%.2f %%; nebula pixels changed by %.3f %% on average (%zu pixels)\n",
      r.found.size(), stars, 100.0 * masked / double(w * h), 100.0 * removed, 100.0 * change,
      nebula_pixels);
  std::fflush(stdout);
  ck_assert_msg(removed >= 0.95, "only %.2f %% of the star flux removed", 100.0 * removed);
  ck_assert_msg(change < 0.02, "nebula pixels changed by %.2f %%", 100.0 * change);
  fs::remove_all(folder);
}
END_TEST

int main() {
  Suite* suite = suite_create("starless");
  TCase* tc = tcase_create("starless");
  tcase_set_timeout(tc, 120);
  ADD_TEST(tc, inpainting_continues_a_plane);
  ADD_TEST(tc, stars_are_removed_from_a_nebula);
  ADD_TEST(tc, screen_inverse_stars_layer_rebuilds_the_image);
  ADD_TEST(tc, result_does_not_depend_on_the_thread_count);
  ADD_TEST(tc, simulated_session_stars_are_separated);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
