// SPDX-License-Identifier: GPL-3.0-or-later
// Debayering: colours land in the right planes for every pattern, offset and
// row order; bilinear is exact on linear ramps; RCD beats bilinear against the
// simulator's true colour sky.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "astropack/debayer.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/light_calibration.hpp"
#include "calibration_fixture.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

// Colour of stored pixel (row, column) for a pattern written as four letters in
// reading order, e.g. "GBRG": (0,0) G, (0,1) B, (1,0) R, (1,1) G.
int colour_of(const std::string& origin, std::size_t row, std::size_t column) {
  const char c = origin[(row % 2) * 2 + column % 2];
  return c == 'R' ? 0 : c == 'G' ? 1 : 2;
}

// A mosaic sampled from an RGB function with the given phase at stored (0, 0).
template <typename Fn>
Image mosaic_of(std::size_t w, std::size_t h, const std::string& origin, Fn rgb) {
  Image m(w, h, 1);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) m.at(0, y, x) = rgb(colour_of(origin, y, x), y, x);
  return m;
}

struct PhaseCase {
  const char* bayerpat;
  int xoff, yoff;
  const char* roworder;
  std::size_t height;
  const char* origin;  // Siril's rule (siril-compat.md 1.6), worked out by hand
};

const PhaseCase kCases[] = {
    {"RGGB", 0, 0, "", 20, "RGGB"},           {"BGGR", 0, 0, "TOP-DOWN", 20, "BGGR"},
    {"GBRG", 0, 0, "", 20, "GBRG"},           {"GRBG", 0, 0, "", 20, "GRBG"},
    {"RGGB", 1, 0, "", 20, "GRBG"},           {"RGGB", 0, 1, "", 20, "GBRG"},
    {"RGGB", 1, 1, "", 20, "BGGR"},           {"BGGR", 1, 0, "", 20, "GBRG"},
    {"RGGB", 0, 0, "BOTTOM-UP", 20, "GBRG"},  {"RGGB", 0, 0, "BOTTOM-UP", 21, "RGGB"},
    {"GRBG", 0, 0, "BOTTOM-UP", 20, "BGGR"},  {"BGGR", 0, 1, "BOTTOM-UP", 20, "BGGR"},
};

}  // namespace

START_TEST(colours_land_in_their_planes_for_every_phase) {
  const float colour[3] = {0.2f, 0.5f, 0.8f};
  for (const PhaseCase& c : kCases) {
    for (DemosaicMethod method : {DemosaicMethod::Bilinear, DemosaicMethod::Rcd}) {
      Image m = mosaic_of(24, c.height, c.origin,
                          [&](int k, std::size_t, std::size_t) { return colour[k]; });
      m.header().bayer_pattern = c.bayerpat;
      m.header().bayer_offset_x = c.xoff;
      m.header().bayer_offset_y = c.yoff;
      m.header().row_order = c.roworder;
      const Image rgb = debayer(m, method);
      ck_assert_uint_eq(rgb.channels(), 3);
      for (std::size_t k = 0; k < 3; ++k)
        for (std::size_t i = 0; i < rgb.pixel_count(); ++i)
          ck_assert_msg(std::fabs(rgb.plane(k)[i] - colour[k]) < 1e-6,
                        "%s x%d y%d %s h%zu %s: plane %zu pixel %zu is %g", c.bayerpat, c.xoff,
                        c.yoff, c.roworder, c.height, std::string(to_string(method)).c_str(), k, i,
                        double(rgb.plane(k)[i]));
      ck_assert(rgb.header().bayer_pattern.empty());
      ck_assert_int_eq(rgb.header().bayer_offset_x, 0);
      ck_assert_int_eq(rgb.header().bayer_offset_y, 0);
      ck_assert_str_eq(rgb.header().row_order.c_str(), c.roworder);
      ck_assert(!rgb.header().history.empty());
    }
  }
}
END_TEST

START_TEST(bilinear_is_exact_on_ramps_and_rcd_close) {
  auto ramp = [](int k, std::size_t y, std::size_t x) {
    return static_cast<float>(0.1 + 0.05 * k + 0.002 * double(x) + 0.001 * (k + 1) * double(y));
  };
  for (const char* origin : {"RGGB", "BGGR", "GBRG", "GRBG"}) {
    const Image m = mosaic_of(40, 30, origin, ramp);
    const CfaPattern pattern = *parse_cfa_pattern(origin);
    const Image bilinear = demosaic(m.view(), pattern, DemosaicMethod::Bilinear);
    const Image rcd = demosaic(m.view(), pattern, DemosaicMethod::Rcd);
    double worst_bilinear = 0, worst_rcd = 0;
    for (std::size_t k = 0; k < 3; ++k)
      for (std::size_t y = 1; y + 1 < 30; ++y)
        for (std::size_t x = 1; x + 1 < 40; ++x) {
          const double truth = ramp(int(k), y, x);
          worst_bilinear = std::max(worst_bilinear, std::fabs(bilinear.at(k, y, x) - truth));
          worst_rcd = std::max(worst_rcd, std::fabs(rcd.at(k, y, x) - truth) / truth);
        }
    ck_assert_double_lt(worst_bilinear, 1e-6);
    ck_assert_msg(worst_rcd < 0.01, "%s: RCD off by %g", origin, worst_rcd);
  }
}
END_TEST

START_TEST(negatives_and_values_above_one_pass_through) {
  Image m = mosaic_of(30, 30, "RGGB", [](int k, std::size_t y, std::size_t x) {
    return static_cast<float>(-0.002 + 0.0001 * k + ((x + y) % 7 == 0 ? 1.5 : 0.0));
  });
  m.header().bayer_pattern = "RGGB";
  for (DemosaicMethod method : {DemosaicMethod::Bilinear, DemosaicMethod::Rcd}) {
    const Image rgb = debayer(m, method);
    float lo = 1, hi = 0;
    for (float v : rgb.samples()) {
      ck_assert(std::isfinite(v));
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    ck_assert_float_lt(lo, 0.0f);
    ck_assert_float_gt(hi, 1.0f);
  }
}
END_TEST

START_TEST(frames_without_a_bayer_pattern_are_refused) {
  Image m(10, 10, 1, 0.5f);
  bool thrown = false;
  try {
    debayer(m);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidInput && e.sentence().find("BAYERPAT") != std::string::npos;
  }
  ck_assert(thrown);
  Image rgb(10, 10, 3, 0.5f);
  rgb.header().bayer_pattern = "RGGB";
  thrown = false;
  try {
    debayer(rgb);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidInput;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(thread_count_does_not_change_pixels) {
#ifdef _OPENMP
  Image m = mosaic_of(500, 300, "GRBG", [](int k, std::size_t y, std::size_t x) {
    return static_cast<float>(0.1 + 0.1 * k + 0.05 * std::sin(0.3 * double(x) + 0.2 * double(y) * k));
  });
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Image one = demosaic(m.view(), CfaPattern::GRBG, DemosaicMethod::Rcd);
  omp_set_num_threads(std::max(threads, 3));
  const Image many = demosaic(m.view(), CfaPattern::GRBG, DemosaicMethod::Rcd);
  omp_set_num_threads(threads);
  ck_assert(one.samples() == many.samples());
#endif
}
END_TEST

namespace {

// RMS of (rgb - truth) over the interior (8-pixel margin), all three planes, and
// over the pixels within 4 of a star brighter than 2000 ADU.
struct RgbError {
  double all = 0, stars = 0;
};

RgbError rgb_error(const Image& rgb, const Image& truth, const std::vector<test::TruthStar>& stars,
                   double scale) {
  const std::size_t w = rgb.width(), h = rgb.height();
  std::vector<char> near_star(w * h, 0);
  for (const test::TruthStar& s : stars) {
    if (s.peak < 2000 || s.saturated) continue;
    for (long dy = -4; dy <= 4; ++dy)
      for (long dx = -4; dx <= 4; ++dx) {
        const long x = std::lround(s.x) + dx, y = std::lround(s.y) + dy;
        if (x >= 8 && y >= 8 && x < long(w) - 8 && y < long(h) - 8) near_star[std::size_t(y) * w + std::size_t(x)] = 1;
      }
  }
  double sum = 0, sum_stars = 0;
  std::size_t n = 0, n_stars = 0;
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t y = 8; y + 8 < h; ++y)
      for (std::size_t x = 8; x + 8 < w; ++x) {
        const double d = (rgb.at(k, y, x) / scale - truth.at(k, y, x)) * 65535.0;
        sum += d * d;
        ++n;
        if (near_star[y * w + x]) {
          sum_stars += d * d;
          ++n_stars;
        }
      }
  return {std::sqrt(sum / double(n)), std::sqrt(sum_stars / double(n_stars))};
}

}  // namespace

START_TEST(rcd_beats_bilinear_against_the_true_colour_sky) {
  const fs::path session = test::simulated_session(SimulationPreset::Osc);
  const Image sky = read_fits(session / "truth" / "sky.fit");
  const Image sky_rgb = read_fits(session / "truth" / "sky_rgb.fit");
  const auto stars = test::truth_stars(session);
  // The noise-free mosaic of light 1.
  Image mosaic = sky;
  mosaic.header().bayer_pattern = "RGGB";
  const RgbError clean_bilinear = rgb_error(debayer(mosaic, DemosaicMethod::Bilinear), sky_rgb, stars, 1.0);
  const RgbError clean_rcd = rgb_error(debayer(mosaic, DemosaicMethod::Rcd), sky_rgb, stars, 1.0);
  std::printf("# noise-free mosaic, RMS error in ADU: bilinear %.2f (stars %.1f), rcd %.2f (stars %.1f)\n",
              clean_bilinear.all, clean_bilinear.stars, clean_rcd.all, clean_rcd.stars);
  ck_assert_double_lt(clean_rcd.all, clean_bilinear.all);
  ck_assert_double_lt(clean_rcd.stars, 0.8 * clean_bilinear.stars);

  // Light 1 calibrated with the true masters.
  CalibrationMasters m;
  m.bias = MasterFrame{read_fits(session / "truth" / "master_bias.fit"), "bias.fit"};
  m.dark = MasterFrame{read_fits(session / "truth" / "master_dark_120s.fit"), "dark.fit"};
  m.flat = MasterFrame{read_fits(session / "truth" / "master_flat.fit"), "flat.fit"};
  const PreparedCalibration p = prepare_calibration(std::move(m), {});
  const fs::path light_file = test::light_files(session).front();
  const Image cal = calibrate_light(read_fits(light_file), light_file, p).image;
  const RgbError light_bilinear = rgb_error(debayer(cal, DemosaicMethod::Bilinear), sky_rgb, stars, p.flat_mean());
  const RgbError light_rcd = rgb_error(debayer(cal, DemosaicMethod::Rcd), sky_rgb, stars, p.flat_mean());
  std::printf("# calibrated light 1, RMS error in ADU: bilinear %.2f (stars %.1f), rcd %.2f (stars %.1f)\n",
              light_bilinear.all, light_bilinear.stars, light_rcd.all, light_rcd.stars);
  ck_assert_double_lt(light_rcd.all, light_bilinear.all);
  ck_assert_double_lt(light_rcd.stars, light_bilinear.stars);
}
END_TEST

int main() {
  Suite* suite = suite_create("debayer");
  TCase* rules = tcase_create("rules");
  ADD_TEST(rules, colours_land_in_their_planes_for_every_phase);
  ADD_TEST(rules, bilinear_is_exact_on_ramps_and_rcd_close);
  ADD_TEST(rules, negatives_and_values_above_one_pass_through);
  ADD_TEST(rules, frames_without_a_bayer_pattern_are_refused);
  ADD_TEST(rules, thread_count_does_not_change_pixels);
  suite_add_tcase(suite, rules);
  TCase* science = tcase_create("science");
  tcase_set_timeout(science, 240);
  ADD_TEST(science, rcd_beats_bilinear_against_the_true_colour_sky);
  suite_add_tcase(suite, science);
  const int status = astropack::test::run_suite(suite);
  astropack::test::remove_sessions();
  return status;
}
