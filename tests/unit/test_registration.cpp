// SPDX-License-Identifier: GPL-3.0-or-later
// Registration: least-squares model fits, star-pattern matching on synthetic
// star lists (shift, rotation, scale, mirror, outliers, missing stars), and
// register_frames on simulated mono and colour sessions scored against the
// simulator's true motions, with the frames that must be left out.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/registration.hpp"
#include "astropack/selection_file.hpp"
#include "astropack/simulate.hpp"
#include "astropack/star_matching.hpp"
#include "astropack/transform_fit.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

// Uniform in [0, 1) from a fixed generator (no std distributions: their
// output differs between standard libraries).
class Uniform {
 public:
  explicit Uniform(std::uint64_t seed) : m_random(seed) {}
  double operator()() { return double(m_random() >> 11) * 0x1.0p-53; }
  double operator()(double lo, double hi) { return lo + (hi - lo) * (*this)(); }
  double normal() {
    const double u = std::max((*this)(), 1e-300), v = (*this)();
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * 3.141592653589793 * v);
  }

 private:
  std::mt19937_64 m_random;
};

struct Star {
  Point2 p;
  double flux = 0;
};

// `count` stars in a width x height field, brightest first.
std::vector<Star> star_field(std::uint64_t seed, std::size_t count, double width, double height) {
  Uniform u(seed);
  std::vector<Star> stars(count);
  for (Star& s : stars) {
    s.p = {u(0, width), u(0, height)};
    s.flux = std::pow(u(), -1.5);  // a steep luminosity function, like the sky's
  }
  std::sort(stars.begin(), stars.end(),
            [](const Star& a, const Star& b) { return a.flux > b.flux; });
  return stars;
}

std::vector<Point2> positions(const std::vector<Star>& stars) {
  std::vector<Point2> p;
  for (const Star& s : stars) p.push_back(s.p);
  return p;
}

// The frame's view of the field: every star moved by `t` (plus Gaussian
// position noise), in the same brightness order.
std::vector<Star> observed(const std::vector<Star>& field, const Transform& t, double noise = 0,
                           std::uint64_t seed = 7) {
  Uniform u(seed);
  std::vector<Star> out;
  for (const Star& s : field) {
    Point2 q = t.apply(s.p);
    q.x += noise * u.normal();
    q.y += noise * u.normal();
    out.push_back({q, s.flux});
  }
  return out;
}

// Largest distance between the two transforms' images of a grid over the field.
double max_difference(const Transform& a, const Transform& b, double width, double height) {
  double worst = 0;
  for (int i = 0; i <= 10; ++i)
    for (int j = 0; j <= 10; ++j) {
      const Point2 p{width * i / 10, height * j / 10};
      const Point2 qa = a.apply(p), qb = b.apply(p);
      worst = std::max(worst, std::hypot(qa.x - qb.x, qa.y - qb.y));
    }
  return worst;
}

constexpr double kWidth = 1200, kHeight = 800;

StarMatch match(const std::vector<Star>& reference, const std::vector<Star>& frame,
                TransformModel model = TransformModel::Affine) {
  MatchOptions options;
  options.model = model;
  return match_stars(positions(reference), positions(frame), options);
}

void check_recovered(const Transform& truth, TransformModel model, double tolerance = 1e-6) {
  const std::vector<Star> field = star_field(11, 150, kWidth, kHeight);
  const StarMatch m = match(field, observed(field, truth), model);
  ck_assert_msg(m.matched, "not matched: %s", m.reason.c_str());
  ck_assert_uint_eq(m.pairs.size(), 150);
  for (const auto& [i, j] : m.pairs) ck_assert_uint_eq(i, j);
  const double error = max_difference(m.reference_to_frame, truth, kWidth, kHeight);
  ck_assert_msg(error < tolerance, "transform off by %g px", error);
  ck_assert_double_lt(m.rms_px, tolerance);
}


// ---------------------------------------------------------------------------------------------
// Simulated sessions

fs::path simulated(SimulationPreset preset, std::uint64_t seed = 1) {
  SimulationOptions options;
  options.preset = preset;
  options.seed = seed;
  fs::path folder = test::scratch_folder("registration-" + std::string(to_string(preset)) + "-" +
                                         std::to_string(seed));
  NoProgress progress;
  simulate_session(folder, options, progress);
  return folder;
}

struct TrueLight {
  fs::path file;
  Transform reference_to_frame;  // from light 1
  bool blurred = false;          // seeing 1.9 x wider
};

// truth/lights.csv: number, file, date_obs, dx, dy, rotation_deg, a, b, c, d, e, f, fwhm,
// transparency, sky_factor, blurred, ...
std::vector<TrueLight> true_lights(const fs::path& folder) {
  std::ifstream in(folder / "truth" / "lights.csv");
  std::string line;
  std::getline(in, line);
  std::vector<TrueLight> lights;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream row(line);
    std::string cell;
    while (std::getline(row, cell, ',')) cells.push_back(cell);
    ck_assert_uint_ge(cells.size(), 16);
    TrueLight light;
    light.file = folder / cells[1];
    light.reference_to_frame = Transform::from_matrix(
        {std::stod(cells[6]), std::stod(cells[7]), std::stod(cells[8]), std::stod(cells[9]),
         std::stod(cells[10]), std::stod(cells[11]), 0, 0, 1});
    light.blurred = cells[15] == "1";
    lights.push_back(light);
  }
  ck_assert_uint_ge(lights.size(), 2);
  return lights;
}

std::vector<fs::path> files_of(const std::vector<TrueLight>& lights) {
  std::vector<fs::path> files;
  for (const TrueLight& l : lights) files.push_back(l.file);
  return files;
}

// RMS distance over a 21 x 21 grid covering the frame.
double rms_difference(const Transform& a, const Transform& b, double width, double height) {
  double sum = 0;
  int n = 0;
  for (int i = 0; i <= 20; ++i)
    for (int j = 0; j <= 20; ++j) {
      const Point2 p{(width - 1) * i / 20, (height - 1) * j / 20};
      const Point2 qa = a.apply(p), qb = b.apply(p);
      sum += (qa.x - qb.x) * (qa.x - qb.x) + (qa.y - qb.y) * (qa.y - qb.y);
      ++n;
    }
  return std::sqrt(sum / n);
}

struct SessionError {
  double rms = 0;            // over every frame and grid point
  double worst_sharp = 0;    // worst frame among those of ordinary seeing
  double blurred = 0;        // the frame of doubled seeing
};

// Registers a session's lights and scores every frame against the truth over a
// grid: the registration maps the reference's truth coordinates as the truth does.
SessionError registration_error(const fs::path& session, SimulationPreset preset,
                                TransformModel model, int reference) {
  const std::vector<TrueLight> lights = true_lights(session);
  RegistrationOptions options;
  options.model = model;
  options.reference = reference;
  NoProgress progress;
  const RegistrationResult r = register_frames(files_of(lights), options, progress);
  ck_assert_uint_eq(r.frames.size(), lights.size());
  if (reference >= 0) ck_assert_uint_eq(r.reference, std::size_t(reference));
  const Transform truth_origin = lights[r.reference].reference_to_frame.inverse();
  SessionError e;
  double sum = 0;
  for (std::size_t i = 0; i < lights.size(); ++i) {
    ck_assert_msg(r.frames[i].matched, "frame %zu: %s", i, r.frames[i].reason.c_str());
    const Transform expected = truth_origin.then(lights[i].reference_to_frame);
    const double error = rms_difference(r.frames[i].reference_to_frame, expected, 320, 240);
    std::printf("# %s %s frame %zu%s: %zu pairs, fit rms %.3f px, error %.4f px\n",
                std::string(to_string(preset)).c_str(), std::string(to_string(model)).c_str(), i,
                i == r.reference ? " (reference)" : lights[i].blurred ? " (blurred)" : "",
                r.frames[i].pairs, r.frames[i].rms_px, error);
    sum += error * error;
    if (lights[i].blurred)
      e.blurred = std::max(e.blurred, error);
    else
      e.worst_sharp = std::max(e.worst_sharp, error);
  }
  e.rms = std::sqrt(sum / double(lights.size()));
  std::printf("# %s %s: rms %.4f px, worst sharp frame %.4f px, blurred frame %.4f px\n",
              std::string(to_string(preset)).c_str(), std::string(to_string(model)).c_str(),
              e.rms, e.worst_sharp, e.blurred);
  return e;
}

// The bar: under 0.05 px RMS. The blurred frame's few sharp stars sit
// close together, which leaves its rotation less certain; it gets 0.1 px. The
// homography's two perspective terms are poorly determined by a small field's
// stars (why affine is the default), so its single frames get 0.075 px.
void check_session_error(const SessionError& e, double worst_sharp = 0.05) {
  ck_assert_msg(e.rms < 0.05, "RMS error %.4f px", e.rms);
  ck_assert_msg(e.worst_sharp < worst_sharp, "worst frame %.4f px", e.worst_sharp);
  ck_assert_msg(e.blurred < 0.1, "blurred frame %.4f px", e.blurred);
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// Model fits

START_TEST(fits_recover_each_model_exactly) {
  Uniform u(3);
  std::vector<Point2> ref;
  for (int i = 0; i < 40; ++i) ref.push_back({u(0, 4000), u(0, 3000)});
  const Transform truths[] = {
      Transform::shift(12.25, -7.5),
      Transform::similarity(1.02, 37.0, {2000, 1500}, 5, 9),
      Transform::from_matrix({1.01, 0.03, 5, -0.02, 0.97, -11, 0, 0, 1}),
      Transform::from_matrix({1.01, 0.02, 3.0, -0.015, 0.99, -7.0, 2e-6, -3e-6, 1}),
  };
  const TransformModel models[] = {TransformModel::Shift, TransformModel::Similarity,
                                   TransformModel::Affine, TransformModel::Homography};
  for (int k = 0; k < 4; ++k) {
    std::vector<Point2> frame;
    for (const Point2& p : ref) frame.push_back(truths[k].apply(p));
    // Each model and every richer one recover the motion exactly.
    for (int m = k; m < 4; ++m) {
      const auto fit = fit_transform(ref, frame, models[m]);
      ck_assert(fit.has_value());
      const double error = max_difference(*fit, truths[k], 4000, 3000);
      ck_assert_msg(error < 1e-7, "model %d on motion %d: off by %g px", m, k, error);
    }
  }
}
END_TEST

START_TEST(fits_need_enough_pairs_in_general_position) {
  const std::vector<Point2> two{{0, 0}, {10, 0}};
  const std::vector<Point2> two_moved{{1, 1}, {11, 1}};
  ck_assert(fit_transform(two, two_moved, TransformModel::Similarity).has_value());
  ck_assert(!fit_transform(two, two_moved, TransformModel::Affine).has_value());
  // Three points on one line leave an affine map undetermined.
  const std::vector<Point2> line{{0, 0}, {10, 10}, {20, 20}, {35, 35}};
  ck_assert(!fit_transform(line, line, TransformModel::Affine).has_value());
  ck_assert(!fit_transform(line, line, TransformModel::Homography).has_value());
  ck_assert(fit_transform(line, line, TransformModel::Similarity).has_value());
  const std::vector<Point2> same{{5, 5}, {5, 5}, {5, 5}};
  ck_assert(!fit_transform(same, same, TransformModel::Similarity).has_value());
  ck_assert(!fit_transform(std::vector<Point2>{}, std::vector<Point2>{}, TransformModel::Shift)
                 .has_value());
}
END_TEST

START_TEST(similarity_fit_finds_mirrors) {
  std::vector<Point2> ref, frame;
  Uniform u(5);
  for (int i = 0; i < 10; ++i) {
    ref.push_back({u(0, 100), u(0, 100)});
    frame.push_back({200 - ref.back().x, ref.back().y + 3});  // flipped left to right
  }
  const auto fit = fit_transform(ref, frame, TransformModel::Similarity);
  ck_assert(fit.has_value());
  const auto residuals = reprojection_residuals(*fit, ref, frame);
  for (const double r : residuals) ck_assert_double_lt(r, 1e-9);
  ck_assert_double_lt(fit->matrix()[0] * fit->matrix()[4] - fit->matrix()[1] * fit->matrix()[3],
                      0);
}
END_TEST

START_TEST(clipped_fit_drops_outliers_and_keeps_noise) {
  Uniform u(9);
  const Transform truth = Transform::similarity(1.0, 0.4, {500, 400}, 3.3, -1.7);
  std::vector<Point2> ref, frame;
  for (int i = 0; i < 200; ++i) {
    ref.push_back({u(0, 1000), u(0, 800)});
    Point2 q = truth.apply(ref.back());
    q.x += 0.1 * u.normal();
    q.y += 0.1 * u.normal();
    if (i % 10 == 3) q.x += u(3, 20);  // 10% wrong pairs
    frame.push_back(q);
  }
  const auto fit = fit_transform_clipped(ref, frame, TransformModel::Affine);
  ck_assert(fit.has_value());
  for (int i = 0; i < 200; ++i)
    if (i % 10 == 3) ck_assert(!fit->inlier[std::size_t(i)]);
  ck_assert_uint_ge(fit->pairs, 175);
  // The rms of 2-D Gaussian residuals of 0.1 px per axis is 0.1 sqrt(2).
  ck_assert_double_gt(fit->rms_px, 0.11);
  ck_assert_double_lt(fit->rms_px, 0.16);
  ck_assert_double_lt(max_difference(fit->transform, truth, 1000, 800), 0.05);
}
END_TEST

// ---------------------------------------------------------------------------------------------
// Star-pattern matching on synthetic lists

START_TEST(matches_a_shift) {
  check_recovered(Transform::shift(37.25, -12.5), TransformModel::Shift);
  check_recovered(Transform::shift(-300.5, 211.75), TransformModel::Affine);
}
END_TEST

START_TEST(matches_rotations) {
  for (const double degrees : {0.3, 33.0, 90.0, 180.0, -125.0})
    check_recovered(Transform::similarity(1.0, degrees, {600, 400}, 4.5, -2.25),
                    TransformModel::Similarity);
}
END_TEST

START_TEST(matches_scale_changes) {
  check_recovered(Transform::similarity(1.6, 20.0, {600, 400}, -30, 10),
                  TransformModel::Similarity);
  check_recovered(Transform::similarity(0.55, -70.0, {600, 400}, 100, 50),
                  TransformModel::Affine);
}
END_TEST

START_TEST(matches_mirror_images) {
  // Flipped top to bottom, and flipped then turned (a diagonal in the light path).
  const Transform flip = Transform::from_matrix({1, 0, 0, 0, -1, kHeight - 1, 0, 0, 1});
  check_recovered(flip, TransformModel::Similarity);
  const Transform turned = flip.then(Transform::similarity(1.0, 63.0, {600, 400}, 8, -3));
  check_recovered(turned, TransformModel::Affine);
  const std::vector<Star> field = star_field(11, 150, kWidth, kHeight);
  ck_assert(match(field, observed(field, turned)).mirrored);
  ck_assert(!match(field, observed(field, Transform::shift(3, 3))).mirrored);
}
END_TEST

START_TEST(matches_a_homography) {
  check_recovered(Transform::from_matrix({0.98, 0.05, 13, -0.04, 1.02, -6, 1.5e-5, -1e-5, 1}),
                  TransformModel::Homography, 1e-5);
}
END_TEST

START_TEST(matches_despite_outliers_and_missing_stars) {
  const Transform truth = Transform::similarity(1.0, 12.0, {600, 400}, 25, -14);
  const std::vector<Star> field = star_field(21, 200, kWidth, kHeight);
  std::vector<Star> frame = observed(field, truth);
  // 30% of the reference's stars are missing from the frame ...
  std::vector<Star> kept;
  for (std::size_t i = 0; i < frame.size(); ++i)
    if (i % 10 != 1 && i % 10 != 4 && i % 10 != 8) kept.push_back(frame[i]);
  // ... and 30% of the frame's stars are not in the reference (hot pixels,
  // satellites, stars beyond the reference's edge), brightness anywhere.
  const std::vector<Star> strangers = star_field(99, 60, kWidth, kHeight);
  kept.insert(kept.end(), strangers.begin(), strangers.end());
  std::sort(kept.begin(), kept.end(), [](const Star& a, const Star& b) { return a.flux > b.flux; });
  const StarMatch m = match(field, kept, TransformModel::Similarity);
  ck_assert_msg(m.matched, "%s", m.reason.c_str());
  ck_assert_uint_eq(m.pairs.size(), 140);
  const std::vector<Point2> ref_points = positions(field), frame_points = positions(kept);
  for (const auto& [i, j] : m.pairs) {
    const Point2 q = truth.apply(ref_points[i]);
    ck_assert_double_lt(std::hypot(q.x - frame_points[j].x, q.y - frame_points[j].y), 1e-9);
  }
  ck_assert_double_lt(max_difference(m.reference_to_frame, truth, kWidth, kHeight), 1e-8);
}
END_TEST

START_TEST(matches_noisy_positions_to_a_fraction_of_the_noise) {
  const Transform truth = Transform::similarity(1.0, -0.8, {600, 400}, 5.3, 7.9);
  const std::vector<Star> field = star_field(31, 200, kWidth, kHeight);
  const StarMatch m = match(field, observed(field, truth, 0.2), TransformModel::Affine);
  ck_assert(m.matched);
  ck_assert_uint_ge(m.pairs.size(), 195);
  ck_assert_double_gt(m.rms_px, 0.2);
  ck_assert_double_lt(m.rms_px, 0.35);
  // 200 pairs average 0.2 px errors down to about 0.2 / sqrt(200 / 3).
  ck_assert_double_lt(max_difference(m.reference_to_frame, truth, kWidth, kHeight), 0.15);
}
END_TEST

START_TEST(matching_is_repeatable) {
  const Transform truth = Transform::similarity(1.0, 45.0, {600, 400}, -5, 5);
  const std::vector<Star> field = star_field(41, 200, kWidth, kHeight);
  const std::vector<Star> frame = observed(field, truth, 0.3, 1);
  const StarMatch a = match(field, frame), b = match(field, frame);
  ck_assert(a.matched && b.matched);
  ck_assert(a.reference_to_frame.matrix() == b.reference_to_frame.matrix());
  ck_assert(a.pairs == b.pairs);
}
END_TEST

START_TEST(unrelated_fields_and_poor_frames_do_not_match) {
  const std::vector<Star> field = star_field(51, 200, kWidth, kHeight);
  const StarMatch other = match(field, star_field(52, 200, kWidth, kHeight));
  ck_assert(!other.matched);
  ck_assert_msg(other.reason.find("no star pattern in common") != std::string::npos, "%s",
                other.reason.c_str());
  const std::vector<Star> few(field.begin(), field.begin() + 6);
  const StarMatch poor = match(field, observed(few, Transform::shift(2, 2)));
  ck_assert(!poor.matched);
  ck_assert_msg(poor.reason.find("only 6 stars were found in the frame") != std::string::npos,
                "%s", poor.reason.c_str());
}
END_TEST


// ---------------------------------------------------------------------------------------------
// Simulated sessions against their true motions

START_TEST(mono_session_registers_within_five_hundredths) {
  const fs::path session = simulated(SimulationPreset::Small);
  std::vector<SessionError> errors;
  for (const TransformModel model : {TransformModel::Affine, TransformModel::Similarity,
                                     TransformModel::Homography, TransformModel::Shift})
    errors.push_back(registration_error(session, SimulationPreset::Small, model, -1));
  check_session_error(errors[0]);
  check_session_error(errors[1]);
  check_session_error(errors[2], 0.075);
  // A shift cannot follow the frames' rotations of up to 0.3 degrees (0.5 px at the corners).
  ck_assert_double_gt(errors[3].rms, 0.1);
  check_session_error(
      registration_error(session, SimulationPreset::Small, TransformModel::Affine, 0));
  fs::remove_all(session);
}
END_TEST

START_TEST(osc_session_registers_within_five_hundredths) {
  const fs::path session = simulated(SimulationPreset::Osc);
  check_session_error(
      registration_error(session, SimulationPreset::Osc, TransformModel::Affine, -1));
  fs::remove_all(session);
}
END_TEST

START_TEST(unusable_frames_are_reported_by_name_and_left_out) {
  const fs::path session = simulated(SimulationPreset::Small);
  const fs::path stranger = simulated(SimulationPreset::Small, 2);  // another field
  const std::vector<TrueLight> lights = true_lights(session);
  const fs::path bad = session / "bad";
  fs::create_directories(bad);
  // No stars: a bias frame of the same camera.
  const fs::path starless = bad / "starless.fit";
  fs::copy_file(session / "biases" / "Bias_0.001s_Bin1_gain100_-10C_0001.fit", starless);
  // Another target: the other session's third light.
  const fs::path other = bad / "other_target.fit";
  fs::copy_file(true_lights(stranger)[2].file, other);
  // Another size: a light cut down to 300 x 200.
  const fs::path small = bad / "cropped.fit";
  {
    const Image light = read_image(lights[4].file);
    Image cut(300, 200, 1);
    for (std::size_t y = 0; y < 200; ++y)
      for (std::size_t x = 0; x < 300; ++x) cut.at(0, y, x) = light.at(0, y, x);
    cut.header() = light.header();
    write_fits(small, cut, SampleFormat::Float32);
  }
  // A corrupt file: the first 5000 bytes of a light.
  const fs::path corrupt = bad / "truncated.fit";
  {
    std::ifstream in(lights[5].file, std::ios::binary);
    std::string bytes(5000, '\0');
    in.read(bytes.data(), 5000);
    std::ofstream(corrupt, std::ios::binary) << bytes;
  }
  std::vector<fs::path> files = files_of(lights);
  files.insert(files.begin() + 2, starless);
  files.insert(files.begin() + 5, other);
  files.insert(files.begin() + 7, corrupt);
  files.insert(files.begin() + 9, small);
  RegistrationOptions options;
  NoProgress progress;
  const RegistrationResult r = register_frames(files, options, progress);
  ck_assert_uint_eq(r.frames.size(), 14);
  ck_assert_uint_eq(r.matched_count(), 10);
  auto reason = [&](const fs::path& file) {
    const auto at = std::find(files.begin(), files.end(), file) - files.begin();
    const FrameRegistration& f = r.frames[std::size_t(at)];
    ck_assert_msg(!f.matched, "%s was registered", file.filename().c_str());
    std::printf("# %s: %s\n", file.filename().c_str(), f.reason.c_str());
    return f.reason;
  };
  ck_assert(reason(starless).find("found in the frame, fewer than the 10 needed") !=
            std::string::npos);
  ck_assert(reason(other).find("no star pattern in common") != std::string::npos);
  ck_assert(reason(corrupt).find("cannot be read") != std::string::npos);
  ck_assert(reason(small).find("its size is 300 x 200, not the reference frame's 320 x 240") !=
            std::string::npos);
  for (const TrueLight& light : lights) {
    const auto at = std::find(files.begin(), files.end(), light.file) - files.begin();
    ck_assert(r.frames[std::size_t(at)].matched);
    ck_assert(r.frames[std::size_t(at)].reason.empty());
  }

  // A bad reference is an error naming it; so is one out of range.
  options.reference = 7;
  bool named = false;
  try {
    register_frames(files, options, progress);
  } catch (const Error& e) {
    named = e.file() == corrupt;
  }
  ck_assert(named);
  options.reference = 2;
  named = false;
  try {
    register_frames(files, options, progress);
  } catch (const Error& e) {
    named = e.file() == starless && e.sentence().find("another reference") != std::string::npos;
  }
  ck_assert(named);
  options.reference = 14;
  bool refused = false;
  try {
    register_frames(files, options, progress);
  } catch (const Error& e) {
    refused = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(refused);
  // Nothing readable at all: an error naming the first file.
  options.reference = -1;
  named = false;
  try {
    register_frames({corrupt, starless}, options, progress);
  } catch (const Error& e) {
    named = e.file() == corrupt;
  }
  ck_assert(named);
  fs::remove_all(session);
  fs::remove_all(stranger);
}
END_TEST

START_TEST(reference_comes_from_the_selection_file) {
  const fs::path session = simulated(SimulationPreset::Small);
  const std::vector<TrueLight> lights = true_lights(session);
  FrameSelection selection;
  for (const TrueLight& light : lights) {
    SelectedFrame f;
    f.file = light.file;
    f.kept = true;
    f.weight = 1;
    selection.frames.push_back(f);
  }
  selection.reference = 6;
  const fs::path json = session / "selection.json";
  write_selection_json(json, selection);
  RegistrationOptions options;
  options.selection = json;
  NoProgress progress;
  RegistrationResult r = register_frames(files_of(lights), options, progress);
  ck_assert_uint_eq(r.reference, 6);
  ck_assert_uint_eq(r.matched_count(), lights.size());
  // The frame it names is found among files given in another order ...
  std::vector<fs::path> reversed = files_of(lights);
  std::reverse(reversed.begin(), reversed.end());
  r = register_frames(reversed, options, progress);
  ck_assert_uint_eq(r.reference, lights.size() - 7);
  // ... an explicit reference wins, and a set without that frame is refused.
  options.reference = 2;
  ck_assert_uint_eq(register_frames(files_of(lights), options, progress).reference, 2);
  options.reference = -1;
  std::vector<fs::path> without = files_of(lights);
  without.erase(without.begin() + 6);
  bool refused = false;
  try {
    register_frames(without, options, progress);
  } catch (const Error& e) {
    refused = e.file() == json && e.sentence().find("not among") != std::string::npos;
  }
  ck_assert(refused);
  fs::remove_all(session);
}
END_TEST

START_TEST(results_do_not_depend_on_the_thread_count) {
  const fs::path session = simulated(SimulationPreset::Osc);
  const std::vector<fs::path> files = files_of(true_lights(session));
  RegistrationOptions options;
  NoProgress progress;
  omp_set_num_threads(1);
  const RegistrationResult one = register_frames(files, options, progress);
  omp_set_num_threads(3);
  const RegistrationResult three = register_frames(files, options, progress);
  ck_assert_uint_eq(one.reference, three.reference);
  for (std::size_t i = 0; i < files.size(); ++i) {
    ck_assert(one.frames[i].reference_to_frame.matrix() ==
              three.frames[i].reference_to_frame.matrix());
    ck_assert_uint_eq(one.frames[i].pairs, three.frames[i].pairs);
  }
  fs::remove_all(session);
}
END_TEST

int main() {
  Suite* suite = suite_create("registration");
  TCase* fits = tcase_create("fits");
  ADD_TEST(fits, fits_recover_each_model_exactly);
  ADD_TEST(fits, fits_need_enough_pairs_in_general_position);
  ADD_TEST(fits, similarity_fit_finds_mirrors);
  ADD_TEST(fits, clipped_fit_drops_outliers_and_keeps_noise);
  suite_add_tcase(suite, fits);
  TCase* matching = tcase_create("matching");
  ADD_TEST(matching, matches_a_shift);
  ADD_TEST(matching, matches_rotations);
  ADD_TEST(matching, matches_scale_changes);
  ADD_TEST(matching, matches_mirror_images);
  ADD_TEST(matching, matches_a_homography);
  ADD_TEST(matching, matches_despite_outliers_and_missing_stars);
  ADD_TEST(matching, matches_noisy_positions_to_a_fraction_of_the_noise);
  ADD_TEST(matching, matching_is_repeatable);
  ADD_TEST(matching, unrelated_fields_and_poor_frames_do_not_match);
  suite_add_tcase(suite, matching);
  TCase* sessions = tcase_create("sessions");
  tcase_set_timeout(sessions, 600);
  ADD_TEST(sessions, mono_session_registers_within_five_hundredths);
  ADD_TEST(sessions, osc_session_registers_within_five_hundredths);
  ADD_TEST(sessions, unusable_frames_are_reported_by_name_and_left_out);
  ADD_TEST(sessions, reference_comes_from_the_selection_file);
  ADD_TEST(sessions, results_do_not_depend_on_the_thread_count);
  suite_add_tcase(suite, sessions);
  return test::run_suite(suite);
}
