// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/integration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <numeric>

#include "astropack/band_plan.hpp"
#include "astropack/error.hpp"
#include "astropack/stack_engine.hpp"
#include "astropack/statistics.hpp"
#include "astropack/weights.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace astropack {

namespace {

bool needs_measurements(const IntegrationOptions& o) {
  return o.normalisation != Normalisation::None || o.weighting == Weighting::Noise;
}

FrameMeasurement measure_frame(const Image& frame, ScaleEstimator estimator) {
  FrameMeasurement m;
  for (std::size_t c = 0; c < frame.channels(); ++c) {
    const ConstImageView channel = frame.view().plane(c);
    m.channels.push_back(estimator == ScaleEstimator::Ikss ? ikss_estimate(channel)
                                                           : median_mad_estimate(channel));
    m.noise.push_back(background_noise(channel));
  }
  return m;
}

// Frames are measured whole, several at once when the budget allows.
std::vector<FrameMeasurement> measure_frames(const FrameSet& frames, const IntegrationOptions& o,
                                             Progress& progress) {
  std::vector<FrameMeasurement> measurements(frames.size());
  const std::size_t frame_bytes = frames.width() * frames.height() * frames.channels() * sizeof(float);
  const std::size_t budget = o.memory_budget ? o.memory_budget : default_memory_budget();
  int threads = 1;
#ifdef _OPENMP
  threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#endif
  threads = static_cast<int>(std::clamp<std::size_t>(budget / std::max<std::size_t>(frame_bytes, 1), 1,
                                                     static_cast<std::size_t>(threads)));
  std::exception_ptr failure;
  std::size_t done = 0;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (std::size_t i = 0; i < frames.size(); ++i) {
    try {
      if (progress.cancelled()) continue;
      measurements[i] = measure_frame(frames.read_frame(i), o.estimator);
#pragma omp critical(astropack_measure_progress)
      progress.report(double(++done) / double(frames.size()), "Measuring frames");
    } catch (...) {
#pragma omp critical(astropack_measure_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  throw_if_cancelled(progress);
  return measurements;
}

std::vector<float> frame_weights(const FrameSet& frames, const IntegrationOptions& o,
                                 const std::vector<FrameMeasurement>& measurements,
                                 const std::vector<std::vector<LinearScaling>>& scaling) {
  if (o.weighting == Weighting::None) return {};
  if (o.weighting == Weighting::Exposure) {
    std::vector<double> exposures;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto& exposure = frames.header(i).exposure;
      if (!exposure || !(*exposure > 0)) {
        throw Error(ErrorKind::InvalidInput, frames.file(i),
                    "has no exposure time (EXPTIME), so it cannot be weighted by exposure.");
      }
      exposures.push_back(*exposure);
    }
    return exposure_weights(exposures);
  }
  // Noise weights: one noise and one scale per frame, the channels' quadratic mean.
  std::vector<double> noise, scale;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    double n2 = 0, s2 = 0;
    const std::size_t channels = measurements[i].noise.size();
    for (std::size_t c = 0; c < channels; ++c) {
      n2 += measurements[i].noise[c] * measurements[i].noise[c];
      const double m = scaling.empty() ? 1.0 : scaling[i][c].multiplier;
      s2 += m * m;
    }
    if (!(n2 > 0)) {
      throw Error(ErrorKind::InvalidInput, frames.file(i),
                  "has no measurable background noise (a constant image?), so it cannot be weighted by noise.");
    }
    noise.push_back(std::sqrt(n2 / double(channels)));
    scale.push_back(std::sqrt(s2 / double(channels)));
  }
  return noise_weights(noise, scale);
}

// A stack of values and a rejector, per thread.
PixelOutcome reject_stack(const Rejector& rejector, std::span<float> values,
                          std::span<const float> weights, RejectionWorkspace& workspace) {
  const RejectionOutcome r = rejector.reject(values, weights, workspace);
  const double value = weights.empty() ? r.mean : r.weighted_mean;
  return PixelOutcome{static_cast<float>(value), static_cast<std::uint16_t>(r.low),
                      static_cast<std::uint16_t>(r.high)};
}

RejectionWorkspace& thread_workspace(std::size_t frames) {
  thread_local std::unique_ptr<RejectionWorkspace> workspace;
  if (!workspace || workspace->frames() != frames)
    workspace = std::make_unique<RejectionWorkspace>(frames);
  return *workspace;
}

// Averaged sigma clipping without a known gain: the Poisson factor of each
// line is the median of its pixels' estimates (robust to the cosmic rays and
// hot pixels that inflate their own stack's estimate), as IRAF's avsigclip
// averages over an image line.
LineCombiner averaged_sigma_by_line(const RejectionParams& params) {
  return [params](std::span<float> stacks, std::size_t n, std::span<const float> weights,
                  std::span<float> out, std::span<std::uint16_t> low,
                  std::span<std::uint16_t> high) {
    RejectionWorkspace& workspace = thread_workspace(n);
    const std::size_t width = out.size();
    std::vector<float> samples;
    samples.reserve(width);
    for (std::size_t x = 0; x < width; ++x) {
      const double k = poisson_factor_sample(stacks.subspan(x * n, n), workspace);
      if (std::isfinite(k)) samples.push_back(static_cast<float>(k));
    }
    RejectionParams line_params = params;
    if (!samples.empty()) line_params.poisson_factor = median_in_place(samples);
    const Rejector rejector(line_params, n);
    for (std::size_t x = 0; x < width; ++x) {
      const PixelOutcome o = reject_stack(rejector, stacks.subspan(x * n, n), weights, workspace);
      out[x] = o.value;
      low[x] = o.rejected_low;
      high[x] = o.rejected_high;
    }
  };
}

void set_combiner(StackEngineSetup& setup, const IntegrationOptions& o, std::size_t frames) {
  if (o.combination != Combination::Mean) {
    const Combination how = o.combination;
    const bool skip_zeros = o.skip_zeros;
    setup.combine = [how, skip_zeros](std::span<float> values, std::span<const float>) {
      if (skip_zeros) {
        const auto end = std::remove(values.begin(), values.end(), 0.0f);
        values = values.first(static_cast<std::size_t>(end - values.begin()));
      }
      return PixelOutcome{static_cast<float>(combine(how, values)), 0, 0};
    };
    return;
  }
  if (o.rejection.method == RejectionMethod::AveragedSigma && o.rejection.poisson_factor == 0.0) {
    Rejector check(o.rejection, frames);  // validates the thresholds once, up front
    setup.combine_line = averaged_sigma_by_line(o.rejection);
    return;
  }
  auto rejector = std::make_shared<const Rejector>(o.rejection, frames);
  if (o.rejection.method == RejectionMethod::Winsorized) {
    // Several stacks at a time (see Rejector::reject_many).
    setup.combine_line = [rejector](std::span<float> stacks, std::size_t n,
                                    std::span<const float> weights, std::span<float> out,
                                    std::span<std::uint16_t> low, std::span<std::uint16_t> high) {
      rejector->reject_many(stacks, weights, thread_workspace(n), out, low, high);
    };
    return;
  }
  setup.combine = [rejector](std::span<float> values, std::span<const float> weights) {
    return reject_stack(*rejector, values, weights, thread_workspace(values.size()));
  };
}

std::string format_threshold(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", value);
  return buffer;
}

std::vector<std::string> history_lines(const IntegrationOptions& o, const IntegrationResult& r,
                                       std::size_t frames) {
  std::vector<std::string> lines;
  std::string method(combination_name(o.combination));
  method.append(" of ").append(std::to_string(frames)).append(" frames");
  if (o.combination == Combination::Mean && o.rejection.method != RejectionMethod::None) {
    method.append(" with ").append(rejection_method_name(o.rejection.method));
    method.append(" (low=").append(format_threshold(o.rejection.low));
    method.append(" high=").append(format_threshold(o.rejection.high)).append(")");
  }
  lines.push_back("astropack: integration, " + method);
  std::string norm = "astropack: normalisation ";
  norm.append(normalisation_name(o.normalisation));
  if (o.normalisation != Normalisation::None) norm.append(" (").append(estimator_name(o.estimator)).append(")");
  norm.append(", weights ");
  if (o.weights.empty()) norm.append(weighting_name(o.weighting));
  else norm.append(o.weights_name.empty() ? "given" : o.weights_name);
  lines.push_back(norm);
  if (o.combination == Combination::Mean && o.rejection.method != RejectionMethod::None) {
    const double total = double(frames) * double(r.image.pixel_count() * r.image.channels());
    char buffer[120];
    std::snprintf(buffer, sizeof buffer, "astropack: rejected low %llu (%.3f%%), high %llu (%.3f%%)",
                  static_cast<unsigned long long>(r.rejected_low), 100.0 * double(r.rejected_low) / total,
                  static_cast<unsigned long long>(r.rejected_high),
                  100.0 * double(r.rejected_high) / total);
    lines.push_back(buffer);
  }
  return lines;
}

}  // namespace

std::string_view normalisation_name(Normalisation how) noexcept {
  switch (how) {
    case Normalisation::None: return "none";
    case Normalisation::Additive: return "additive";
    case Normalisation::Multiplicative: return "multiplicative";
    case Normalisation::AdditiveScale: return "additive with scaling";
    case Normalisation::MultiplicativeScale: return "multiplicative with scaling";
  }
  return "none";
}

std::string_view weighting_name(Weighting how) noexcept {
  switch (how) {
    case Weighting::None: return "equal";
    case Weighting::Exposure: return "by exposure";
    case Weighting::Noise: return "by noise";
  }
  return "equal";
}

std::string_view estimator_name(ScaleEstimator how) noexcept {
  return how == ScaleEstimator::Ikss ? "IKSS" : "median/MAD";
}

IntegrationResult integrate(const FrameSet& frames, const IntegrationOptions& options,
                            Progress& progress) {
  if (options.reference >= frames.size()) {
    throw Error(ErrorKind::InvalidArgument, "the reference frame number is larger than the frame count.");
  }
  IntegrationResult result;
  if (!options.measurements.empty()) {
    if (options.measurements.size() != frames.size() ||
        options.measurements.front().channels.size() != frames.channels())
      throw Error(ErrorKind::Internal, "frame measurements were given for other frames.");
    result.measurements = options.measurements;
  } else if (needs_measurements(options)) {
    result.measurements = measure_frames(frames, options, progress);
  }

  StackEngineSetup setup;
  if (options.normalisation != Normalisation::None) {
    const FrameMeasurement& reference = result.measurements[options.reference];
    for (std::size_t i = 0; i < frames.size(); ++i) {
      std::vector<LinearScaling> per_channel;
      for (std::size_t c = 0; c < frames.channels(); ++c) {
        const NormalisationMap map = normalisation_map(
            options.normalisation, result.measurements[i].channels[c], reference.channels[c]);
        per_channel.push_back({static_cast<float>(map.multiplier), static_cast<float>(map.offset)});
      }
      setup.scaling.push_back(std::move(per_channel));
    }
  }
  if (!options.weights.empty() && options.weights.size() != frames.size())
    throw Error(ErrorKind::Internal, "weights were given for a different number of frames.");
  result.weights = options.weights.empty()
                       ? frame_weights(frames, options, result.measurements, setup.scaling)
                       : options.weights;
  setup.weights = result.weights;
  set_combiner(setup, options, frames.size());
  // The budget bounds the whole integration, not only the band buffers.
  setup.memory_budget = band_budget_within(
      options.memory_budget ? options.memory_budget : default_memory_budget(), frames,
      options.rejection_maps, options.threads);
  setup.rejection_maps = options.rejection_maps;
  setup.threads = options.threads;

  StackEngineResult stacked = run_stack_engine(frames, setup, progress);
  result.image = std::move(stacked.image);
  result.rejected_low = stacked.rejected_low;
  result.rejected_high = stacked.rejected_high;
  result.low_map = std::move(stacked.low_map);
  result.high_map = std::move(stacked.high_map);
  result.image.header() = stacked_header(frames, options.reference);
  for (std::string& line : history_lines(options, result, frames.size()))
    result.image.header().history.push_back(std::move(line));
  return result;
}

}  // namespace astropack
