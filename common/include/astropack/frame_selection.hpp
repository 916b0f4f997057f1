// SPDX-License-Identifier: GPL-3.0-or-later
// Subframe selection of a set of lights: every frame measured (star count,
// FWHM, eccentricity, background, noise, SNR), a rejection expression
// evaluated over the set, weights for the frames kept, and the registration
// reference (the best-weighted frame kept, unless one is chosen).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "astropack/frame_quality.hpp"
#include "astropack/progress.hpp"
#include "astropack/seq.hpp"
#include "astropack/selection_expression.hpp"

namespace astropack {

// The default rejection: a frame whose stars are half again as wide as the set's
// median (seeing, focus, clouds: what an absolute limit in px only catches for
// one optical setup), elongated stars (tracking, wind: the practitioners'
// eccentricity limit of 0.7), or fewer than half the set's median star count
// (clouds, haze, dew).
inline constexpr std::string_view kDefaultRejection =
    "fwhm > 1.5 * median(fwhm) || ecc > 0.7 || stars < 0.5 * median(stars)";

enum class WeightMode {
  Snr,  // snr^2 (PixInsight's SNRWeight): noise and transparency
  Psf,  // (typical star peak / noise)^2: seeing, transparency and noise together
  None, // every kept frame counts the same
};

std::optional<WeightMode> parse_weight_mode(std::string_view name);  // "snr", "psf", "none"
std::string_view to_string(WeightMode mode) noexcept;

struct SelectionOptions {
  std::string reject = std::string(kDefaultRejection);
  WeightMode weight = WeightMode::Snr;
  int reference = -1;        // 0-based index of the reference frame; -1: the best kept
  FrameQualityOptions quality;
  int threads = 0;           // frames measured at once; 0: one per core
};

struct SelectedFrame {
  std::filesystem::path file;
  FrameQuality quality;
  SelectionMetrics metrics;  // what the expression saw (weight relative to all measured frames)
  bool kept = false;
  std::string reason;   // why it was rejected; empty when kept
  double weight = 0;    // kept frames: mean 1 over the kept set; rejected: 0
};

struct FrameSelection {
  std::string expression;     // the rejection expression used
  WeightMode weight_mode = WeightMode::Snr;
  std::vector<SelectedFrame> frames;
  int reference = -1;         // index into frames; -1 when nothing is kept

  std::size_t kept_count() const noexcept;
};

// The metrics an expression sees for every frame: weights relative to the
// set's mean (over frames with stars), 1-based positions, image scales.
std::vector<SelectionMetrics> selection_metrics(std::span<const FrameQuality> frames,
                                                WeightMode mode);

// Selection over frames already measured (no I/O). Frames without any measured
// star are rejected whatever the expression says. Throws Error(InvalidArgument)
// for a bad expression, a reference out of range or rejected, and when the
// expression needs an image scale a frame's header does not give (naming it).
FrameSelection select_measured(std::vector<std::filesystem::path> files,
                               std::vector<FrameQuality> quality,
                               const SelectionOptions& options);

// Writes a selection into the Siril sequence of the same frames, in the same order:
// the I flags (kept or not), the reference, and in the R lines of every layer the
// FWHM, a weighted FWHM (Siril's: FWHM x (1 + 2 (n_ref - n) / n_ref) with n the star
// count, n_ref the reference's), the roundness sqrt(1 - ecc^2) and the frame's weight
// before selection as the quality. Shifts already in the R lines are kept. Throws
// Error(InvalidArgument) when the counts differ.
void apply_selection(Sequence& sequence, const FrameSelection& selection);

// Reads and measures every file (several frames at once when there are cores to
// spare), then selects. Throws Error naming the file that cannot be read, and
// Error(InvalidInput) naming the first file when no frame has any star.
FrameSelection select_frames(std::span<const std::filesystem::path> files,
                             const SelectionOptions& options, Progress& progress);

}  // namespace astropack
