// SPDX-License-Identifier: GPL-3.0-or-later
// How pixel numbers relate to light, in GIMP 2.10's terms. GIMP keeps every image
// either in linear light (precision "linear") or sRGB-encoded (precision
// "perceptual"; a 32-bit float TIFF from Siril or astropack opens that way), and
// each operation converts to the space it is defined in and back. The compositing
// functions here take the storage curve of their images so that they give the
// numbers GIMP would.
#pragma once

#include <string_view>

namespace astropack {

enum class Trc {
  Linear,      // numbers are linear light (GIMP precision "... linear")
  Perceptual,  // numbers are sRGB-encoded (GIMP precision "... perceptual", the default)
};

// "linear" or "perceptual"; throws Error(InvalidArgument) naming the choices otherwise.
Trc parse_trc(std::string_view name);
std::string_view to_string(Trc trc) noexcept;

// The sRGB tone curve as babl applies it, extended past 1 by the power law and
// below 0 by the linear segment.
float srgb_to_linear(float encoded) noexcept;
float linear_to_srgb(float linear) noexcept;

// A value stored with curve `from` expressed with curve `to`.
inline float convert_trc(float value, Trc from, Trc to) noexcept {
  if (from == to) return value;
  return to == Trc::Linear ? srgb_to_linear(value) : linear_to_srgb(value);
}

}  // namespace astropack
