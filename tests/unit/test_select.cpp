// SPDX-License-Identifier: GPL-3.0-or-later
// Per-frame quality on mono and CFA lights, and the selection rules built on it.
#include <cmath>
#include <fstream>
#include <sstream>

#include "astropack/fits.hpp"
#include "astropack/frame_quality.hpp"
#include "astropack/frame_selection.hpp"
#include "astropack/seq.hpp"
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

bool contains_text(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
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

namespace {

// Selects a session's ten lights with the default expression, writes the result into a
// .seq of those lights and reads it back.
void select_session(const fs::path& session, bool mono) {
  std::vector<fs::path> files;
  for (int n = 1; n <= 10; ++n) files.push_back(light(session, n, mono));
  NoProgress progress;
  const FrameSelection sel = select_frames(files, SelectionOptions{}, progress);
  for (std::size_t i = 0; i < 10; ++i)
    std::printf("# %s light %2zu: %s %s\n", mono ? "mono" : "osc", i + 1,
                sel.frames[i].kept ? "kept" : "rejected", sel.frames[i].reason.c_str());
  for (std::size_t i = 0; i < 10; ++i) {
    const bool bad = i + 1 == 4 || i + 1 == 8;  // the blurred and the trailed light
    ck_assert_msg(sel.frames[i].kept == !bad, "light %zu: %s", i + 1,
                  sel.frames[i].reason.c_str());
  }
  ck_assert(contains_text(sel.frames[3].reason, "fwhm > 1.5 * median(fwhm)"));
  ck_assert(contains_text(sel.frames[7].reason, "ecc > 0.7"));
  // The reference is the kept frame of the highest SNR weight.
  ck_assert_int_ge(sel.reference, 0);
  for (const SelectedFrame& f : sel.frames)
    if (f.kept) ck_assert(f.quality.snr_weight <= sel.frames[std::size_t(sel.reference)].quality.snr_weight);
  // The PSF weight ranks the blurred frame far below every good one.
  for (std::size_t i = 0; i < 10; ++i)
    if (sel.frames[i].kept)
      ck_assert_msg(sel.frames[3].quality.psf_weight < 0.3 * sel.frames[i].quality.psf_weight,
                    "blurred %g, light %zu %g", sel.frames[3].quality.psf_weight, i + 1,
                    sel.frames[i].quality.psf_weight);

  Sequence seq;
  seq.name = mono ? "Light_SimNebula_120s_Bin1_L_gain100_-10C_" : "Light_SimNebula_120s_Bin1_gain100_-10C_";
  seq.fixed_digits = 4;
  for (int n = 1; n <= 10; ++n) seq.frames.push_back(SeqFrame{n, true, {}, {}});
  const std::string first = seq.frame_file_name(0), expected = files[0].filename().string();
  ck_assert_str_eq(first.c_str(), expected.c_str());
  apply_selection(seq, sel);
  const fs::path folder = test::scratch_folder(mono ? "select-seq-mono" : "select-seq-osc");
  write_seq(seq_path(folder, seq.name), seq);
  const Sequence back = read_seq(seq_path(folder, seq.name));
  ck_assert_int_eq(back.reference, sel.reference);
  ck_assert_int_eq(back.selected_count(), 8);
  ck_assert(!back.frames[3].included && !back.frames[7].included && back.frames[0].included);
  ck_assert(std::fabs(back.frames[0].registration.at(0).fwhm - sel.frames[0].quality.fwhm) < 1e-4);
  fs::remove_all(folder);
}

}  // namespace

START_TEST(default_expression_rejects_blurred_and_trailed_mono) {
  select_session(mono_session(), true);
}
END_TEST

START_TEST(default_expression_rejects_blurred_and_trailed_osc) {
  select_session(osc_session(), false);
}
END_TEST

START_TEST(widths_and_roundness_against_the_truth) {
  // lights.csv: the seeing FWHM of every light (column 13); round stars except light 8.
  for (const bool mono : {true, false}) {
    const fs::path session = mono ? mono_session() : osc_session();
    std::ifstream in(session / "truth" / "lights.csv");
    std::string line;
    std::getline(in, line);
    for (int n = 1; n <= 10; ++n) {
      std::getline(in, line);
      std::stringstream ss(line);
      std::string cell;
      for (int column = 0; column < 13; ++column) std::getline(ss, cell, ',');
      const double truth = std::stod(cell);
      const FrameQuality q = measure_frame(read_fits(light(session, n, mono)));
      std::printf("# %s light %2d: FWHM %.3f px, truth %.3f (%+.1f %%), eccentricity %.3f\n",
                  mono ? "mono" : "osc", n, q.fwhm, truth, 100 * (q.fwhm / truth - 1),
                  q.eccentricity);
      if (n == 8) {
        // A noise-free trailed star of this length fits at eccentricity 0.875.
        ck_assert_msg(std::fabs(q.eccentricity - 0.875) < 0.05, "trailed ecc %g", q.eccentricity);
        continue;
      }
      ck_assert_msg(std::fabs(q.fwhm / truth - 1) < 0.05, "light %d FWHM %g vs %g", n, q.fwhm,
                    truth);
      // About 25 stars: the mean shape's own noise leaves up to about 0.2 for round stars.
      ck_assert_msg(q.eccentricity < 0.25, "light %d ecc %g", n, q.eccentricity);
    }
  }
}
END_TEST

START_TEST(thread_count_does_not_change_the_measurements) {
  std::vector<fs::path> files;
  for (int n = 1; n <= 6; ++n) files.push_back(light(mono_session(), n, true));
  NoProgress progress;
  SelectionOptions one, three;
  one.threads = 1;    // frames one after the other, threads inside each
  three.threads = 3;  // three frames at a time, one thread each
  const FrameSelection a = select_frames(files, one, progress);
  const FrameSelection b = select_frames(files, three, progress);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const FrameQuality& p = a.frames[i].quality;
    const FrameQuality& q = b.frames[i].quality;
    ck_assert(p.stars == q.stars && p.fitted == q.fitted && p.detected == q.detected);
    ck_assert(p.fwhm == q.fwhm && p.eccentricity == q.eccentricity && p.snr == q.snr);
    ck_assert(p.psf_weight == q.psf_weight && a.frames[i].weight == b.frames[i].weight);
  }
  ck_assert_int_eq(a.reference, b.reference);
}
END_TEST

int main() {
  Suite* suite = suite_create("select");
  TCase* quality = tcase_create("quality");
  tcase_set_timeout(quality, 120);
  ADD_TEST(quality, mono_quality_singles_out_blurred_and_trailed_lights);
  ADD_TEST(quality, cfa_quality_on_green_superpixels);
  ADD_TEST(quality, widths_and_roundness_against_the_truth);
  suite_add_tcase(suite, quality);
  TCase* selection = tcase_create("selection");
  tcase_set_timeout(selection, 120);
  ADD_TEST(selection, default_expression_rejects_blurred_and_trailed_mono);
  ADD_TEST(selection, default_expression_rejects_blurred_and_trailed_osc);
  ADD_TEST(selection, thread_count_does_not_change_the_measurements);
  suite_add_tcase(suite, selection);
  return astropack::test::run_suite(suite);
}
