// SPDX-License-Identifier: GPL-3.0-or-later
// Master calibration frames, scored against the simulator's ground truth.
#include <cmath>
#include <fstream>
#include <sstream>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/master_frame.hpp"
#include "astropack/simulate.hpp"
#include "astropack/tiff.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

// One simulated session shared by the science cases (made once per process).
const fs::path& session() {
  static const fs::path folder = [] {
    fs::path f = test::scratch_folder("master-session");
    NoProgress progress;
    simulate_session(f, SimulationOptions{}, progress);
    return f;
  }();
  return folder;
}

SimulatedCamera camera() { return simulation_plan(SimulationOptions{}).camera; }

Image master_of(MasterType type, const std::string& folder, MasterOptions options = {}) {
  if (options.type != type) {
    const MasterOptions defaults = default_master_options(type);
    options.type = defaults.type;
    options.integration = defaults.integration;
  }
  NoProgress progress;
  return make_master(image_files_in(session() / folder), options, progress).integration.image;
}

struct CsvRow {
  std::vector<std::string> cells;
};

std::vector<CsvRow> read_csv(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  std::vector<CsvRow> rows;
  while (std::getline(in, line)) {
    CsvRow row;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) row.cells.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

double rms_difference(const Image& a, const Image& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.samples().size(); ++i) {
    const double d = double(a.samples()[i]) - double(b.samples()[i]);
    sum += d * d;
  }
  return std::sqrt(sum / double(a.samples().size()));
}

}  // namespace

START_TEST(master_bias_noise_falls_as_one_over_sqrt_n) {
  const Image master = master_of(MasterType::Bias, "biases");
  const Image truth = read_fits(session() / "truth" / "master_bias.fit");
  const double read_noise = camera().read_noise_e / camera().electrons_per_adu / 65535.0;
  const double expected = read_noise / std::sqrt(12.0);
  const double rms = rms_difference(master, truth);
  ck_assert_msg(rms <= 1.10 * expected, "bias rms %g vs read noise / sqrt(N) %g", rms, expected);
  ck_assert_msg(rms >= 0.90 * expected, "bias rms %g suspiciously below %g", rms, expected);
  ck_assert_int_eq(*master.header().stack_count, 12);
  ck_assert_str_eq(master.header().image_type.c_str(), "Master Bias");
}
END_TEST

START_TEST(master_dark_keeps_hot_pixels_and_drops_cosmic_rays) {
  const Image master = master_of(MasterType::Dark, "darks");
  const Image truth = read_fits(session() / "truth" / "master_dark_120s.fit");
  const double noise_floor = 3.0 * camera().read_noise_e / camera().electrons_per_adu / 65535.0;
  int hot = 0;
  for (const CsvRow& row : read_csv(session() / "truth" / "hot_pixels.csv")) {
    if (row.cells[2] != "hot") continue;
    const std::size_t x = std::stoul(row.cells[0]), y = std::stoul(row.cells[1]);
    const double t = truth.at(0, y, x), m = master.at(0, y, x);
    // Hot pixels carry shot noise of their own dark current: allow 5 sigma of it over 8 frames.
    const double electrons = t * 65535.0 * camera().electrons_per_adu;
    const double shot = std::sqrt(electrons) / camera().electrons_per_adu / 65535.0 / std::sqrt(8.0);
    ck_assert_msg(std::fabs(m - t) < noise_floor + 5 * shot, "hot pixel %zu,%zu: %g vs %g", x, y, m, t);
    ++hot;
  }
  ck_assert_int_gt(hot, 5);
  int hits = 0;
  for (const CsvRow& row : read_csv(session() / "truth" / "cosmic_rays.csv")) {
    if (row.cells[0].rfind("darks/", 0) != 0) continue;
    const std::size_t x = std::stoul(row.cells[2]), y = std::stoul(row.cells[3]);
    const double residual = master.at(0, y, x) - truth.at(0, y, x);
    // A hit of thousands of ADU left in would raise the mean by hundreds of ADU.
    ck_assert_msg(residual < 25.0 / 65535.0, "cosmic ray at %zu,%zu left %g ADU", x, y,
                  residual * 65535.0);
    ++hits;
  }
  ck_assert_int_gt(hits, 10);
}
END_TEST

START_TEST(master_flat_follows_the_true_vignetting) {
  const Image darkflat = master_of(MasterType::DarkFlat, "darkflats");
  const fs::path darkflat_file = session() / "master_darkflat.fit";
  write_fits(darkflat_file, darkflat, SampleFormat::Float32);
  MasterOptions options = default_master_options(MasterType::Flat);
  options.darkflat = darkflat_file;
  const Image flat = master_of(MasterType::Flat, "flats", options);
  const Image truth = read_fits(session() / "truth" / "master_flat.fit");
  // Compare 16 x 16 block means: the shape, with per-pixel shot noise averaged away.
  double flat_mean = 0;
  for (float v : flat.samples()) flat_mean += v;
  flat_mean /= double(flat.samples().size());
  double worst = 0;
  for (std::size_t by = 0; by + 16 <= flat.height(); by += 16) {
    for (std::size_t bx = 0; bx + 16 <= flat.width(); bx += 16) {
      double f = 0, t = 0;
      for (std::size_t y = by; y < by + 16; ++y)
        for (std::size_t x = bx; x < bx + 16; ++x) {
          f += flat.at(0, y, x);
          t += truth.at(0, y, x);
        }
      worst = std::max(worst, std::fabs(f / flat_mean / t - 1.0));
    }
  }
  ck_assert_msg(worst < 0.005, "flat shape differs from the truth by %.3f%%", worst * 100);
  ck_assert(!flat.header().history.empty());
}
END_TEST

START_TEST(mismatched_frames_are_named) {
  const auto files = image_files_in(session() / "darks");
  std::vector<Image> frames;
  for (const auto& f : files) frames.push_back(read_fits(f));
  frames[2].header().exposure = 60.0;
  frames[5].header().temperature = 0.0;
  std::vector<const Image*> pointers;
  for (const auto& f : frames) pointers.push_back(&f);
  const FrameSet set = FrameSet::from_images(pointers);
  const auto found = find_input_mismatches(MasterType::Dark, set);
  ck_assert_uint_eq(found.size(), 2);
  ck_assert_str_eq(found[0].property.c_str(), "exposure");
  ck_assert_uint_eq(found[0].odd.size(), 1);
  ck_assert_str_eq(found[0].odd[0].c_str(), "frame 3");
  ck_assert_str_eq(found[1].property.c_str(), "temperature");
  ck_assert_str_eq(found[1].odd[0].c_str(), "frame 6");
  // Flats may differ in exposure, not in filter.
  frames[1].header().filter = "Ha";
  const auto flat_found = find_input_mismatches(MasterType::Flat, FrameSet::from_images(pointers));
  ck_assert_uint_eq(flat_found.size(), 1);
  ck_assert_str_eq(flat_found[0].property.c_str(), "filter");
}
END_TEST

START_TEST(strict_refuses_and_size_mismatch_is_an_error) {
  const fs::path folder = test::scratch_folder("master-strict");
  auto files = image_files_in(session() / "biases");
  files.resize(4);
  Image odd = read_fits(files[0]);
  odd.header().gain = 200;
  write_fits(folder / "odd.fit", odd, SampleFormat::UInt16);
  files.push_back(folder / "odd.fit");
  MasterOptions options = default_master_options(MasterType::Bias);
  options.strict = true;
  NoProgress progress;
  bool thrown = false;
  try {
    make_master(files, options, progress);
  } catch (const Error& e) {
    thrown = e.file() == folder / "odd.fit";
  }
  ck_assert(thrown);
  Image small(10, 10, 1, 0.1f);
  write_fits(folder / "small.fit", small, SampleFormat::UInt16);
  files.back() = folder / "small.fit";
  options.strict = false;
  thrown = false;
  try {
    make_master(files, options, progress);
  } catch (const Error& e) {
    thrown = e.file() == folder / "small.fit" && e.kind() == ErrorKind::InvalidInput;
  }
  ck_assert(thrown);
  fs::remove_all(folder);
}
END_TEST

START_TEST(tiff_frames_integrate_like_fits) {
  const fs::path folder = test::scratch_folder("master-tiff");
  auto files = image_files_in(session() / "biases");
  files.resize(5);
  std::vector<fs::path> tiffs;
  for (const auto& f : files) {
    const Image frame = read_fits(f);
    tiffs.push_back(folder / (f.stem().string() + ".tif"));
    write_tiff(tiffs.back(), frame.view(), frame.header(), SampleFormat::UInt16);
  }
  MasterOptions options = default_master_options(MasterType::Bias);
  options.integration.memory_budget = 1;  // one row per band: every band decodes the TIFF again
  NoProgress progress;
  const Image from_fits = make_master(files, options, progress).integration.image;
  const Image from_tiff = make_master(tiffs, options, progress).integration.image;
  ck_assert(from_fits.samples() == from_tiff.samples());
  fs::remove_all(folder);
}
END_TEST

START_TEST(auto_rejection_follows_frame_count) {
  ck_assert(auto_rejection_method(3) == RejectionMethod::Percentile);
  ck_assert(auto_rejection_method(6) == RejectionMethod::Percentile);
  ck_assert(auto_rejection_method(7) == RejectionMethod::AveragedSigma);
  ck_assert(auto_rejection_method(14) == RejectionMethod::AveragedSigma);
  ck_assert(auto_rejection_method(15) == RejectionMethod::Winsorized);
  ck_assert(auto_rejection_method(24) == RejectionMethod::Winsorized);
  ck_assert(auto_rejection_method(25) == RejectionMethod::LinearFit);
  ck_assert(auto_rejection_method(1000) == RejectionMethod::LinearFit);
}
END_TEST

START_TEST(natural_order_sorts_numbers_as_numbers) {
  ck_assert(natural_less("IMG_9.fit", "IMG_10.fit"));
  ck_assert(!natural_less("IMG_10.fit", "IMG_9.fit"));
  ck_assert(natural_less("IMG_10.fit", "IMG_100.fit"));
  ck_assert(natural_less("a_0002", "a_10"));
  ck_assert(natural_less("bias", "Dark"));
}
END_TEST

int main() {
  Suite* suite = suite_create("master");
  TCase* science = tcase_create("science");
  tcase_set_timeout(science, 120);
  ADD_TEST(science, master_bias_noise_falls_as_one_over_sqrt_n);
  ADD_TEST(science, master_dark_keeps_hot_pixels_and_drops_cosmic_rays);
  ADD_TEST(science, master_flat_follows_the_true_vignetting);
  ADD_TEST(science, mismatched_frames_are_named);
  ADD_TEST(science, strict_refuses_and_size_mismatch_is_an_error);
  ADD_TEST(science, tiff_frames_integrate_like_fits);
  suite_add_tcase(suite, science);
  TCase* rules = tcase_create("rules");
  ADD_TEST(rules, auto_rejection_follows_frame_count);
  ADD_TEST(rules, natural_order_sorts_numbers_as_numbers);
  suite_add_tcase(suite, rules);
  const int status = astropack::test::run_suite(suite);
  return status;
}
