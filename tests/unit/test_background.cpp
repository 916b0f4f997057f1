// SPDX-License-Identifier: GPL-3.0-or-later
// Background extraction: known surfaces under stars, nebulae and noise, user
// samples, the division mode, and the simulated session's planted gradient
// (its exact value comes from the simulator's own sky model).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../../common/simulate/frame_transforms.hpp"
#include "../../common/simulate/sky_model.hpp"
#include "astropack/background_extraction.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/simulate.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

// A scene with a known background: stars (Gaussian, 1.5 px), two nebula blobs,
// Gaussian noise; `background(x, y)` gives the truth.
template <typename Background>
Image scene(std::size_t w, std::size_t h, std::size_t channels, Background background, double noise,
            unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Image image(w, h, channels);
  struct Blob {
    double x, y, r, a;
  };
  std::vector<Blob> stars;
  for (int i = 0; i < 120; ++i)
    stars.push_back(
        {uniform(rng) * w, uniform(rng) * h, 1.5, 0.02 + 0.5 * std::pow(uniform(rng), 4)});
  const Blob nebulae[] = {{0.35 * w, 0.6 * h, 0.12 * w, 0.03}, {0.7 * w, 0.3 * h, 0.08 * w, 0.02}};
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        double v = background(c, double(x), double(y));
        for (const Blob& n : nebulae)
          v += n.a * std::exp(-((x - n.x) * (x - n.x) + (y - n.y) * (y - n.y)) / (2 * n.r * n.r));
        for (const Blob& s : stars) {
          const double d2 = (x - s.x) * (x - s.x) + (y - s.y) * (y - s.y);
          if (d2 < 100) v += s.a * std::exp(-d2 / (2 * s.r * s.r));
        }
        image.at(c, y, x) = static_cast<float>(v + noise * gauss(rng));
      }
  return image;
}

// Peak-to-peak of a function over the pixel grid.
template <typename Fn>
double peak_to_peak(std::size_t w, std::size_t h, Fn fn) {
  double lo = 1e300, hi = -1e300;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const double v = fn(x, y);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  return hi - lo;
}

template <typename Fn>
bool throws_kind(ErrorKind kind, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind() == kind;
  }
  return false;
}

}  // namespace

START_TEST(removes_a_quadratic_gradient_under_stars_and_nebula) {
  const std::size_t w = 400, h = 300;
  auto truth = [&](std::size_t c, double x, double y) {
    const double u = x / w - 0.3, v = y / h - 0.6;
    return 0.1 + 0.01 * c + 0.04 * u - 0.025 * v + 0.03 * u * u + 0.02 * u * v;
  };
  const Image image = scene(w, h, 3, truth, 0.002, 7);
  BackgroundParams p;
  p.degree = 2;
  NoProgress quiet;
  const BackgroundResult r = extract_background(image.view(), p, quiet);
  ck_assert_uint_eq(r.model.channels(), 3);
  ck_assert(r.samples_used >= 3 * 6);
  ck_assert(r.samples_used < r.samples.size());  // the nebula boxes were dropped
  for (std::size_t c = 0; c < 3; ++c) {
    const double original = peak_to_peak(
        w, h, [&](std::size_t x, std::size_t y) { return truth(c, double(x), double(y)); });
    const double residual = peak_to_peak(w, h, [&](std::size_t x, std::size_t y) {
      return r.model.at(c, y, x) - truth(c, double(x), double(y));
    });
    ck_assert_msg(residual < 0.02 * original, "channel %zu: residual %g of %g", c, residual,
                  original);
    ck_assert(r.residual_rms[c] < 0.002);
  }
  // Subtraction keeps the mean level of the model (red channel here).
  double mean = 0;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) mean += r.model.at(0, y, x);
  mean /= double(w * h);
  ck_assert_double_eq_tol(r.corrected.at(0, 5, 5), image.at(0, 5, 5) - r.model.at(0, 5, 5) + mean,
                          1e-5);
}
END_TEST

START_TEST(divides_out_a_multiplicative_falloff) {
  const std::size_t w = 240, h = 180;
  auto truth = [&](std::size_t, double x, double y) {
    const double u = (x - 120.0) / 120.0, v = (y - 90.0) / 120.0;
    return 0.2 * (1.0 - 0.25 * (u * u + v * v));
  };
  const Image image = scene(w, h, 1, truth, 0.0, 3);
  BackgroundParams p;
  p.degree = 2;
  p.correction = BackgroundCorrection::Divide;
  NoProgress quiet;
  const BackgroundResult r = extract_background(image.view(), p, quiet);
  // A flat field of 1 x mean after division, far from stars and nebula.
  double mean = 0;
  for (float v : r.model.samples()) mean += v;
  mean /= double(r.model.samples().size());
  ck_assert_double_eq_tol(r.corrected.at(0, 2, 2), mean, 0.01 * mean);
  ck_assert_double_eq_tol(r.corrected.at(0, 177, 237), mean, 0.01 * mean);
}
END_TEST

START_TEST(user_samples_replace_the_grid) {
  const std::size_t w = 200, h = 100;
  // A plane; the samples are given in picture coordinates (y from the top).
  auto truth = [&](std::size_t, double x, double y) { return 0.1 + 0.0002 * x + 0.0005 * y; };
  Image image(w, h, 1);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) image.at(0, y, x) = float(truth(0, double(x), double(y)));
  // A bright patch that the samples avoid.
  for (std::size_t y = 40; y < 60; ++y)
    for (std::size_t x = 90; x < 110; ++x) image.at(0, y, x) += 0.5f;
  const std::vector<SamplePoint> points = parse_sample_points(
      "# corners and edges\n10 10\n190, 10\n10 90\n190 90\n\n100 8\n100 92\n 30 50\n170 50\n");
  ck_assert_uint_eq(points.size(), 8);
  ck_assert_double_eq(points[1].x, 190.0);
  BackgroundParams p;
  p.degree = 1;
  p.box_size = 9;
  p.user_samples = points;
  NoProgress quiet;
  const BackgroundResult r = extract_background(image.view(), p, quiet);
  ck_assert_uint_eq(r.samples_used, 8);
  // Picture y 10 is stored row 89.
  ck_assert_double_eq_tol(r.samples[0].y, 89.0, 0.51);
  for (std::size_t y = 0; y < h; y += 7)
    for (std::size_t x = 0; x < w; x += 11)
      ck_assert_double_eq_tol(r.model.at(0, y, x), truth(0, double(x), double(y)), 1e-5);

  p.user_samples = {{10, 10}, {250, 10}};
  ck_assert(
      throws_kind(ErrorKind::InvalidArgument, [&] { extract_background(image.view(), p, quiet); }));
  p.user_samples = {{10, 10}, {20, 10}};
  ck_assert(
      throws_kind(ErrorKind::InvalidInput, [&] { extract_background(image.view(), p, quiet); }));
  ck_assert(
      throws_kind(ErrorKind::InvalidInput, [] { parse_sample_points("10 10\n20 twenty\n"); }));
  ck_assert(throws_kind(ErrorKind::InvalidInput, [] { parse_sample_points("10 10 10\n"); }));
  try {
    parse_sample_points("1 2\n\n3\n");
  } catch (const Error& e) {
    ck_assert(e.sentence().find("line 3") != std::string::npos);
  }
}
END_TEST

START_TEST(parameters_name_their_ranges) {
  BackgroundParams p;
  p.degree = 5;
  ck_assert(throws_kind(ErrorKind::InvalidArgument, [&] { p.validate(); }));
  p = BackgroundParams{};
  p.box_size = 10;
  ck_assert(throws_kind(ErrorKind::InvalidArgument, [&] { p.validate(); }));
  p = BackgroundParams{};
  p.high_rejection = 0.5;
  ck_assert(throws_kind(ErrorKind::InvalidArgument, [&] { p.validate(); }));
  try {
    BackgroundParams q;
    q.degree = 0;
    q.validate();
  } catch (const Error& e) {
    ck_assert(e.sentence().find("between 1 and 4") != std::string::npos);
  }
}
END_TEST

START_TEST(result_does_not_depend_on_the_thread_count) {
  auto truth = [](std::size_t c, double x, double y) {
    return 0.1 + 0.001 * c + 1e-4 * x - 2e-4 * y;
  };
  const Image image = scene(300, 200, 3, truth, 0.003, 5);
  NoProgress quiet;
  BackgroundParams p;
  p.degree = 3;
  omp_set_num_threads(1);
  const BackgroundResult one = extract_background(image.view(), p, quiet);
  omp_set_num_threads(3);
  const BackgroundResult three = extract_background(image.view(), p, quiet);
  ck_assert(one.corrected.samples() == three.corrected.samples());
  ck_assert(one.model.samples() == three.model.samples());
}
END_TEST

// The simulated session: truth/sky.fit holds the background gradient (a plane of
// +-15 % along a random direction), the nebula and the stars of light 1. The
// simulator's sky model gives the background alone, so the residual gradient
// left by the extraction is measured exactly.
START_TEST(simulated_session_gradient_is_removed) {
  const fs::path folder = test::scratch_folder("background");
  SimulationOptions options;
  options.preset = SimulationPreset::Small;
  options.seed = 1;
  NoProgress quiet;
  simulate_session(folder, options, quiet);
  const Image sky = read_fits(folder / "truth" / "sky.fit");
  const SimulationPlan plan = simulation_plan(options);
  const simulate::SkyModel model(
      plan,
      simulate::dither_reach(plan.max_dither_px, plan.max_rotation_deg, plan.width, plan.height));
  // Light 1 is the reference (identity geometry, sky factor and transparency 1).
  const double to_normalised = plan.light_exposure_s / plan.camera.electrons_per_adu / 65535.0;
  const std::size_t w = sky.width(), h = sky.height();
  auto truth = [&](std::size_t x, std::size_t y) {
    return to_normalised * model.background(0, double(x), double(y));
  };

  // The planted gradient is a plane, so degree 1 is the right model and must leave
  // under 1 %. Higher degrees have only the frame's edges to go on where the nebula
  // fills the middle; they are reported and held to a looser bound.
  const double original = peak_to_peak(w, h, truth);
  for (int degree : {1, 2}) {
    BackgroundParams p;
    p.degree = degree;
    const BackgroundResult r = extract_background(sky.view(), p, quiet);
    const double residual = peak_to_peak(
        w, h, [&](std::size_t x, std::size_t y) { return r.model.at(0, y, x) - truth(x, y); });
    std::printf("# degree %d: gradient %.4g, residual %.3g (%.2f %%), %zu of %zu samples used\n",
                degree, original, residual, 100.0 * residual / original, r.samples_used,
                r.samples.size());
    std::fflush(stdout);
    const double bound = degree == 1 ? 0.01 : 0.1;
    ck_assert_msg(residual < bound * original, "degree %d: residual %.3g%% of the gradient", degree,
                  100.0 * residual / original);
  }
  fs::remove_all(folder);
}
END_TEST

int main() {
  Suite* suite = suite_create("background");
  TCase* tc = tcase_create("background");
  tcase_set_timeout(tc, 120);
  ADD_TEST(tc, removes_a_quadratic_gradient_under_stars_and_nebula);
  ADD_TEST(tc, divides_out_a_multiplicative_falloff);
  ADD_TEST(tc, user_samples_replace_the_grid);
  ADD_TEST(tc, parameters_name_their_ranges);
  ADD_TEST(tc, result_does_not_depend_on_the_thread_count);
  ADD_TEST(tc, simulated_session_gradient_is_removed);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
