// SPDX-License-Identifier: GPL-3.0-or-later
// Registration of a set: every frame read once for its stars (and, when the
// reference must be chosen, its quality), then every star list matched to the
// reference's. Only star lists stay in memory between the two passes.
#include "astropack/registration.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "astropack/cfa.hpp"
#include "astropack/error.hpp"
#include "astropack/frame_quality.hpp"
#include "astropack/image_file.hpp"
#include "astropack/selection_file.hpp"
#include "astropack/star_matching.hpp"

namespace astropack {

namespace fs = std::filesystem;

std::size_t RegistrationResult::matched_count() const noexcept {
  return std::size_t(std::count_if(frames.begin(), frames.end(),
                                   [](const FrameRegistration& f) { return f.matched; }));
}

namespace {

// Position uncertainty of a star: kCentroidFactor x FWHM / SNR, and at least
// kPositionFloor pixels (pixel response, blends, the PSF's own asymmetry).
constexpr double kCentroidFactor = 0.7;
constexpr double kPositionFloor = 0.03;
// A fit centre further than this many FWHM from the centroid is not trusted.
constexpr double kFitWander = 0.25;

// What the matching needs to know of one frame.
struct FrameSummary {
  bool readable = false;
  std::string reason;  // why it cannot be read
  std::size_t width = 0, height = 0, channels = 0;
  bool cfa = false;
  std::vector<Point2> stars;  // full-resolution positions, brightest first
  std::vector<double> sigma;  // their uncertainties, pixels
  double weight = 0;          // quality for choosing the reference
  double fwhm = 0;
};

std::string size_text(std::size_t width, std::size_t height) {
  std::string s = std::to_string(width);
  s.append(" x ").append(std::to_string(height));
  return s;
}

// Median FWHM of the good PSF fits, full-resolution pixels.
std::optional<double> median_fwhm(const FrameStars& found) {
  std::vector<double> widths;
  for (const PsfFit& fit : found.fits)
    if (fit.ok) widths.push_back(fit.fwhm);
  if (widths.empty()) return std::nullopt;
  std::nth_element(widths.begin(), widths.begin() + std::ptrdiff_t(widths.size() / 2),
                   widths.end());
  return widths[widths.size() / 2];
}

FrameSummary examine(const fs::path& file, bool with_quality) {
  FrameSummary summary;
  Image image;
  try {
    image = read_image(file);
  } catch (const Error& e) {
    summary.reason = "cannot be read: ";
    summary.reason.append(e.sentence());
    return summary;
  }
  summary.readable = true;
  summary.width = image.width();
  summary.height = image.height();
  summary.channels = image.channels();
  summary.cfa = image.channels() == 1 && phase_at_origin(image.header(), image.height());
  const FrameQualityOptions options;
  const FrameStars found = find_frame_stars(image, options);
  const std::optional<double> measured = median_fwhm(found);
  summary.fwhm = measured.value_or(0.0);
  const double fwhm = measured.value_or(options.detection.fwhm_guess);
  for (std::size_t i = 0; i < found.detection.stars.size(); ++i) {
    // The PSF fit's centre: on CFA data it models the green sites, where the
    // superpixel centroid is biased by a tenth of a pixel or more. The centroid
    // stands in where there is no fit or the fit wandered off (a blend).
    const PsfFit& fit = found.fits[i];
    const DetectedStar& star = found.detection.stars[i];
    const bool use_fit = fit.ok && std::hypot(fit.x - star.x, fit.y - star.y) <=
                                       std::max(0.5, kFitWander * fwhm);
    summary.stars.push_back(use_fit ? Point2{fit.x, fit.y} : Point2{star.x, star.y});
    const double snr = std::max(found.snr[i], 1.0);
    const double random = kCentroidFactor * fwhm / snr;
    summary.sigma.push_back(std::sqrt(random * random + kPositionFloor * kPositionFloor));
  }
  if (with_quality) summary.weight = measure_frame(image, options).psf_weight;
  return summary;
}

// Why `frame` cannot be compared with the reference at all, or empty.
std::string mismatch(const FrameSummary& frame, const FrameSummary& reference) {
  if (frame.width != reference.width || frame.height != reference.height) {
    std::string s = "its size is ";
    s.append(size_text(frame.width, frame.height)).append(", not the reference frame's ");
    s.append(size_text(reference.width, reference.height)).append(".");
    return s;
  }
  if (frame.cfa != reference.cfa || frame.channels != reference.channels)
    return "it is not the same kind of image as the reference frame (mono, colour or CFA).";
  return {};
}

// The index among `files` of the reference frame a selection file names.
std::size_t selection_reference(const fs::path& file, const std::vector<fs::path>& files) {
  const FrameSelection selection = read_selection_json(file);
  if (selection.reference < 0 || std::size_t(selection.reference) >= selection.frames.size()) {
    throw Error(ErrorKind::InvalidInput, file,
                "names no reference frame (it kept no frame); choose one with a reference "
                "index instead.");
  }
  const SelectedFrame& reference = selection.frames[std::size_t(selection.reference)];
  for (std::size_t i = 0; i < files.size(); ++i)
    if (find_selected(selection, files[i]) == &reference) return i;
  throw Error(ErrorKind::InvalidArgument, file,
              "names the reference frame " + reference.file.filename().string() +
                  ", which is not among the frames to register.");
}

}  // namespace

RegistrationResult register_frames(const std::vector<fs::path>& files,
                                   const RegistrationOptions& options, Progress& progress) {
  if (files.empty()) throw Error(ErrorKind::InvalidArgument, "there are no frames to register.");
  if (options.reference >= 0 && std::size_t(options.reference) >= files.size()) {
    std::string s = "the reference frame ";
    s.append(std::to_string(options.reference)).append(" does not exist: there are ");
    s.append(std::to_string(files.size())).append(" frames, numbered from 0.");
    throw Error(ErrorKind::InvalidArgument, s);
  }
  MatchOptions match;
  match.model = options.model;
  match.max_stars = options.max_stars;
  match.min_pairs = options.min_pairs;
  match.match_radius_px = options.match_radius_px;
  const std::size_t needed =
      std::size_t(std::max({options.min_pairs, minimum_pairs(options.model), 3}));

  std::optional<std::size_t> given;
  if (options.reference >= 0)
    given = std::size_t(options.reference);
  else if (!options.selection.empty())
    given = selection_reference(options.selection, files);
  const bool choose = !given;
  std::vector<FrameSummary> summaries;
  summaries.reserve(files.size());
  const double count = double(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    throw_if_cancelled(progress);
    progress.report(0.9 * double(i) / count, "finding stars");
    summaries.push_back(examine(files[i], choose));
  }

  RegistrationResult result;
  if (choose) {
    // The frame of best quality among those with stars enough; the first on a tie.
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < summaries.size(); ++i) {
      const FrameSummary& s = summaries[i];
      if (!s.readable || s.stars.size() < needed) continue;
      if (!best || s.weight > summaries[*best].weight) best = i;
    }
    if (!best) {
      throw Error(ErrorKind::InvalidInput, files.front(),
                  "no frame of the set can be read and has the " + std::to_string(needed) +
                      " stars needed to serve as the registration reference.");
    }
    result.reference = *best;
  } else {
    result.reference = *given;
    const FrameSummary& s = summaries[result.reference];
    if (!s.readable)
      throw Error(ErrorKind::InvalidInput, files[result.reference], s.reason);
    if (s.stars.size() < needed) {
      throw Error(ErrorKind::InvalidInput, files[result.reference],
                  "has " + std::to_string(s.stars.size()) + " stars, fewer than the " +
                      std::to_string(needed) + " a registration reference needs; choose "
                      "another reference frame.");
    }
  }

  const FrameSummary& reference = summaries[result.reference];
  result.width = reference.width;
  result.height = reference.height;
  result.frames.resize(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    throw_if_cancelled(progress);
    progress.report(0.9 + 0.1 * double(i) / count, "matching stars");
    const FrameSummary& s = summaries[i];
    FrameRegistration& r = result.frames[i];
    r.stars = s.stars.size();
    r.fwhm = s.fwhm;
    if (!s.readable) {
      r.reason = s.reason;
      continue;
    }
    if (i == result.reference) {
      r.matched = true;
      r.pairs = std::min(s.stars.size(), options.max_stars);
      continue;
    }
    r.reason = mismatch(s, reference);
    if (!r.reason.empty()) continue;
    const StarMatch m = match_stars(reference.stars, s.stars, match, reference.sigma, s.sigma);
    r.matched = m.matched;
    r.reason = m.reason;
    r.reference_to_frame = m.reference_to_frame;
    r.pairs = m.pairs.size();
    r.rms_px = m.rms_px;
  }
  progress.report(1.0, "matching stars");
  return result;
}

}  // namespace astropack
