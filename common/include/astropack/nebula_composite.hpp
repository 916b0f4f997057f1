// SPDX-License-Identifier: GPL-3.0-or-later
// The nebula composite of the workflow, as the GIMP layer stack builds it:
//
//   top      stars    unsharp-masked, "lighten only"
//            OIII     colourised cyan (hue 180), "screen"
//            Ha       colourised red (hue 0), "screen"
//   bottom   nebula   "normal" (black when absent)
//
// Each layer first gets its black point (GIMP Levels, input low), then an optional
// Gaussian blur (plug-in-gauss: on the stored numbers), then its colour or sharpening,
// then is blended onto the layers below with its opacity. Every step is the function
// of this library that reproduces the GIMP 2.10 operation (blend.hpp, levels.hpp,
// gaussian_blur.hpp, colourise.hpp, unsharp_mask.hpp), so the result is the image
// GIMP shows for the same stack. Grey layers count as R = G = B; the result is RGB.
#pragma once

#include <optional>
#include <string>

#include "astropack/image.hpp"
#include "astropack/progress.hpp"
#include "astropack/transfer_curve.hpp"
#include "astropack/unsharp_mask.hpp"

namespace astropack {

struct CompositeLayerParams {
  double black_point = 0.0;  // Levels input low, 0..1 (below 1)
  double blur = 0.0;         // Gaussian standard deviation in pixels, 0..1500 (0: none)
  double opacity = 1.0;      // 0..1
};

struct NebulaCompositeParams {
  CompositeLayerParams nebula, ha, oiii, stars;
  double ha_hue = 0.0;        // degrees, 0..360
  double oiii_hue = 180.0;    // degrees, 0..360
  double saturation = 100.0;  // percent, 0..100, both colourised layers
  double lightness = 0.0;     // percent, -100..100, both colourised layers
  bool sharpen_stars = true;
  UnsharpMaskParams stars_sharpening;  // radius 3, amount 0.5, threshold 0 by default
  Trc storage = Trc::Perceptual;       // how the layers' numbers are encoded

  // Throws Error(InvalidArgument) naming the valid range of a value outside it.
  void validate() const;
};

// The layers present; at least one, all of the same width and height, each grey or RGB.
struct NebulaLayers {
  std::optional<ConstImageView> stars, ha, oiii, nebula;
};

// Throws Error(InvalidArgument) for missing or mismatched layers or bad parameters.
// The layers are prepared by the three functions below, then blended.
Image compose_nebula(const NebulaLayers& layers, const NebulaCompositeParams& params,
                     Progress& progress);

// The layers of the stack one at a time, as compose_nebula prepares them before
// blending (the GIMP plug-ins put each into a layer of its own and let GIMP blend).
// Each takes a grey or RGB layer; `params.storage` says how its numbers are encoded.
// Black point, then blur: the channels are kept.
Image prepared_layer(ConstImageView layer, const CompositeLayerParams& layer_params, Trc storage);
// Black point, blur, then colourised with `hue` and params' saturation and lightness: RGB.
Image coloured_layer(ConstImageView layer, const CompositeLayerParams& layer_params, double hue,
                     const NebulaCompositeParams& params);
// params.stars' black point and blur, then the unsharp mask when params.sharpen_stars:
// the channels are kept.
Image stars_layer(ConstImageView stars, const NebulaCompositeParams& params);

// One line for logs and HISTORY cards.
std::string describe(const NebulaCompositeParams& params);

}  // namespace astropack
