// SPDX-License-Identifier: GPL-3.0-or-later
// Light stacks of the simulated mono and colour sessions, registered with the
// simulator's true transforms: noise falls as 1/sqrt(N) (weighted), cosmic
// rays and the satellite trail are rejected, stars stay as sharp as the good
// frames'. Also: registered band reads, determinism over band layouts and
// threads, frames left out by name, common framing and the coverage map.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/frame_quality.hpp"
#include "astropack/frame_set.hpp"
#include "astropack/light_calibration.hpp"
#include "astropack/light_stack.hpp"
#include "astropack/statistics.hpp"
#include "calibration_fixture.hpp"
#include "check_main.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace astropack;
using namespace astropack::test;
namespace fs = std::filesystem;

namespace {

struct TruthLight {
  fs::path file;        // calibrated light
  Transform transform;  // reference -> frame
  double fwhm = 0;
  bool blurred = false, trailed = false, satellite = false;
  Point2 trail_start, trail_end;  // frame coordinates
  double trail_peak_adu = 0;
};

// The session's lights calibrated with the true masters (dark with bias, flat),
// written once per run beside the session as 32-bit float FITS.
std::vector<TruthLight> calibrated_session(SimulationPreset preset) {
  const fs::path session = simulated_session(preset);
  const fs::path folder = session / "stack-calibrated";
  std::vector<TruthLight> lights;
  for (const auto& row : read_csv(session / "truth" / "lights.csv")) {
    TruthLight light;
    light.file = folder / fs::path(row[1]).filename();
    light.transform = Transform::from_matrix({std::stod(row[6]), std::stod(row[7]), std::stod(row[8]),
                                              std::stod(row[9]), std::stod(row[10]), std::stod(row[11]),
                                              0, 0, 1});
    light.fwhm = std::stod(row[12]);
    light.blurred = row[15] == "1";
    light.trailed = row[16] == "1";
    light.satellite = row[19] == "1";
    if (light.satellite) {
      light.trail_start = {std::stod(row[20]), std::stod(row[21])};
      light.trail_end = {std::stod(row[22]), std::stod(row[23])};
      light.trail_peak_adu = std::stod(row[24]);
    }
    lights.push_back(light);
  }
  if (fs::exists(folder / "done")) return lights;
  const fs::path partial = folder.string() + ".partial-" + std::to_string(::getpid());
  fs::remove_all(partial);
  fs::create_directories(partial);
  CalibrationMasters masters;
  masters.dark = MasterFrame{read_fits(session / "truth" / "master_dark_120s.fit"), "master_dark_120s.fit"};
  masters.flat = MasterFrame{read_fits(session / "truth" / "master_flat.fit"), "master_flat.fit"};
  const PreparedCalibration prepared = prepare_calibration(std::move(masters), {});
  for (const auto& row : read_csv(session / "truth" / "lights.csv")) {
    const fs::path raw = session / row[1];
    const LightCalibrationResult r = calibrate_light(read_fits(raw), raw, prepared);
    write_fits(partial / raw.filename(), r.image, SampleFormat::Float32);
  }
  std::ofstream(partial / "done") << "ok\n";
  fs::remove_all(folder);
  fs::rename(partial, folder);
  return lights;
}

std::vector<LightFrame> light_frames(const std::vector<TruthLight>& lights, bool keep_bad = true) {
  std::vector<LightFrame> frames;
  for (const TruthLight& l : lights) {
    if (!keep_bad && (l.blurred || l.trailed)) continue;
    LightFrame f;
    f.file = l.file;
    f.transform = l.transform;
    frames.push_back(f);
  }
  return frames;
}

Image sky_truth(SimulationPreset preset) {
  const fs::path truth = simulated_session(preset) / "truth";
  return read_fits(truth / (preset == SimulationPreset::Osc ? "sky_rgb.fit" : "sky.fit"));
}

// A central window, away from the edges that not every frame covers.
constexpr std::size_t kMargin = 24;

ConstImageView centre(const Image& image, std::size_t channel) {
  const ConstImageView plane = image.view().plane(channel);
  const std::size_t w = image.width() - 2 * kMargin, h = image.height() - 2 * kMargin;
  return ConstImageView(plane.row(0, kMargin) + kMargin, w, h, 1, plane.row_stride(), plane.plane_stride());
}

// Background pixels of the central window: where the true sky is below its
// 60th percentile there (no stars, whose widths differ from frame to frame).
std::vector<std::size_t> background_pixels(const Image& sky, std::size_t channel) {
  std::vector<float> values;
  for (std::size_t y = kMargin; y + kMargin < sky.height(); ++y)
    for (std::size_t x = kMargin; x + kMargin < sky.width(); ++x) values.push_back(sky.at(channel, y, x));
  auto cut = values.begin() + std::ptrdiff_t(values.size() * 6 / 10);
  std::nth_element(values.begin(), cut, values.end());
  std::vector<std::size_t> pixels;
  for (std::size_t y = kMargin; y + kMargin < sky.height(); ++y)
    for (std::size_t x = kMargin; x + kMargin < sky.width(); ++x)
      if (sky.at(channel, y, x) < *cut) pixels.push_back(y * sky.width() + x);
  return pixels;
}

// Robust standard deviation (1.4826 MAD) over the pixels of image - (a sky + b),
// with a and b fitted by least squares: the noise, whatever the correlations
// resampling brings and whatever level and scale normalisation left.
double residual_noise(const Image& image, const Image& sky, std::size_t channel,
                      const std::vector<std::size_t>& pixels) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = double(pixels.size());
  for (std::size_t i : pixels) {
    const double x = sky.plane(channel)[i], y = image.plane(channel)[i];
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double a = (n * sxy - sx * sy) / (n * sxx - sx * sx), b = (sy - a * sx) / n;
  std::vector<float> d;
  for (std::size_t i : pixels) d.push_back(float(image.plane(channel)[i] - (a * sky.plane(channel)[i] + b)));
  const double median = median_in_place(d);
  for (float& v : d) v = std::abs(v - float(median));
  return 1.4826 * median_in_place(d);
}

// The noise a weighted mean of the registered, normalised frames would have:
// sqrt(sum w^2 s^2) / sum w, with s the noise of each frame read through the
// same registration and normalisation.
double expected_noise(const std::vector<TruthLight>& lights, const LightStackResult& r,
                      const LightStackOptions& o, const Image& sky, std::size_t channel) {
  std::vector<fs::path> files;
  std::vector<Transform> transforms;
  for (const TruthLight& l : lights) {
    files.push_back(l.file);
    transforms.push_back(l.transform);
  }
  FrameSet set = FrameSet::from_files(files);
  FrameRegistration reg;
  reg.transforms = transforms;
  reg.resample = o.resample;
  if (set.header(0).is_cfa()) reg.demosaic = o.demosaic;
  set.register_on_read(reg);
  const auto& m = r.integration.measurements;
  const std::vector<std::size_t> pixels = background_pixels(sky, channel);
  double sum_w = 0, sum_w2s2 = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const NormalisationMap map = normalisation_map(o.integration.normalisation, m[i].channels[channel],
                                                   m[r.reference].channels[channel]);
    const double s = map.multiplier * residual_noise(set.read_frame(i), sky, channel, pixels);
    const double w = r.integration.weights.empty() ? 1.0 : r.integration.weights[i];
    sum_w += w;
    sum_w2s2 += w * w * s * s;
  }
  return std::sqrt(sum_w2s2) / sum_w;
}

void check_noise(SimulationPreset preset) {
  const std::vector<TruthLight> lights = calibrated_session(preset);
  const LightStackOptions o = default_light_stack_options();
  NoProgress progress;
  const LightStackResult r = stack_lights(light_frames(lights), 0, o, progress);
  ck_assert_uint_eq(r.stacked.size(), lights.size());
  ck_assert_uint_eq(r.left_out.size(), 0);
  ck_assert_uint_eq(r.integration.weights.size(), lights.size());
  const Image sky = sky_truth(preset);
  for (std::size_t c = 0; c < r.integration.image.channels(); ++c) {
    const double measured =
        residual_noise(r.integration.image, sky, c, background_pixels(sky, c));
    const double expected = expected_noise(lights, r, o, sky, c);
    std::fflush(stdout);
    std::printf("# %s channel %zu: stack noise %.3f ADU, expected %.3f ADU (ratio %.3f)\n",
                std::string(to_string(preset)).c_str(), c, measured * 65535, expected * 65535,
                measured / expected);
    std::fflush(stdout);
    ck_assert_msg(std::abs(measured / expected - 1.0) < 0.10, "channel %zu: noise %g vs %g", c,
                  measured, expected);
  }
}

// Median of a truth channel: the background level.
double sampled_level(const Image& image, std::size_t channel) {
  std::vector<float> values(image.plane(channel), image.plane(channel) + image.pixel_count());
  return median_in_place(values);
}

// Median of stack - sky over the central window: the stack is normalised to
// the reference light, whose calibrated level differs a little from the truth's.
double level_offset(const Image& stack, const Image& sky, std::size_t channel) {
  std::vector<float> d;
  for (std::size_t y = kMargin; y + kMargin < stack.height(); ++y)
    for (std::size_t x = kMargin; x + kMargin < stack.width(); ++x)
      d.push_back(stack.at(channel, y, x) - sky.at(channel, y, x));
  return median_in_place(d);
}

// Largest |stack - sky| around the reference-frame points of the frame pixels
// a cosmic ray hit, in units of the stack's noise, over hits on background.
void check_cosmic_rays(SimulationPreset preset) {
  const std::vector<TruthLight> lights = calibrated_session(preset);
  NoProgress progress;
  const LightStackResult r = stack_lights(light_frames(lights), 0, default_light_stack_options(), progress);
  const Image& stack = r.integration.image;
  const Image sky = sky_truth(preset);
  const fs::path session = simulated_session(preset);
  std::vector<double> offsets;
  for (std::size_t c = 0; c < stack.channels(); ++c) offsets.push_back(level_offset(stack, sky, c));
  std::size_t checked = 0;
  double worst = 0;
  for (const auto& row : read_csv(session / "truth" / "cosmic_rays.csv")) {
    if (row[0].rfind("lights/", 0) != 0) continue;
    const auto light = std::find_if(lights.begin(), lights.end(), [&](const TruthLight& l) {
      return l.file.filename() == fs::path(row[0]).filename();
    });
    ck_assert(light != lights.end());
    // A hit that a mean of N frames would keep above 10 noise units.
    const double adu = std::stod(row[5]);
    const Point2 p = light->transform.inverse().apply({std::stod(row[2]), std::stod(row[3])});
    const auto x = static_cast<std::ptrdiff_t>(std::lround(p.x)), y = static_cast<std::ptrdiff_t>(std::lround(p.y));
    if (x < 30 || y < 30 || x + 30 >= std::ptrdiff_t(stack.width()) || y + 30 >= std::ptrdiff_t(stack.height()))
      continue;
    for (std::size_t c = 0; c < stack.channels(); ++c) {
      const double noise = background_noise(centre(stack, c));
      if (adu / 65535.0 / double(lights.size()) < 10 * noise) continue;
      // Only hits on the background: stars would blur the comparison.
      const double background = sampled_level(sky, c) + offsets[c];
      bool on_star = false;
      double local = 0;
      for (std::ptrdiff_t dy = -2; dy <= 2; ++dy)
        for (std::ptrdiff_t dx = -2; dx <= 2; ++dx) {
          const double truth = sky.at(c, std::size_t(y + dy), std::size_t(x + dx)) + offsets[c];
          on_star = on_star || truth > background + 20 * noise;
          if (std::abs(dx) <= 1 && std::abs(dy) <= 1)
            local = std::max(local, (double(stack.at(c, std::size_t(y + dy), std::size_t(x + dx))) - truth) / noise);
        }
      if (on_star) continue;
      worst = std::max(worst, local);
      ++checked;
    }
  }
  std::printf("# %s: %zu cosmic-ray hits checked, worst residual %.2f sigma\n",
              std::string(to_string(preset)).c_str(), checked, worst);
  ck_assert_uint_ge(checked, 10);
  ck_assert_msg(worst < 5.0, "a cosmic ray is left: %.2f sigma", worst);

  // The satellite trail: its mean residual along the track, against the
  // 1/N of its peak an unrejected trail would leave.
  const auto satellite = std::find_if(lights.begin(), lights.end(), [](const TruthLight& l) { return l.satellite; });
  ck_assert(satellite != lights.end());
  const Transform back = satellite->transform.inverse();
  std::vector<float> residuals;
  for (int i = 0; i <= 400; ++i) {
    const double t = i / 400.0;
    const Point2 f{satellite->trail_start.x + t * (satellite->trail_end.x - satellite->trail_start.x),
                   satellite->trail_start.y + t * (satellite->trail_end.y - satellite->trail_start.y)};
    const Point2 p = back.apply(f);
    const auto x = std::lround(p.x), y = std::lround(p.y);
    if (x < 30 || y < 30 || x + 30 >= long(stack.width()) || y + 30 >= long(stack.height())) continue;
    for (std::size_t c = 0; c < stack.channels(); ++c) {
      const double truth = sky.at(c, std::size_t(y), std::size_t(x)) + offsets[c];
      if (truth > sampled_level(sky, c) + offsets[c] + 5 * background_noise(centre(stack, c))) continue;
      residuals.push_back(float(double(stack.at(c, std::size_t(y), std::size_t(x))) - truth));
    }
  }
  const std::size_t samples = residuals.size();
  const double mean = median_in_place(residuals) * 65535.0;
  const double unrejected = satellite->trail_peak_adu / double(lights.size());
  std::printf("# %s: satellite trail median residual %.2f ADU over %zu samples (unrejected: %.0f ADU)\n",
              std::string(to_string(preset)).c_str(), mean, samples, unrejected);
  ck_assert_uint_ge(samples, 100);
  ck_assert_msg(std::abs(mean) < 0.03 * unrejected, "trail residual %.2f ADU", mean);
}

}  // namespace

START_TEST(mono_stack_noise_falls_as_sqrt_n) { check_noise(SimulationPreset::Small); }
END_TEST

START_TEST(osc_stack_noise_falls_as_sqrt_n) { check_noise(SimulationPreset::Osc); }
END_TEST

START_TEST(mono_stack_rejects_cosmic_rays_and_the_trail) { check_cosmic_rays(SimulationPreset::Small); }
END_TEST

START_TEST(osc_stack_rejects_cosmic_rays_and_the_trail) { check_cosmic_rays(SimulationPreset::Osc); }
END_TEST

// Stars of the stack of the good frames (the blurred and trailed lights left
// out, as selection does) are at most 5% wider than those frames' median.
void check_fwhm(SimulationPreset preset) {
  const std::vector<TruthLight> lights = calibrated_session(preset);
  LightStackOptions o = default_light_stack_options();
  o.weighting = StackWeighting::Psf;
  NoProgress progress;
  const LightStackResult r = stack_lights(light_frames(lights, false), 0, o, progress);
  std::vector<double> fwhm;
  double best = 1e9;
  for (const TruthLight& l : lights) {
    if (l.blurred || l.trailed) continue;
    const double f = measure_frame(read_fits(l.file)).fwhm;
    fwhm.push_back(f);
    best = std::min(best, f);
  }
  std::sort(fwhm.begin(), fwhm.end());
  const double median = fwhm[fwhm.size() / 2];
  const double stacked = measure_frame(r.integration.image).fwhm;
  std::printf("# %s: stack FWHM %.3f px; frames: best %.3f, median %.3f (ratio to median %.3f)\n",
              std::string(to_string(preset)).c_str(), stacked, best, median, stacked / median);
  ck_assert_msg(stacked <= 1.05 * median, "stack FWHM %.3f vs frames %.3f", stacked, median);
  ck_assert(stacked > 0.8 * best);
}

START_TEST(mono_stack_keeps_stars_sharp) { check_fwhm(SimulationPreset::Small); }
END_TEST

START_TEST(osc_stack_keeps_stars_sharp) { check_fwhm(SimulationPreset::Osc); }
END_TEST

START_TEST(registered_bands_match_the_whole_frame) {
  const std::vector<TruthLight> lights = calibrated_session(SimulationPreset::Osc);
  FrameSet set = FrameSet::from_files({lights[4].file});
  const Image mosaic = read_fits(lights[4].file);
  FrameRegistration reg;
  reg.transforms = {lights[4].transform};
  reg.demosaic = DemosaicMethod::Rcd;
  reg.lifts = {demosaic_lift(mosaic.view())};
  set.register_on_read(reg);
  ck_assert_uint_eq(set.channels(), 3);
  ck_assert(!set.header(0).is_cfa());
  // The whole frame, demosaiced whole and resampled whole ...
  const Image rgb = demosaic(mosaic.view(), *phase_at_origin(mosaic.header(), mosaic.height()),
                             DemosaicMethod::Rcd, reg.lifts[0]);
  const Image whole = resample_frame(rgb, lights[4].transform, mosaic.width(), mosaic.height());
  // ... equals band reads of any height, bit for bit.
  for (std::size_t rows : {std::size_t{9}, std::size_t{50}, std::size_t{240}}) {
    Image banded(set.width(), set.height(), 3);
    for (std::size_t first = 0; first < set.height(); first += rows) {
      const RowBand band{first, std::min(rows, set.height() - first)};
      set.read_band(0, band, banded.view().band(band.first_row, band.rows));
    }
    ck_assert_msg(std::memcmp(whole.samples().data(), banded.samples().data(),
                              whole.samples().size() * sizeof(float)) == 0,
                  "bands of %zu rows differ", rows);
  }
  ck_assert_uint_gt(set.read_scratch_bytes(10), 0);
}
END_TEST

START_TEST(stack_is_the_same_for_any_budget_and_thread_count) {
  const std::vector<TruthLight> lights = calibrated_session(SimulationPreset::Osc);
  NoProgress progress;
  LightStackOptions o = default_light_stack_options();
  o.integration.memory_budget = 512u << 20;
  const LightStackResult big = stack_lights(light_frames(lights), 0, o, progress);
  o.integration.memory_budget = 4u << 20;  // a few rows per band
  o.integration.threads = 1;
  const LightStackResult small = stack_lights(light_frames(lights), 0, o, progress);
  const auto& a = big.integration.image.samples();
  const auto& b = small.integration.image.samples();
  ck_assert_uint_eq(a.size(), b.size());
  ck_assert(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}
END_TEST

START_TEST(unusable_frames_are_left_out_by_name) {
  const std::vector<TruthLight> lights = calibrated_session(SimulationPreset::Small);
  const fs::path folder = scratch_folder("stack-bad");
  std::vector<LightFrame> frames = light_frames(lights);
  // No registration; another size; a truncated file.
  frames[2].transform.reset();
  frames[2].failure = "has too few stars to match.";
  write_fits(folder / "small.fit", Image(100, 80, 1, 0.1f), SampleFormat::Float32);
  frames[3].file = folder / "small.fit";
  {
    std::ifstream in(lights[5].file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(folder / "truncated.fit", std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() / 2));
  }
  frames[5].file = folder / "truncated.fit";
  NoProgress progress;
  const LightStackResult r = stack_lights(frames, 0, default_light_stack_options(), progress);
  ck_assert_uint_eq(r.stacked.size(), frames.size() - 3);
  ck_assert_uint_eq(r.left_out.size(), 3);
  std::vector<std::string> names;
  for (const LightFrame& f : r.left_out) {
    names.push_back(f.file.filename().string());
    ck_assert_msg(!f.failure.empty(), "%s has no reason", names.back().c_str());
  }
  ck_assert(std::find(names.begin(), names.end(), "small.fit") != names.end());
  ck_assert(std::find(names.begin(), names.end(), "truncated.fit") != names.end());
  ck_assert(std::find(names.begin(), names.end(), lights[2].file.filename().string()) != names.end());
  // HISTORY names them too, and STACKCNT counts the frames stacked.
  const Header& h = r.integration.image.header();
  ck_assert(h.stack_count && *h.stack_count == int(frames.size() - 3));
  ck_assert(std::any_of(h.history.begin(), h.history.end(), [](const std::string& line) {
    return line.find("left out truncated.fit") != std::string::npos;
  }));
  // A reference without registration is an error, not a silent stack.
  bool thrown = false;
  try {
    stack_lights(frames, 2, default_light_stack_options(), progress);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidInput;
  }
  ck_assert(thrown);
  fs::remove_all(folder);
}
END_TEST

START_TEST(common_framing_crops_to_the_shared_area) {
  // Pure shifts: the common area is known exactly.
  const std::vector<Transform> shifts = {Transform(), Transform::shift(3.4, -2.2),
                                         Transform::shift(-5.0, 1.5)};
  const auto area = common_area(shifts, 100, 80, 100, 80);
  ck_assert(area.has_value());
  // x: frame 2 needs x - 5 >= 0 -> x0 = 5; frame 1 needs x + 3.4 <= 99 -> x1 = 95.
  ck_assert_uint_eq(area->x0, 5);
  ck_assert_uint_eq(area->x1, 95);
  // y: frame 1 needs y - 2.2 >= 0 -> y0 = 3; frame 2 needs y + 1.5 <= 79 -> y1 = 77.
  ck_assert_uint_eq(area->y0, 3);
  ck_assert_uint_eq(area->y1, 77);
  ck_assert(!common_area({Transform(), Transform::shift(200, 0)}, 100, 80, 100, 80).has_value());
  // A half turn about the centre keeps the whole frame.
  const auto turned = common_area({Transform(), Transform::similarity(1, 180, {49.5, 39.5}, 0, 0)},
                                  100, 80, 100, 80);
  ck_assert(turned && turned->x0 == 0 && turned->x1 == 99 && turned->y1 == 79);

  const std::vector<TruthLight> lights = calibrated_session(SimulationPreset::Small);
  LightStackOptions o = default_light_stack_options();
  o.framing = Framing::Common;
  o.coverage_map = true;
  NoProgress progress;
  const LightStackResult r = stack_lights(light_frames(lights), 0, o, progress);
  const Image& image = r.integration.image;
  ck_assert_uint_lt(image.width(), 320);
  ck_assert_uint_gt(image.width(), 300);
  ck_assert_uint_lt(image.height(), 240);
  ck_assert_uint_gt(image.height(), 220);
  // Every frame covers every pixel: no pixel lacks data, the coverage is N throughout.
  for (float v : image.samples()) ck_assert(v != 0.0f);
  ck_assert_uint_eq(r.coverage.width(), image.width());
  for (float v : r.coverage.samples()) ck_assert_float_eq_tol(v, float(lights.size()), 1e-3f);
}
END_TEST

START_TEST(reference_framing_keeps_the_grid_with_a_coverage_map) {
  const std::vector<TruthLight> lights = calibrated_session(SimulationPreset::Small);
  LightStackOptions o = default_light_stack_options();
  o.coverage_map = true;
  o.weighting = StackWeighting::None;
  NoProgress progress;
  const LightStackResult r = stack_lights(light_frames(lights), 0, o, progress);
  ck_assert_uint_eq(r.integration.image.width(), 320);
  ck_assert_uint_eq(r.integration.image.height(), 240);
  // Centre: all frames; the corners lose the frames dithered away from them.
  ck_assert_float_eq(r.coverage.at(0, 120, 160), float(lights.size()));
  float least = 1e9f;
  for (float v : r.coverage.samples()) least = std::min(least, v);
  ck_assert_float_lt(least, float(lights.size()));
  ck_assert_float_ge(least, 1.0f);
  // The header is a light stack's.
  const Header& h = r.integration.image.header();
  ck_assert(h.stack_count && *h.stack_count == int(lights.size()));
  ck_assert(h.live_time && std::abs(*h.live_time - 120.0 * double(lights.size())) < 1e-6);
  ck_assert(h.exposure && *h.exposure == 120.0);
  ck_assert(std::any_of(h.history.begin(), h.history.end(), [](const std::string& line) {
    return line.find("registered with lanczos3 (clamped)") != std::string::npos;
  }));
}
END_TEST

int main() {
  Suite* suite = suite_create("light_stack");
  TCase* tc = tcase_create("light_stack");
  tcase_set_timeout(tc, 600);
  ADD_TEST(tc, mono_stack_noise_falls_as_sqrt_n);
  ADD_TEST(tc, osc_stack_noise_falls_as_sqrt_n);
  ADD_TEST(tc, mono_stack_rejects_cosmic_rays_and_the_trail);
  ADD_TEST(tc, osc_stack_rejects_cosmic_rays_and_the_trail);
  ADD_TEST(tc, mono_stack_keeps_stars_sharp);
  ADD_TEST(tc, osc_stack_keeps_stars_sharp);
  ADD_TEST(tc, registered_bands_match_the_whole_frame);
  ADD_TEST(tc, stack_is_the_same_for_any_budget_and_thread_count);
  ADD_TEST(tc, unusable_frames_are_left_out_by_name);
  ADD_TEST(tc, common_framing_crops_to_the_shared_area);
  ADD_TEST(tc, reference_framing_keeps_the_grid_with_a_coverage_map);
  suite_add_tcase(suite, tc);
  const int status = astropack::test::run_suite(suite);
  remove_sessions();
  return status;
}
