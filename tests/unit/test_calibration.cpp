// SPDX-License-Identifier: GPL-3.0-or-later
// Light calibration: the formula against independent computations on small
// frames, the checks and warnings, and the science on simulated sessions
// (calibrated lights against the true sky, flat and glow residuals, the
// optimised dark scale, CFA equalisation).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/light_calibration.hpp"
#include "astropack/master_frame.hpp"
#include "calibration_fixture.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

// A deterministic, structured test pattern in [low, low + span].
Image pattern_image(std::size_t w, std::size_t h, std::size_t channels, double low, double span,
                    unsigned seed) {
  Image image(w, h, channels);
  unsigned state = seed * 2654435761u + 1u;
  for (float& v : image.samples()) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(low + span * ((state >> 8) & 0xFFFF) / 65535.0);
  }
  return image;
}

MasterFrame master(Image image, const std::string& name) { return {std::move(image), name}; }

// F-bar computed here from its definition: mean over x in [W/3, 2W/3), y in [H/3, 2H/3).
double independent_central_mean(const Image& flat) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t y = flat.height() / 3; y < flat.height() / 3 * 2; ++y)
    for (std::size_t x = flat.width() / 3; x < flat.width() / 3 * 2; ++x) {
      sum += flat.at(0, y, x);
      ++n;
    }
  return sum / double(n);
}

double max_abs_difference(const Image& a, const std::vector<double>& expected) {
  double worst = 0;
  for (std::size_t i = 0; i < expected.size(); ++i)
    worst = std::max(worst, std::fabs(double(a.samples()[i]) - expected[i]));
  return worst;
}

bool contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

struct Frames {
  Image bias, dark, flat, light;
};

// Bias ~500 ADU with a pattern, a dark of 120 s with its thermal part, a flat with
// vignetting-like structure and a 300 s light.
Frames small_frames(std::size_t w = 30, std::size_t h = 21, std::size_t channels = 1) {
  Frames f;
  f.bias = pattern_image(w, h, channels, 0.0075, 0.0006, 1);
  const Image thermal = pattern_image(w, h, channels, 0.0001, 0.002, 2);
  f.dark = f.bias;
  for (std::size_t i = 0; i < f.dark.samples().size(); ++i)
    f.dark.samples()[i] += thermal.samples()[i];
  f.flat = pattern_image(w, h, channels, 0.3, 0.2, 3);
  f.light = pattern_image(w, h, channels, 0.02, 0.3, 4);
  f.dark.header().exposure = 120.0;
  f.light.header().exposure = 300.0;
  f.dark.header().temperature = -10.0;
  f.light.header().temperature = -10.0;
  return f;
}

LightCalibrationResult run(const Frames& f, bool bias, bool dark, bool flat,
                           CalibrationParams params = {}) {
  CalibrationMasters m;
  if (bias) m.bias = master(f.bias, "bias.fit");
  if (dark) m.dark = master(f.dark, "dark.fit");
  if (flat) m.flat = master(f.flat, "flat.fit");
  return calibrate_light(f.light, "light.fit", prepare_calibration(std::move(m), params));
}

}  // namespace

START_TEST(neutral_masters_leave_the_light_unchanged) {
  Frames f = small_frames();
  f.bias = Image(30, 21, 1, 0.0f);
  f.dark = Image(30, 21, 1, 0.0f);
  f.flat = Image(30, 21, 1, 1.0f);
  const LightCalibrationResult r = run(f, true, true, true);
  ck_assert(r.image.samples() == f.light.samples());
  ck_assert_uint_eq(r.no_data_pixels, 0);
}
END_TEST

START_TEST(formula_matches_an_independent_computation) {
  const Frames f = small_frames();
  const double fbar = independent_central_mean(f.flat);
  const std::size_t n = f.light.samples().size();
  auto L = [&](std::size_t i) { return double(f.light.samples()[i]); };
  auto B = [&](std::size_t i) { return double(f.bias.samples()[i]); };
  auto D = [&](std::size_t i) { return double(f.dark.samples()[i]); };
  auto F = [&](std::size_t i) { return double(f.flat.samples()[i]); };
  std::vector<double> expected(n);

  // Bias, dark and flat, dark scaled by the exposure ratio 300 / 120.
  for (std::size_t i = 0; i < n; ++i) expected[i] = (L(i) - B(i) - 2.5 * (D(i) - B(i))) * fbar / F(i);
  LightCalibrationResult r = run(f, true, true, true);
  ck_assert_double_eq_tol(r.dark_scale, 2.5, 1e-12);
  ck_assert_double_lt(max_abs_difference(r.image, expected), 1e-6);
  ck_assert(r.warnings.empty());

  // The dark as it is: (L - D) F / flat, and a warning about the exposures.
  CalibrationParams as_is;
  as_is.dark_scaling = DarkScaling::None;
  for (std::size_t i = 0; i < n; ++i) expected[i] = (L(i) - D(i)) * fbar / F(i);
  r = run(f, true, true, true, as_is);
  ck_assert_double_lt(max_abs_difference(r.image, expected), 1e-6);
  ck_assert(contains(r.warnings, "300 s"));

  // Bias alone, dark alone, flat alone.
  for (std::size_t i = 0; i < n; ++i) expected[i] = L(i) - B(i);
  ck_assert_double_lt(max_abs_difference(run(f, true, false, false).image, expected), 1e-7);
  for (std::size_t i = 0; i < n; ++i) expected[i] = L(i) - D(i);
  ck_assert_double_lt(max_abs_difference(run(f, false, true, false, as_is).image, expected), 1e-7);
  for (std::size_t i = 0; i < n; ++i) expected[i] = L(i) * fbar / F(i);
  ck_assert_double_lt(max_abs_difference(run(f, false, false, true).image, expected), 1e-6);

  // A pedestal of 100 ADU is added after everything else.
  CalibrationParams pedestal;
  pedestal.pedestal = 100.0 / 65535.0;
  for (std::size_t i = 0; i < n; ++i) expected[i] = L(i) - B(i) + 100.0 / 65535.0;
  ck_assert_double_lt(max_abs_difference(run(f, true, false, false, pedestal).image, expected),
                      1e-7);
}
END_TEST

START_TEST(same_exposure_uses_the_dark_as_it_is) {
  Frames f = small_frames();
  f.light.header().exposure = 120.0;
  const LightCalibrationResult r = run(f, true, true, false);
  ck_assert_double_eq(r.dark_scale, 1.0);
  for (std::size_t i = 0; i < f.light.samples().size(); ++i)
    ck_assert_float_eq_tol(r.image.samples()[i], f.light.samples()[i] - f.dark.samples()[i], 1e-7);
}
END_TEST

START_TEST(a_bias_free_dark_is_recognised) {
  Frames f = small_frames();
  Frames stripped = f;
  for (std::size_t i = 0; i < f.dark.samples().size(); ++i)
    stripped.dark.samples()[i] = f.dark.samples()[i] - f.bias.samples()[i];
  CalibrationMasters m;
  m.bias = master(stripped.bias, "bias.fit");
  m.dark = master(stripped.dark, "dark.fit");
  const PreparedCalibration p = prepare_calibration(std::move(m), {});
  ck_assert(p.dark_is_bias_free());
  const LightCalibrationResult a = calibrate_light(f.light, "light.fit", p);
  const LightCalibrationResult b = run(f, true, true, false);
  for (std::size_t i = 0; i < f.light.samples().size(); ++i)
    ck_assert_float_eq_tol(a.image.samples()[i], b.image.samples()[i], 1e-7);
}
END_TEST

START_TEST(scaling_a_dark_without_its_bias_is_refused) {
  const Frames f = small_frames();
  bool thrown = false;
  try {
    run(f, false, true, false);  // 300 s light, 120 s dark, no bias
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument && e.file() == "light.fit" &&
             e.sentence().find("--bias") != std::string::npos;
  }
  ck_assert(thrown);
  CalibrationParams optimise;
  optimise.dark_scaling = DarkScaling::Optimise;
  thrown = false;
  try {
    run(f, false, true, false, optimise);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument && e.file() == "dark.fit";
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(unusable_flat_pixels_become_no_data) {
  Frames f = small_frames();
  f.flat.at(0, 2, 3) = 0.0f;
  f.flat.at(0, 5, 7) = -0.1f;
  f.flat.at(0, 20, 29) = std::numeric_limits<float>::quiet_NaN();
  const LightCalibrationResult r = run(f, true, false, true);
  ck_assert_uint_eq(r.no_data_pixels, 3);
  ck_assert_float_eq(r.image.at(0, 2, 3), 0.0f);
  ck_assert_float_eq(r.image.at(0, 5, 7), 0.0f);
  ck_assert_float_eq(r.image.at(0, 20, 29), 0.0f);
  std::size_t zeros = 0;
  for (float v : r.image.samples()) {
    ck_assert(std::isfinite(v));
    if (v == 0.0f) ++zeros;
  }
  ck_assert_uint_eq(zeros, 3);
  ck_assert(contains(r.warnings, "no data"));
  // A flat with nothing positive in its centre is refused.
  f.flat = Image(30, 21, 1, 0.0f);
  bool thrown = false;
  try {
    run(f, true, false, true);
  } catch (const Error& e) {
    thrown = e.file() == "flat.fit" && e.kind() == ErrorKind::InvalidInput;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(exact_zero_is_kept_apart_from_no_data) {
  Frames f = small_frames();
  f.light.at(0, 4, 4) = f.bias.at(0, 4, 4);
  const LightCalibrationResult r = run(f, true, false, false);
  ck_assert_float_eq(r.image.at(0, 4, 4), kSmallestValue);
  ck_assert_float_gt(kSmallestValue, 0.0f);
  ck_assert_float_lt(kSmallestValue * 65535.0f, 1e-4f);
}
END_TEST

START_TEST(mismatched_masters_name_both_files) {
  Frames f = small_frames();
  f.dark = pattern_image(32, 21, 1, 0.01, 0.01, 5);
  bool thrown = false;
  try {
    run(f, true, true, false);
  } catch (const Error& e) {
    thrown = e.file() == "dark.fit" && e.sentence().find("bias.fit") != std::string::npos &&
             e.sentence().find("32 x 21") != std::string::npos;
  }
  ck_assert(thrown);
  // A light that differs from the masters.
  f = small_frames();
  f.light = pattern_image(30, 20, 1, 0.1, 0.1, 6);
  thrown = false;
  try {
    run(f, false, true, false);
  } catch (const Error& e) {
    thrown = e.file() == "light.fit" && e.sentence().find("dark.fit") != std::string::npos;
  }
  ck_assert(thrown);
  // Same size, other CFA phase: a GBRG flat for RGGB lights.
  f = small_frames();
  f.light.header().bayer_pattern = "RGGB";
  f.flat.header().bayer_pattern = "GBRG";
  thrown = false;
  try {
    run(f, false, false, true);
  } catch (const Error& e) {
    thrown = e.file() == "light.fit" && e.sentence().find("flat.fit") != std::string::npos &&
             e.sentence().find("GBRG") != std::string::npos;
  }
  ck_assert(thrown);
  // The same phase reached through the offsets and row order is accepted: a BOTTOM-UP
  // GBRG of even height has RGGB at stored pixel (0, 0), like the light.
  f = small_frames(30, 20);
  f.light.header().bayer_pattern = "RGGB";
  f.flat.header().bayer_pattern = "GBRG";
  f.flat.header().row_order = "BOTTOM-UP";
  ck_assert_uint_eq(run(f, false, false, true).no_data_pixels, 0);
}
END_TEST

START_TEST(dark_temperature_and_negative_lights_warn) {
  Frames f = small_frames();
  f.light.header().exposure = 120.0;
  f.light.header().temperature = 0.0;
  LightCalibrationResult r = run(f, true, true, false);
  ck_assert(contains(r.warnings, "C apart"));
  f.light.header().temperature = -6.0;
  r = run(f, true, true, false);
  ck_assert(r.warnings.empty());
  // A dark brighter than most of the light.
  for (float& v : f.dark.samples()) v += 0.2f;
  r = run(f, false, true, false);
  ck_assert_double_gt(r.negative_fraction, 0.2);
  ck_assert(contains(r.warnings, "calibration frames are probably incorrect"));
  // Negatives are kept, not clamped.
  ck_assert_float_lt(*std::min_element(r.image.samples().begin(), r.image.samples().end()),
                     -0.05f);
}
END_TEST

START_TEST(thread_count_does_not_change_pixels) {
#ifdef _OPENMP
  const Frames f = small_frames(700, 300, 1);
  CalibrationParams params;
  params.dark_scaling = DarkScaling::Optimise;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const LightCalibrationResult one = run(f, true, true, true, params);
  omp_set_num_threads(std::max(threads, 3));
  const LightCalibrationResult many = run(f, true, true, true, params);
  omp_set_num_threads(threads);
  ck_assert(one.image.samples() == many.image.samples());
  ck_assert_double_eq(one.dark_scale, many.dark_scale);
#endif
}
END_TEST

namespace {

struct Truth {
  Image bias, dark, flat, sky;
};

Truth read_truth(const fs::path& session) {
  return {read_fits(session / "truth" / "master_bias.fit"),
          read_fits(session / "truth" / "master_dark_120s.fit"),
          read_fits(session / "truth" / "master_flat.fit"), read_fits(session / "truth" / "sky.fit")};
}

struct NoiseScore {
  double median_z = 0, sigma_z = 0, outliers = 0;
};

// Normalised residuals z = (calibrated / F - sky) / sigma, with sigma from the camera model
// (Poisson sky and dark electrons, read noise), for every unsaturated pixel.
NoiseScore score_against_truth(const Image& calibrated, double fbar, const Image& light,
                               const Truth& t) {
  const SimulatedCamera cam = simulation_plan({}).camera;
  const double g = cam.electrons_per_adu, read = cam.read_noise_e / g;
  std::vector<float> z;
  for (std::size_t i = 0; i < calibrated.samples().size(); ++i) {
    if (light.samples()[i] >= 0.9999f) continue;  // saturated
    const double resp = t.flat.samples()[i];
    const double sky_adu = t.sky.samples()[i] * 65535.0;
    const double dark_adu = (t.dark.samples()[i] - t.bias.samples()[i]) * 65535.0;
    const double electrons = std::max(0.0, sky_adu * resp * g + dark_adu * g);
    const double sigma_adu = std::sqrt(electrons / (g * g) + read * read + 1.0 / 12.0) / resp;
    const double residual = (calibrated.samples()[i] / fbar - t.sky.samples()[i]) * 65535.0;
    z.push_back(static_cast<float>(residual / sigma_adu));
  }
  std::vector<float> sorted = z;
  auto middle = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
  std::nth_element(sorted.begin(), middle, sorted.end());
  NoiseScore s;
  s.median_z = *middle;
  for (float& v : sorted) v = std::fabs(v - static_cast<float>(s.median_z));
  std::nth_element(sorted.begin(), middle, sorted.end());
  s.sigma_z = 1.4826 * *middle;
  std::size_t far = 0;
  for (float v : z)
    if (std::fabs(v) > 6.0f) ++far;
  s.outliers = double(far) / double(z.size());
  return s;
}

void check_light_matches_sky(SimulationPreset preset) {
  const fs::path session = test::simulated_session(preset);
  const Truth t = read_truth(session);
  const fs::path light_file = test::light_files(session).front();
  const Image light = read_fits(light_file);
  CalibrationMasters m;
  m.bias = master(t.bias, "master_bias.fit");
  m.dark = master(t.dark, "master_dark_120s.fit");
  m.flat = master(t.flat, "master_flat.fit");
  const PreparedCalibration p = prepare_calibration(std::move(m), {});
  const LightCalibrationResult r = calibrate_light(light, light_file, p);
  ck_assert_double_eq(r.dark_scale, 1.0);
  ck_assert(r.warnings.empty());
  const NoiseScore s = score_against_truth(r.image, p.flat_mean(), light, t);
  std::printf("# %s: median z %.4f, sigma z %.4f, |z| > 6: %.5f%%\n",
              std::string(to_string(preset)).c_str(), s.median_z, s.sigma_z, 100 * s.outliers);
  ck_assert_msg(std::fabs(s.median_z) < 0.05, "calibrated light is biased: median z %g", s.median_z);
  ck_assert_msg(s.sigma_z > 0.95 && s.sigma_z < 1.05, "noise is %g times the expected", s.sigma_z);
  ck_assert_msg(s.outliers < 2e-4, "%g of the pixels are more than 6 sigma off", s.outliers);
  // The same light without the flat is off by the vignetting: the score can fail.
  CalibrationMasters no_flat;
  no_flat.bias = master(t.bias, "b.fit");
  no_flat.dark = master(t.dark, "d.fit");
  const LightCalibrationResult r2 =
      calibrate_light(light, light_file, prepare_calibration(std::move(no_flat), {}));
  ck_assert_double_gt(score_against_truth(r2.image, 1.0, light, t).sigma_z, 1.5);
}

}  // namespace

START_TEST(mono_light_matches_the_true_sky_within_the_noise) {
  check_light_matches_sky(SimulationPreset::Small);
}
END_TEST

START_TEST(osc_light_matches_the_true_sky_within_the_noise) {
  check_light_matches_sky(SimulationPreset::Osc);
}
END_TEST

namespace {

Image made_master(const fs::path& session, MasterType type, const std::string& folder,
                  const fs::path& darkflat = {}) {
  MasterOptions options = default_master_options(type);
  options.darkflat = darkflat;
  NoProgress progress;
  return make_master(image_files_in(session / folder), options, progress).integration.image;
}

// Worst |median(calibrated / F - sky)| / median(sky) over block x block tiles.
double worst_block_residual(const Image& calibrated, double fbar, const Image& sky,
                            std::size_t by0, std::size_t by1, std::size_t bx0, std::size_t bx1,
                            std::size_t block) {
  double worst = 0;
  for (std::size_t by = by0; by + block <= by1; by += block)
    for (std::size_t bx = bx0; bx + block <= bx1; bx += block) {
      std::vector<float> residual, level;
      for (std::size_t y = by; y < by + block; ++y)
        for (std::size_t x = bx; x < bx + block; ++x) {
          residual.push_back(static_cast<float>(calibrated.at(0, y, x) / fbar - sky.at(0, y, x)));
          level.push_back(sky.at(0, y, x));
        }
      auto mid = [](std::vector<float>& v) {
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
        return double(v[v.size() / 2]);
      };
      worst = std::max(worst, std::fabs(mid(residual)) / mid(level));
    }
  return worst;
}

}  // namespace

START_TEST(made_masters_remove_vignetting_dust_and_glow) {
  const fs::path session = test::simulated_session(SimulationPreset::Small);
  const Image bias = made_master(session, MasterType::Bias, "biases");
  const Image dark = made_master(session, MasterType::Dark, "darks");
  const fs::path darkflat_file = session / "made_darkflat.fit";
  write_fits(darkflat_file, made_master(session, MasterType::DarkFlat, "darkflats"),
             SampleFormat::Float32);
  const Image flat = made_master(session, MasterType::Flat, "flats", darkflat_file);
  const Truth t = read_truth(session);
  const fs::path light_file = test::light_files(session).front();
  const Image light = read_fits(light_file);

  CalibrationMasters m;
  m.bias = master(bias, "bias.fit");
  m.dark = master(dark, "dark.fit");
  m.flat = master(flat, "flat.fit");
  const PreparedCalibration p = prepare_calibration(std::move(m), {});
  const Image cal = calibrate_light(light, light_file, p).image;
  const std::size_t w = cal.width(), h = cal.height();
  // calibrated = sky x response x F / flat; the made flat is the response times its
  // level, so calibrated = sky x (central mean of the true response).
  const double scale = central_third_mean(t.flat.view());
  const double worst = worst_block_residual(cal, scale, t.sky, 0, h, 0, w, 40);
  std::printf("# flat residual in 40 x 40 blocks: %.3f%%\n", 100 * worst);
  ck_assert_msg(worst < 0.005, "flat residual %.3f%%", 100 * worst);
  // That residual is mostly the light's own noise; the masters' share, against the
  // same light calibrated with the true masters, is far smaller.
  CalibrationMasters true_masters;
  true_masters.bias = master(t.bias, "b.fit");
  true_masters.dark = master(t.dark, "d.fit");
  true_masters.flat = master(t.flat, "f.fit");
  const Image reference =
      calibrate_light(light, light_file, prepare_calibration(std::move(true_masters), {})).image;
  double masters_share = 0;
  for (std::size_t by = 0; by + 40 <= h; by += 40)
    for (std::size_t bx = 0; bx + 40 <= w; bx += 40) {
      double a = 0, b = 0;
      for (std::size_t y = by; y < by + 40; ++y)
        for (std::size_t x = bx; x < bx + 40; ++x) {
          a += cal.at(0, y, x) / scale;
          b += reference.at(0, y, x) / scale;
        }
      masters_share = std::max(masters_share, std::fabs(a / b - 1.0));
    }
  std::printf("# made against true masters in 40 x 40 blocks: %.3f%%\n", 100 * masters_share);
  ck_assert_msg(masters_share < 0.001, "made masters differ by %.3f%%", 100 * masters_share);
  // Without the flat the vignetting and dust are there to see.
  CalibrationMasters no_flat;
  no_flat.dark = master(dark, "dark.fit");
  no_flat.bias = master(bias, "bias.fit");
  const Image raw_cal =
      calibrate_light(light, light_file, prepare_calibration(std::move(no_flat), {})).image;
  ck_assert_double_gt(worst_block_residual(raw_cal, 1.0, t.sky, 0, h, 0, w, 40), 0.05);

  // Amplifier glow at the corner x = W - 1, y = 0: gone with the dark, present with the bias alone.
  auto corner_excess = [&](const Image& image, double fbar) {
    double sum = 0;
    for (std::size_t y = 0; y < 12; ++y)
      for (std::size_t x = w - 12; x < w; ++x) sum += image.at(0, y, x) / fbar - t.sky.at(0, y, x);
    return sum / 144.0 * 65535.0;  // ADU
  };
  CalibrationMasters bias_flat;
  bias_flat.bias = master(bias, "bias.fit");
  bias_flat.flat = master(flat, "flat.fit");
  const PreparedCalibration pb = prepare_calibration(std::move(bias_flat), {});
  const double with_dark = corner_excess(cal, scale);
  const double bias_only = corner_excess(calibrate_light(light, light_file, pb).image, scale);
  std::printf("# amp glow corner: %.2f ADU left with the dark, %.1f ADU with the bias only\n",
              with_dark, bias_only);
  ck_assert_msg(std::fabs(with_dark) < 8.0, "glow residual %g ADU", with_dark);
  ck_assert_double_gt(bias_only, 60.0);
}
END_TEST

START_TEST(optimised_dark_scale_finds_the_true_scale) {
  const fs::path session = test::simulated_session(SimulationPreset::Small);
  const Image bias = made_master(session, MasterType::Bias, "biases");
  const Image dark = made_master(session, MasterType::Dark, "darks");
  const Truth t = read_truth(session);
  const fs::path light_file = test::light_files(session).front();
  const Image light = read_fits(light_file);
  CalibrationParams params;
  params.dark_scaling = DarkScaling::Optimise;
  CalibrationMasters m;
  m.bias = master(bias, "bias.fit");
  m.dark = master(dark, "dark.fit");
  const PreparedCalibration p = prepare_calibration(std::move(m), params);
  for (double scale : {1.0, 1.3, 0.6}) {
    // A light whose thermal signal is `scale` times the dark's: add the missing part.
    Image scaled = light;
    for (std::size_t i = 0; i < scaled.samples().size(); ++i)
      scaled.samples()[i] += static_cast<float>(
          (scale - 1.0) * (double(t.dark.samples()[i]) - double(t.bias.samples()[i])));
    const double k = calibrate_light(scaled, light_file, p).dark_scale;
    std::printf("# true dark scale %.2f, optimised %.4f\n", scale, k);
    ck_assert_msg(std::fabs(k / scale - 1.0) < 0.02, "optimised %g for a true %g", k, scale);
  }
}
END_TEST

START_TEST(cfa_equalisation_keeps_the_colour_of_the_light) {
  const fs::path session = test::simulated_session(SimulationPreset::Osc);
  const Truth t = read_truth(session);
  // The flat panel gives R, G, B sites 0.82 : 1 : 0.70 (truth README); RGGB at (0, 0).
  Image flat = t.flat;
  const CfaEqualisation known = equalize_cfa_flat(flat.view(), CfaPattern::RGGB);
  ck_assert_double_eq_tol(known.factor[0], 0.82, 0.01);
  ck_assert_double_eq_tol(known.factor[3], 0.70, 0.01);
  ck_assert_double_eq(known.factor[1], 1.0);
  ck_assert_double_eq(known.factor[2], 1.0);
  Image guessed_flat = t.flat;
  const CfaEqualisation guessed = equalize_cfa_flat(guessed_flat.view(), std::nullopt);
  for (int c = 0; c < 4; ++c) ck_assert_double_eq_tol(guessed.factor[c], known.factor[c], 1e-12);

  const fs::path light_file = test::light_files(session).front();
  const Image light = read_fits(light_file);
  auto red_to_green = [&](bool equalise) {
    CalibrationParams params;
    params.equalize_cfa = equalise;
    CalibrationMasters m;
    m.bias = master(t.bias, "b.fit");
    m.dark = master(t.dark, "d.fit");
    m.flat = master(t.flat, "f.fit");
    const Image cal = calibrate_light(light, light_file, prepare_calibration(std::move(m), params)).image;
    std::vector<float> red, green;
    for (std::size_t y = 0; y < cal.height(); ++y)
      for (std::size_t x = 0; x < cal.width(); ++x) {
        const float ratio = cal.at(0, y, x) / t.sky.at(0, y, x);
        if (y % 2 == 0 && x % 2 == 0) red.push_back(ratio);
        if ((y + x) % 2 == 1) green.push_back(ratio);
      }
    std::nth_element(red.begin(), red.begin() + red.size() / 2, red.end());
    std::nth_element(green.begin(), green.begin() + green.size() / 2, green.end());
    return red[red.size() / 2] / green[green.size() / 2];
  };
  const double plain = red_to_green(false), equalised = red_to_green(true);
  std::printf("# R/G of calibrated / sky: %.4f plain, %.4f equalised\n", plain, equalised);
  ck_assert_double_eq_tol(plain, 1.0, 0.01);
  ck_assert_double_eq_tol(equalised, 0.82, 0.015);
}
END_TEST

int main() {
  Suite* suite = suite_create("calibration");
  TCase* formula = tcase_create("formula");
  ADD_TEST(formula, neutral_masters_leave_the_light_unchanged);
  ADD_TEST(formula, formula_matches_an_independent_computation);
  ADD_TEST(formula, same_exposure_uses_the_dark_as_it_is);
  ADD_TEST(formula, a_bias_free_dark_is_recognised);
  ADD_TEST(formula, scaling_a_dark_without_its_bias_is_refused);
  ADD_TEST(formula, unusable_flat_pixels_become_no_data);
  ADD_TEST(formula, exact_zero_is_kept_apart_from_no_data);
  ADD_TEST(formula, mismatched_masters_name_both_files);
  ADD_TEST(formula, dark_temperature_and_negative_lights_warn);
  ADD_TEST(formula, thread_count_does_not_change_pixels);
  suite_add_tcase(suite, formula);
  TCase* science = tcase_create("science");
  tcase_set_timeout(science, 240);
  ADD_TEST(science, mono_light_matches_the_true_sky_within_the_noise);
  ADD_TEST(science, osc_light_matches_the_true_sky_within_the_noise);
  ADD_TEST(science, made_masters_remove_vignetting_dust_and_glow);
  ADD_TEST(science, optimised_dark_scale_finds_the_true_scale);
  ADD_TEST(science, cfa_equalisation_keeps_the_colour_of_the_light);
  suite_add_tcase(suite, science);
  const int status = astropack::test::run_suite(suite);
  astropack::test::remove_sessions();
  return status;
}
