// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/transfer_curve.hpp"

#include <cmath>
#include <string>

#include "astropack/error.hpp"

namespace astropack {

Trc parse_trc(std::string_view name) {
  if (name == "linear") return Trc::Linear;
  if (name == "perceptual") return Trc::Perceptual;
  std::string sentence = "unknown tone curve '";
  sentence.append(name).append("'; use linear or perceptual.");
  throw Error(ErrorKind::InvalidArgument, sentence);
}

std::string_view to_string(Trc trc) noexcept {
  return trc == Trc::Linear ? "linear" : "perceptual";
}

// Constants of IEC 61966-2-1 with the break points babl uses.
float srgb_to_linear(float encoded) noexcept {
  const double v = encoded;
  if (v > 0.04045) return static_cast<float>(std::pow((v + 0.055) / 1.055, 2.4));
  return static_cast<float>(v / 12.92);
}

float linear_to_srgb(float linear) noexcept {
  const double v = linear;
  if (v > 0.003130804954) return static_cast<float>(1.055 * std::pow(v, 1.0 / 2.4) - 0.055);
  return static_cast<float>(v * 12.92);
}

}  // namespace astropack
