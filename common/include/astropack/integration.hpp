// SPDX-License-Identifier: GPL-3.0-or-later
// Integration of a set of frames: measure each frame (location, scale, noise)
// when normalisation or noise weights need it, then stream the stack through
// the engine with the chosen rejection and combination. Masters and light
// stacks both come through here.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "astropack/combination.hpp"
#include "astropack/frame_set.hpp"
#include "astropack/normalisation.hpp"
#include "astropack/progress.hpp"
#include "astropack/rejection.hpp"

namespace astropack {

enum class ScaleEstimator {
  MedianMad,  // median and MAD: fast
  Ikss,       // Siril's IKSS-lite: robust against stars and hot pixels (default)
};

enum class Weighting {
  None,      // all frames count the same (calibration frames)
  Exposure,  // proportional to exposure time
  // 1 / (multiplier x background noise)^2: the inverse variance of the
  // normalised frame. Siril's -weighted uses the scale ratio alone, which is the
  // same for additive normalisations and differs for multiplicative ones.
  Noise,
};

struct FrameMeasurement {
  std::vector<LocationScale> channels;
  std::vector<double> noise;  // background noise per channel
};

struct IntegrationOptions {
  Combination combination = Combination::Mean;
  RejectionParams rejection;  // used with Combination::Mean only
  Normalisation normalisation = Normalisation::None;
  ScaleEstimator estimator = ScaleEstimator::Ikss;
  Weighting weighting = Weighting::None;
  std::size_t reference = 0;       // frame whose location/scale the others are matched to
  std::size_t memory_budget = 0;   // bytes for the whole integration; 0 = default_memory_budget()
  bool rejection_maps = false;
  int threads = 0;                 // 0 = all cores
  // Light stacks measure their frames before registration and may bring
  // weights of their own (SNR, PSF). When given (one per frame) these are used
  // instead of measuring the frames, and instead of `weighting`.
  std::vector<FrameMeasurement> measurements;
  std::vector<float> weights;
  std::string weights_name;        // how given weights were made, for HISTORY ("by SNR")
  // Median, sum, minimum and maximum leave zeros out as rejection does (light
  // stacks: no data off a registered frame); otherwise zeros count.
  bool skip_zeros = false;
};

struct IntegrationResult {
  Image image;  // header: stacked_header() plus HISTORY of the method
  std::uint64_t rejected_low = 0, rejected_high = 0;
  Image low_map, high_map;
  std::vector<FrameMeasurement> measurements;  // empty when nothing needed measuring
  std::vector<float> weights;                  // empty for equal weights
};

IntegrationResult integrate(const FrameSet& frames, const IntegrationOptions& options,
                            Progress& progress);

// The header of a stack of `frames`, after Siril's convention (siril-compat.md
// 1.8): metadata of the reference frame, EXPTIME of the reference, STACKCNT and
// LIVETIME summed, DATE-OBS of the earliest frame, CCD-TEMP the mean.
Header stacked_header(const FrameSet& frames, std::size_t reference);

// Names for options, logs and HISTORY cards.
std::string_view normalisation_name(Normalisation how) noexcept;
std::string_view weighting_name(Weighting how) noexcept;
std::string_view estimator_name(ScaleEstimator how) noexcept;

}  // namespace astropack
