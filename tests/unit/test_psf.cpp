// SPDX-License-Identifier: GPL-3.0-or-later
// PSF fits: exact recovery of synthetic profiles, and the simulator's seeing,
// blurred and trailed lights.
#include <algorithm>
#include <cmath>
#include <fstream>

#include "astropack/fits.hpp"
#include "astropack/psf_fit.hpp"
#include "astropack/simulate.hpp"
#include "astropack/statistics.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

const fs::path& session() {
  static const fs::path folder = [] {
    fs::path f = test::scratch_folder("psf-session");
    NoProgress progress;
    simulate_session(f, SimulationOptions{}, progress);
    return f;
  }();
  return folder;
}

fs::path light(int number) {
  char name[80];
  std::snprintf(name, sizeof name, "Light_SimNebula_120s_Bin1_L_gain100_-10C_%04d.fit", number);
  return session() / "lights" / name;
}

// An elliptical profile drawn with 8 x 8 samples per pixel.
Image draw(PsfProfile profile, double cx, double cy, double fwhm_major, double fwhm_minor,
           double angle_deg, double amplitude, double beta = 3) {
  Image image(40, 40, 1, 0.05f);
  const double t = angle_deg * M_PI / 180;
  const double factor = profile == PsfProfile::Gaussian
                            ? 2.3548200450309493
                            : 2 * std::sqrt(std::pow(2.0, 1 / beta) - 1);
  const double s1 = fwhm_major / factor, s2 = fwhm_minor / factor;
  for (std::size_t y = 0; y < 40; ++y)
    for (std::size_t x = 0; x < 40; ++x) {
      double sum = 0;
      for (int j = 0; j < 8; ++j)
        for (int i = 0; i < 8; ++i) {
          const double dx = double(x) - 0.5 + (i + 0.5) / 8 - cx;
          const double dy = double(y) - 0.5 + (j + 0.5) / 8 - cy;
          const double u = dx * std::cos(t) + dy * std::sin(t);
          const double v = -dx * std::sin(t) + dy * std::cos(t);
          const double q = u * u / (s1 * s1) + v * v / (s2 * s2);
          sum += profile == PsfProfile::Gaussian ? std::exp(-0.5 * q) : std::pow(1 + q, -beta);
        }
      image.at(0, y, x) += float(amplitude * sum / 64);
    }
  return image;
}

DetectedStar guess(double x, double y, double peak) {
  DetectedStar s;
  s.x = x;
  s.y = y;
  s.peak = peak;
  s.background = 0.05;
  s.noise = 0.001;
  return s;
}

double median(std::vector<float> v) { return median_in_place(std::span<float>(v)); }

struct FrameFit {
  double fwhm = 0, eccentricity = 0;
  std::size_t count = 0;
};

FrameFit measure(int number) {
  const Image frame = read_fits(light(number));
  const StarDetection found = detect_stars(frame.view());
  const std::vector<PsfFit> fits = fit_stars(frame.view(), found);
  std::vector<float> fwhm, ecc;
  for (const PsfFit& f : fits)
    if (f.ok && f.snr > 30) {
      fwhm.push_back(float(f.fwhm));
      ecc.push_back(float(f.eccentricity));
    }
  FrameFit out;
  out.count = fwhm.size();
  if (out.count) {
    out.fwhm = median(fwhm);
    out.eccentricity = median(ecc);
  }
  return out;
}

}  // namespace

START_TEST(elliptical_gaussian_is_recovered) {
  const Image image = draw(PsfProfile::Gaussian, 20.3, 19.6, 5.0, 3.0, 30.0, 0.4);
  PsfOptions options;
  options.profile = PsfProfile::Gaussian;
  const PsfFit fit = fit_psf(image.view(), guess(20, 20, 0.35), options);
  ck_assert(fit.ok);
  ck_assert_msg(std::fabs(fit.x - 20.3) < 0.01 && std::fabs(fit.y - 19.6) < 0.01, "%g %g", fit.x,
                fit.y);
  // The pixel's own width is removed: the drawn widths come back.
  const double major = 5.0, minor = 3.0;
  ck_assert_msg(std::fabs(fit.fwhm_major - major) < 0.03, "major %g vs %g", fit.fwhm_major, major);
  ck_assert_msg(std::fabs(fit.fwhm_minor - minor) < 0.03, "minor %g vs %g", fit.fwhm_minor, minor);
  ck_assert_msg(std::fabs(fit.angle_deg - 30.0) < 1.0, "angle %g", fit.angle_deg);
  const double ecc = std::sqrt(1 - (minor / major) * (minor / major));
  ck_assert_msg(std::fabs(fit.eccentricity - ecc) < 0.01, "ecc %g vs %g", fit.eccentricity, ecc);
  ck_assert_msg(std::fabs(fit.background - 0.05) < 1e-4, "bg %g", fit.background);
  const double flux = 0.4 * 2 * M_PI * (5.0 / 2.3548) * (3.0 / 2.3548);
  ck_assert_msg(std::fabs(fit.flux / flux - 1) < 0.01, "flux %g vs %g", fit.flux, flux);
}
END_TEST

START_TEST(moffat_is_recovered_with_its_beta) {
  const Image image = draw(PsfProfile::Moffat, 19.7, 20.2, 6.0, 6.0, 0.0, 0.3, 2.5);
  const PsfFit fit = fit_psf(image.view(), guess(20, 20, 0.3), {});
  ck_assert(fit.ok);
  ck_assert_msg(std::fabs(fit.fwhm / 6.0 - 1) < 0.02, "fwhm %g", fit.fwhm);
  ck_assert_msg(std::fabs(fit.beta - 2.5) < 0.15, "beta %g", fit.beta);
  ck_assert_msg(fit.eccentricity < 0.15, "ecc %g", fit.eccentricity);
  // A major axis along -45 degrees.
  const Image tilted = draw(PsfProfile::Moffat, 20, 20, 7.0, 4.0, -45.0, 0.3);
  const PsfFit t = fit_psf(tilted.view(), guess(20, 20, 0.3), {});
  ck_assert(t.ok);
  ck_assert_msg(std::fabs(t.angle_deg + 45.0) < 1.0, "angle %g", t.angle_deg);
}
END_TEST

START_TEST(image_scale_from_the_header) {
  Header header;
  ck_assert(!image_scale_arcsec(header));
  header.pixel_size_x = 3.76;
  header.focal_length = 480.0;
  ck_assert(std::fabs(*image_scale_arcsec(header) - 206.265 * 3.76 / 480.0) < 1e-12);
}
END_TEST

START_TEST(simulated_seeing_blur_and_trail_are_measured) {
  const FrameFit good = measure(1);
  const FrameFit blurred = measure(4);
  const FrameFit trailed = measure(8);
  std::printf("# light 1: %zu stars, FWHM %.3f px (truth 2.80), ecc %.3f; light 4 (blurred): "
              "FWHM %.3f (truth 5.17); light 8 (trailed): ecc %.3f\n",
              good.count, good.fwhm, good.eccentricity, blurred.fwhm, trailed.eccentricity);
  ck_assert_uint_ge(good.count, 20);
  ck_assert_msg(std::fabs(good.fwhm / 2.8 - 1) < 0.05, "FWHM %g vs 2.8", good.fwhm);
  ck_assert_msg(std::fabs(blurred.fwhm / 5.1696 - 1) < 0.05, "blurred FWHM %g", blurred.fwhm);
  ck_assert(blurred.fwhm > 1.5 * good.fwhm);
  ck_assert_msg(good.eccentricity < 0.35, "ecc %g", good.eccentricity);
  ck_assert_msg(trailed.eccentricity > good.eccentricity + 0.3, "trailed ecc %g",
                trailed.eccentricity);
}
END_TEST

int main() {
  Suite* suite = suite_create("psf");
  TCase* synthetic = tcase_create("synthetic");
  ADD_TEST(synthetic, elliptical_gaussian_is_recovered);
  ADD_TEST(synthetic, moffat_is_recovered_with_its_beta);
  ADD_TEST(synthetic, image_scale_from_the_header);
  suite_add_tcase(suite, synthetic);
  TCase* science = tcase_create("science");
  tcase_set_timeout(science, 120);
  ADD_TEST(science, simulated_seeing_blur_and_trail_are_measured);
  suite_add_tcase(suite, science);
  return astropack::test::run_suite(suite);
}
