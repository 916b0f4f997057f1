// SPDX-License-Identifier: GPL-3.0-or-later
// Per-frame quality on mono and CFA lights, and the selection rules built on it.
#include <cmath>

#include "astropack/fits.hpp"
#include "astropack/frame_quality.hpp"
#include "astropack/simulate.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

fs::path simulated(SimulationPreset preset) {
  SimulationOptions options;
  options.preset = preset;
  fs::path f = test::scratch_folder(std::string("select-") + std::string(to_string(preset)));
  NoProgress progress;
  simulate_session(f, options, progress);
  return f;
}

const fs::path& mono_session() {
  static const fs::path folder = simulated(SimulationPreset::Small);
  return folder;
}

const fs::path& osc_session() {
  static const fs::path folder = simulated(SimulationPreset::Osc);
  return folder;
}

fs::path light(const fs::path& session, int number, bool mono) {
  char name[80];
  std::snprintf(name, sizeof name, "Light_SimNebula_120s_Bin1_%sgain100_-10C_%04d.fit",
                mono ? "L_" : "", number);
  return session / "lights" / name;
}

}  // namespace

START_TEST(mono_quality_singles_out_blurred_and_trailed_lights) {
  std::vector<FrameQuality> q;
  for (int n = 1; n <= 10; ++n) q.push_back(measure_frame(read_fits(light(mono_session(), n, true))));
  for (int n = 1; n <= 10; ++n)
    std::printf("# light %2d: %3zu stars, FWHM %.2f px %.2f\", ecc %.2f, bg %.5f, noise %.6f, "
                "snr %.2f, psf weight %.0f\n", n, q[std::size_t(n - 1)].stars,
                q[std::size_t(n - 1)].fwhm, q[std::size_t(n - 1)].fwhm_arcsec,
                q[std::size_t(n - 1)].eccentricity, q[std::size_t(n - 1)].background,
                q[std::size_t(n - 1)].noise, q[std::size_t(n - 1)].snr,
                q[std::size_t(n - 1)].psf_weight);
  for (int n = 1; n <= 10; ++n) {
    const FrameQuality& f = q[std::size_t(n - 1)];
    ck_assert_uint_ge(f.stars, 15);
    ck_assert(!f.cfa);
    ck_assert(std::fabs(f.fwhm_arcsec - f.fwhm * 206.265 * 3.76 / 480.0) < 1e-9);
    if (n == 4 || n == 8) continue;
    ck_assert_msg(f.fwhm < 3.2, "light %d FWHM %g", n, f.fwhm);
    ck_assert_msg(q[3].fwhm > 1.5 * f.fwhm, "blurred %g vs light %d %g", q[3].fwhm, n, f.fwhm);
    ck_assert_msg(q[7].psf_weight < 0.5 * f.psf_weight, "trailed psf weight, light %d", n);
    ck_assert_msg(f.eccentricity < 0.5, "light %d ecc %g", n, f.eccentricity);
    ck_assert_msg(q[7].eccentricity > f.eccentricity + 0.3, "light %d", n);
  }
  // The background follows the simulated sky level: about 2000 ADU with bias and dark.
  ck_assert_msg(q[0].background * 65535 > 1700 && q[0].background * 65535 < 2400, "bg %g",
                q[0].background * 65535);
}
END_TEST

START_TEST(cfa_quality_on_green_superpixels) {
  const FrameQuality good = measure_frame(read_fits(light(osc_session(), 1, false)));
  const FrameQuality blurred = measure_frame(read_fits(light(osc_session(), 4, false)));
  std::printf("# osc light 1: %zu stars, FWHM %.2f px, ecc %.2f; light 4: FWHM %.2f\n",
              good.stars, good.fwhm, good.eccentricity, blurred.fwhm);
  ck_assert(good.cfa);
  ck_assert_uint_ge(good.stars, 10);
  // Superpixels add their own width; the full-resolution FWHM stays within 15 %.
  ck_assert_msg(std::fabs(good.fwhm / 2.8 - 1) < 0.15, "FWHM %g", good.fwhm);
  ck_assert(blurred.fwhm > 1.4 * good.fwhm);
}
END_TEST

int main() {
  Suite* suite = suite_create("select");
  TCase* quality = tcase_create("quality");
  tcase_set_timeout(quality, 120);
  ADD_TEST(quality, mono_quality_singles_out_blurred_and_trailed_lights);
  ADD_TEST(quality, cfa_quality_on_green_superpixels);
  suite_add_tcase(suite, quality);
  return astropack::test::run_suite(suite);
}
