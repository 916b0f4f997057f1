// SPDX-License-Identifier: GPL-3.0-or-later
// Ha / OIII from colour data and the bicolour palettes built from them.
//
// From a CFA (Bayer) frame, as Siril 1.0's extract_HaOIII (siril-compat.md
// section 4.10): the phase of stored pixel (0, 0) comes from phase_at_origin()
// (BAYERPAT, XBAYROFF/YBAYROFF, ROWORDER, height); for every 2x2 cell starting
// at an even row and column, Ha = the red site and OIII = the mean of the other
// three sites (G, G, B). Outputs are floor(W/2) x floor(H/2), lose BAYERPAT and
// the offsets, keep ROWORDER, get XPIXSZ/YPIXSZ x 2 and FILTER "Ha" / "OIII"
// (or "<filter>_Ha" / "<filter>_OIII" when the input had a filter).
//
// From an RGB image (already debayered): Ha = R and OIII = (G + B) / 2 at full
// size, the same FILTER rule, pixel size unchanged. That is the RGB reading of
// Siril's rule (the green and blue photosites carry OIII with equal weight per
// channel here, since the two green sites were already merged by debayering).
//
// Palettes map (Ha, OIII) to RGB with a 3 x 2 matrix of weights, no clamping:
//   HOO             R = Ha, G = OIII, B = OIII
//   synthetic green R = Ha, G = a Ha + b OIII, B = OIII
//   blended         each channel = its own weights of Ha and OIII
#pragma once

#include <string>

#include "astropack/image.hpp"

namespace astropack {

struct HaOiiiImages {
  Image ha;
  Image oiii;
};

// Throws Error(InvalidInput) when the image is not a one-channel Bayer CFA
// frame (BAYERPAT RGGB, BGGR, GBRG or GRBG) of at least 2 x 2 pixels.
HaOiiiImages extract_ha_oiii_cfa(const Image& cfa);
// Throws Error(InvalidInput) when the image is not RGB.
HaOiiiImages extract_ha_oiii_rgb(const Image& rgb);
// Chooses by the image: CFA frames by their BAYERPAT, RGB images by channel count.
HaOiiiImages extract_ha_oiii(const Image& image);

struct BicolourMix {
  // Weights of Ha and OIII in each output channel, each in [0, 2].
  double red_ha = 1.0, red_oiii = 0.0;
  double green_ha = 0.0, green_oiii = 1.0;
  double blue_ha = 0.0, blue_oiii = 1.0;

  void validate() const;  // throws Error(InvalidArgument) naming the valid range
};

BicolourMix hoo_mix() noexcept;
// G = a Ha + b OIII; a and b in [0, 2].
BicolourMix synthetic_green_mix(double ha_weight, double oiii_weight) noexcept;

// `ha` and `oiii` are one-channel images of the same size. The header comes
// from `ha` without its FILTER. Throws Error(InvalidInput) on mismatch.
Image bicolour_palette(const Image& ha, const Image& oiii, const BicolourMix& mix);

std::string describe(const BicolourMix& mix);

}  // namespace astropack
