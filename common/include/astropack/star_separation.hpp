// SPDX-License-Identifier: GPL-3.0-or-later
// Star separation without a neural network: the workflow's "starless" and "stars"
// layers (what StarNet makes), from detection, a size-aware mask and inpainting.
//
// 1. Detection on the luminance (mean of the channels), lightly smoothed (Gaussian,
//    sigma 1): a mesh of tiles gives the background (sigma-clipped median) and the
//    noise (clipped 1.4826 MAD of the image minus its smoothed self, rescaled to
//    pixel noise, so the nebula's structure does not count as noise; never below
//    the quantisation noise of 16-bit data), bilinear between tile centres and
//    extrapolated to the edges. Pixels more than `threshold` sigmas (of the smoothed
//    image) above it form 8-connected components.
// 2. Candidates are the local maxima of the components that reach `min_peak` sigmas,
//    both above the mesh and above their own surroundings (a plane fitted to an
//    annulus just outside max_fwhm / 2, robust to other stars, correct at the image
//    edge), so a component holding several stars, or stars on a bright nebula,
//    gives each of them.
// 3. Stars, not nebula: a candidate's core is the connected region above half its
//    peak (over the annulus level); a core that reaches max_fwhm / 2 from the peak is
//    broad, i.e. nebula (knots, filaments) or a blend, and is left alone.
// 4. Size-aware mask: each star's profile is taken as a Moffat (beta 3, typical of
//    seeing) through its peak and half-maximum radius (the median of the stars of at
//    least 20 sigmas for the fainter ones, since seeing is common to all); the mask
//    is a disk out to where that profile falls to `mask_level` noise sigmas (and at
//    most to 1e-4 of the peak), times `mask_growth`, plus `mask_margin` pixels, and
//    the core itself. Bright stars get wide masks, faint ones small.
// 5. The masked pixels of every channel are filled by harmonic inpainting from the
//    pixels around them (inpaint.hpp): the starless image. On the crest of a nebula
//    the fill runs a little low (a harmonic surface has no maximum inside a hole).
// 6. Stars = image - starless, or the "screen" inverse
//    stars = 1 - (1 - image) / (1 - starless), which a screen blend of the two
//    layers turns back into the image (numbers as stored, GIMP perceptual).
// Stars fainter than the detection limit stay in the starless image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "astropack/image.hpp"
#include "astropack/progress.hpp"

namespace astropack {

enum class StarsLayer { Difference, ScreenInverse };

struct StarSeparationParams {
  double threshold = 3.0;         // detection, noise sigmas above the background, 1..100
  double min_peak = 5.0;          // a star's peak (smoothed), noise sigmas, threshold..1000
  double max_fwhm = 12.0;         // pixels, 1..100: broader cores are nebula
  std::size_t tile = 32;          // background mesh tile, pixels, 8..1024
  double mask_level = 1.0;        // where the modelled profile ends, noise sigmas, 0.1..10
  double mask_growth = 1.2;       // 1..5
  double mask_margin = 1.5;       // pixels, 0..50
  double max_mask_radius = 80.0;  // pixels, 2..1000
  StarsLayer stars_layer = StarsLayer::Difference;

  // Throws Error(InvalidArgument) naming the valid range of a value outside it.
  void validate() const;
};

struct SeparatedStar {
  double x = 0.0, y = 0.0;   // peak, stored coordinates
  double peak = 0.0;         // above the background, luminance units
  double mask_radius = 0.0;  // pixels
};

struct StarSeparationResult {
  Image starless;
  Image stars;
  std::vector<std::uint8_t> mask;  // width x height, 1 where stars were removed
  std::vector<SeparatedStar> found;
  std::size_t nebula_components = 0;  // candidates too broad to be stars (left alone)
};

// Works on grey or RGB images. Throws Error(InvalidArgument) for bad parameters.
StarSeparationResult separate_stars(ConstImageView image, const StarSeparationParams& params,
                                    Progress& progress);

// One line for logs and HISTORY cards.
std::string describe(const StarSeparationParams& params);

}  // namespace astropack
