// SPDX-License-Identifier: GPL-3.0-or-later
// Stacking registered light frames with the integration engine: every frame is
// read band by band, demosaiced when it is a CFA frame, resampled onto the
// output grid through its transform, normalised, weighted, rejected and
// combined. Nothing registered is written to disk on the way.
//
// Defaults are the practitioners': average with the rejection chosen by frame
// count (as for masters), additive normalisation with scaling (lights differ in
// sky background and transparency), Lanczos-3 with clamping, RCD for colour
// frames, the reference frame's framing. Frames are measured for
// normalisation (location and scale per channel, IKSS by default) and noise
// before registration: on CFA frames per colour on the photosites of that
// colour. Frames without a transform (registration failed) are left out and
// named in the result, never stacked.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "astropack/debayer.hpp"
#include "astropack/integration.hpp"
#include "astropack/progress.hpp"
#include "astropack/rejection.hpp"
#include "astropack/resample.hpp"
#include "astropack/transform.hpp"

namespace astropack {

enum class StackWeighting {
  None,      // every frame counts the same
  Exposure,  // proportional to exposure time
  Noise,     // inverse variance of the normalised frame's background
  Snr,       // SNR^2 (PixInsight's SNRWeight), from the selection or measured
  Psf,       // (typical star peak / noise)^2, from the selection or measured
};

enum class Framing {
  Reference,  // the reference frame's area; pixels some frames miss hold fewer values
  Common,     // cropped to the largest rectangle every frame covers
};

std::optional<StackWeighting> parse_stack_weighting(std::string_view name) noexcept;
std::string_view to_string(StackWeighting weighting) noexcept;
std::optional<Framing> parse_framing(std::string_view name) noexcept;  // "reference", "common"
std::string_view to_string(Framing framing) noexcept;

struct LightFrame {
  std::filesystem::path file;
  // Reference -> frame coordinates; empty when registration failed ...
  std::optional<Transform> transform;
  std::string failure;  // ... and then why, one sentence
  // SNR or PSF weight from a frame selection (any positive scale); 0 = measure it.
  double selection_weight = 0;
};

struct LightStackOptions {
  // Combination, rejection, normalisation, estimator, memory, maps, threads.
  // integration.weighting and integration.reference are set from the fields below.
  IntegrationOptions integration;
  bool auto_rejection = true;  // rejection (and thresholds) by frame count, as for masters
  StackWeighting weighting = StackWeighting::Noise;
  Framing framing = Framing::Reference;
  ResampleOptions resample;
  DemosaicMethod demosaic = DemosaicMethod::Rcd;  // CFA frames
  bool coverage_map = false;
};

LightStackOptions default_light_stack_options();

struct LightStackResult {
  // .image: the stack (32-bit float data, header from stacked_header() with
  // HISTORY), maps and measurements of the frames stacked.
  IntegrationResult integration;
  // Per output pixel: the summed weights of the frames whose area covers it
  // (the frame count for equal weights). Empty unless asked for.
  Image coverage;
  std::vector<std::filesystem::path> stacked;  // in input order
  std::vector<LightFrame> left_out;            // with their failure sentences
  std::size_t reference = 0;                   // index into `stacked`
  RejectionParams rejection;                   // what was used
  // Common framing: the output grid's origin on the reference frame.
  std::size_t crop_x = 0, crop_y = 0;
};

// `reference` indexes `frames` and must have a transform (normally the
// identity). Throws Error(InvalidInput) when fewer than one frame has a
// transform, when the frames have no area in common (common framing), and
// Error naming a file for unreadable or mismatched frames.
LightStackResult stack_lights(const std::vector<LightFrame>& frames, std::size_t reference,
                              const LightStackOptions& options, Progress& progress);

// The largest axis-parallel rectangle of a width x height reference grid that
// every transform maps inside its frame (frame_width x frame_height), as
// [x0, x1] x [y0, y1] of pixel centres. Empty optional when there is none.
struct GridRectangle {
  std::size_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};
std::optional<GridRectangle> common_area(const std::vector<Transform>& reference_to_frame,
                                         std::size_t width, std::size_t height,
                                         std::size_t frame_width, std::size_t frame_height);

}  // namespace astropack
