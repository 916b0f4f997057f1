// SPDX-License-Identifier: GPL-3.0-or-later
// Subframe selection: frames measured by a few workers (each one frame at a
// time, single-threaded inside, so small frames do not pay for thread teams),
// the rejection expression evaluated over the set, weights and the reference.
#include "astropack/frame_selection.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <thread>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "astropack/error.hpp"
#include "astropack/image_file.hpp"

namespace astropack {

std::optional<WeightMode> parse_weight_mode(std::string_view name) {
  if (name == "snr") return WeightMode::Snr;
  if (name == "psf") return WeightMode::Psf;
  if (name == "none") return WeightMode::None;
  return std::nullopt;
}

std::string_view to_string(WeightMode mode) noexcept {
  switch (mode) {
    case WeightMode::Snr: return "snr";
    case WeightMode::Psf: return "psf";
    case WeightMode::None: return "none";
  }
  return "none";
}

std::size_t FrameSelection::kept_count() const noexcept {
  return std::size_t(std::count_if(frames.begin(), frames.end(),
                                   [](const SelectedFrame& f) { return f.kept; }));
}

namespace {

double raw_weight(const FrameQuality& q, WeightMode mode) {
  if (q.fitted == 0) return 0;
  switch (mode) {
    case WeightMode::Snr: return q.snr_weight;
    case WeightMode::Psf: return q.psf_weight;
    case WeightMode::None: return 1;
  }
  return 1;
}

// Scales the weights of the counted frames to a mean of 1; the others get 0.
std::vector<double> normalised_weights(std::span<const FrameQuality> frames, WeightMode mode,
                                       const std::vector<bool>& counted) {
  std::vector<double> weights(frames.size(), 0.0);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (counted[i]) {
      weights[i] = raw_weight(frames[i], mode);
      sum += weights[i];
      ++n;
    }
  if (n == 0 || !(sum > 0)) {
    for (std::size_t i = 0; i < frames.size(); ++i) weights[i] = counted[i] ? 1.0 : 0.0;
    return weights;
  }
  for (double& w : weights) w *= double(n) / sum;
  return weights;
}

std::vector<bool> with_stars(std::span<const FrameQuality> frames) {
  std::vector<bool> out(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) out[i] = frames[i].fitted > 0;
  return out;
}

}  // namespace

std::vector<SelectionMetrics> selection_metrics(std::span<const FrameQuality> frames,
                                                WeightMode mode) {
  const std::vector<double> weights = normalised_weights(frames, mode, with_stars(frames));
  std::vector<SelectionMetrics> out(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const FrameQuality& q = frames[i];
    SelectionMetrics& m = out[i];
    m.fwhm = q.fwhm;
    m.eccentricity = q.eccentricity;
    m.roundness = std::sqrt(std::max(0.0, 1 - q.eccentricity * q.eccentricity));
    m.stars = double(q.stars);
    m.detected = double(q.detected);
    m.background = q.background;
    m.noise = q.noise;
    m.snr = q.snr;
    m.snr_weight = q.snr_weight;
    m.psf_weight = q.psf_weight;
    m.weight = weights[i];
    m.frame = double(i + 1);
    m.arcsec_per_px = q.arcsec_per_px;
  }
  return out;
}

FrameSelection select_measured(std::vector<std::filesystem::path> files,
                               std::vector<FrameQuality> quality,
                               const SelectionOptions& options) {
  if (files.size() != quality.size())
    throw Error(ErrorKind::Internal, "select_measured: one measurement per file is needed.");
  const SelectionExpression expression(options.reject);
  FrameSelection selection;
  selection.expression = options.reject;
  selection.weight_mode = options.weight;

  // Only frames with stars take part: a frame without any would drag medians to 0.
  std::vector<std::size_t> measured;
  for (std::size_t i = 0; i < quality.size(); ++i)
    if (quality[i].fitted > 0) measured.push_back(i);
  std::vector<FrameQuality> measured_quality;
  for (std::size_t i : measured) measured_quality.push_back(quality[i]);
  if (expression.uses_arcsec())
    for (std::size_t i : measured)
      if (!(quality[i].arcsec_per_px > 0))
        throw Error(ErrorKind::InvalidArgument, files[i],
                    "has no image scale (the header lacks the pixel size XPIXSZ or the focal "
                    "length FOCALLEN), but the selection expression gives a width in arcsec; "
                    "give the limit in px instead.");
  std::vector<SelectionMetrics> metrics = selection_metrics(measured_quality, options.weight);
  for (std::size_t k = 0; k < measured.size(); ++k) metrics[k].frame = double(measured[k] + 1);
  const std::vector<SelectionVerdict> verdicts = expression.evaluate(metrics);

  selection.frames.resize(files.size());
  std::vector<bool> kept(files.size(), false);
  for (std::size_t i = 0; i < files.size(); ++i) {
    selection.frames[i].file = std::move(files[i]);
    selection.frames[i].quality = quality[i];
    selection.frames[i].reason = "no stars measured";
  }
  for (std::size_t k = 0; k < measured.size(); ++k) {
    SelectedFrame& frame = selection.frames[measured[k]];
    frame.metrics = metrics[k];
    frame.kept = kept[measured[k]] = !verdicts[k].matches;
    frame.reason = verdicts[k].matches ? verdicts[k].reason : std::string();
  }
  const std::vector<double> weights = normalised_weights(quality, options.weight, kept);
  for (std::size_t i = 0; i < files.size(); ++i) selection.frames[i].weight = weights[i];

  if (options.reference >= 0) {
    const auto index = std::size_t(options.reference);
    if (index >= files.size())
      throw Error(ErrorKind::InvalidArgument,
                  "--reference " + std::to_string(options.reference + 1) +
                      " is beyond the last frame; give a number from 1 to " +
                      std::to_string(files.size()) + ".");
    if (!selection.frames[index].kept)
      throw Error(ErrorKind::InvalidArgument, selection.frames[index].file,
                  "is rejected (" + selection.frames[index].reason +
                      "), so it cannot be the reference; choose a frame that is kept.");
    selection.reference = options.reference;
  } else {
    // Best weight; equal weights (--weight none) fall back to the sharpest stars.
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!selection.frames[i].kept) continue;
      if (selection.reference < 0) {
        selection.reference = int(i);
        continue;
      }
      const SelectedFrame& best = selection.frames[std::size_t(selection.reference)];
      const SelectedFrame& f = selection.frames[i];
      const bool heavier = f.weight > best.weight * (1 + 1e-9);
      const bool tie = !(f.weight < best.weight * (1 - 1e-9)) && !heavier;
      if (heavier || (tie && f.quality.fwhm < best.quality.fwhm)) selection.reference = int(i);
    }
  }
  return selection;
}

void apply_selection(Sequence& sequence, const FrameSelection& selection) {
  if (sequence.frames.size() != selection.frames.size())
    throw Error(ErrorKind::InvalidArgument,
                "the sequence lists " + std::to_string(sequence.frames.size()) +
                    " frames but the selection has " + std::to_string(selection.frames.size()) +
                    "; select the frames the sequence names.");
  const int layers = std::max(1, sequence.layers);
  const double ref_stars =
      selection.reference >= 0
          ? double(selection.frames[std::size_t(selection.reference)].quality.stars)
          : 0.0;
  for (std::size_t i = 0; i < sequence.frames.size(); ++i) {
    SeqFrame& frame = sequence.frames[i];
    const SelectedFrame& selected = selection.frames[i];
    frame.included = selected.kept;
    frame.registration.resize(std::size_t(layers));  // new entries have no shift
    const FrameQuality& q = selected.quality;
    const double missing = ref_stars > 0 ? std::max(0.0, ref_stars - double(q.stars)) / ref_stars
                                         : 0.0;
    for (SeqRegistration& r : frame.registration) {
      r.fwhm = q.fwhm;
      r.weighted_fwhm = q.fwhm * (1 + 2 * missing);
      r.roundness = q.fitted > 0 ? std::sqrt(std::max(0.0, 1 - q.eccentricity * q.eccentricity))
                                 : 0.0;
      r.quality = selected.metrics.weight;
    }
  }
  if (sequence.layers < 1) sequence.layers = layers;
  sequence.reference = selection.reference;
}

FrameSelection select_frames(std::span<const std::filesystem::path> files,
                             const SelectionOptions& options, Progress& progress) {
  if (files.empty())
    throw Error(ErrorKind::InvalidArgument, "no frames to select from; name files or a folder.");
  (void)SelectionExpression(options.reject);  // a bad expression fails before any reading
  std::vector<FrameQuality> quality(files.size());
  std::vector<std::exception_ptr> failures(files.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  unsigned workers = options.threads > 0 ? unsigned(options.threads)
                                         : std::max(1u, std::thread::hardware_concurrency());
  workers = unsigned(std::min<std::size_t>(workers, files.size()));
  auto work = [&](bool reporting) {
#ifdef _OPENMP
    // A worker's own setting: frames run side by side instead; a lone frame keeps them all.
    if (!reporting) omp_set_num_threads(1);
#endif
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= files.size() || stop.load()) return;
      try {
        quality[i] = measure_frame(read_image(files[i]), options.quality);
      } catch (const Error& e) {
        failures[i] = e.file().empty() ? std::make_exception_ptr(
                                             Error(e.kind(), files[i], e.sentence()))
                                       : std::current_exception();
        stop = true;
      } catch (...) {
        failures[i] = std::current_exception();
        stop = true;
      }
      ++done;
      if (reporting) {
        if (progress.cancelled()) stop = true;
        progress.report(double(done.load()) / double(files.size()), "measuring");
      }
    }
  };
  progress.report(0.0, "measuring");
  std::vector<std::thread> pool;
  if (workers > 1)
    for (unsigned k = 0; k < workers; ++k) pool.emplace_back(work, false);
  // The calling thread reports progress and watches for cancellation; with one
  // worker it measures too.
  if (workers == 1) {
    work(true);
  } else {
    while (done.load() < files.size() && !stop.load()) {
      if (progress.cancelled()) stop = true;
      progress.report(double(done.load()) / double(files.size()), "measuring");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& failure : failures)
    if (failure) std::rethrow_exception(failure);
  throw_if_cancelled(progress);
  progress.report(1.0, "measuring");
  if (std::none_of(quality.begin(), quality.end(),
                   [](const FrameQuality& q) { return q.fitted > 0; }))
    throw Error(ErrorKind::InvalidInput, files.front(),
                files.size() == 1
                    ? "has no stars that could be measured; select needs light frames with stars."
                    : "has no stars that could be measured, nor has any of the other " +
                          std::to_string(files.size() - 1) +
                          (files.size() == 2 ? " frame" : " frames") +
                          "; select needs light frames with stars.");
  return select_measured(std::vector<std::filesystem::path>(files.begin(), files.end()),
                         std::move(quality), options);
}

}  // namespace astropack
