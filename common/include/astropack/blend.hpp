// SPDX-License-Identifier: GPL-3.0-or-later
// Layer blending as GIMP 2.10 composites its default (non-legacy) layer modes.
//
// GIMP 2.10 describes each mode by a blend function f(backdrop, layer), the colour
// space f is evaluated in, the space the result is composited in, and a composite
// mode (app/operations/layer-modes/gimp-layer-modes.c):
//
//   mode           f(a, b)               blend space   composite   composite mode
//   normal         b                     -             linear      union (src-over)
//   lighten only   max(a, b)             linear        linear      clip to backdrop (src-atop)
//   screen         1 - (1 - a)(1 - b)    perceptual    linear      clip to backdrop
//   addition       a + b                 linear        linear      clip to backdrop
//   multiply       a * b                 linear        linear      clip to backdrop
//
// "Perceptual" means sRGB-encoded numbers. The images here are opaque; for an
// opaque backdrop and layer both composite modes reduce to
//   out = backdrop + opacity * (f - backdrop)       (in linear light),
// so union and clip-to-backdrop give the same pixels. Values are never clamped:
// numbers above 1 and below 0 go through the same formulas as GIMP's float path.
#pragma once

#include <string>
#include <string_view>

#include "astropack/image.hpp"
#include "astropack/transfer_curve.hpp"

namespace astropack {

enum class BlendMode { Normal, LightenOnly, Screen, Addition, Multiply };

// normal, lighten-only (or lighten), screen, addition (or add), multiply.
// Throws Error(InvalidArgument) listing the modes otherwise.
BlendMode parse_blend_mode(std::string_view name);
std::string_view to_string(BlendMode mode) noexcept;

// Where GIMP 2.10 evaluates f for this mode (Normal has no f and reports Linear).
Trc blend_space(BlendMode mode) noexcept;

struct BlendParams {
  BlendMode mode = BlendMode::Normal;
  double opacity = 1.0;           // 0..1, GIMP's layer opacity / 100
  Trc storage = Trc::Perceptual;  // how the numbers of both images are encoded

  // Throws Error(InvalidArgument) unless opacity is in [0, 1].
  void validate() const;
};

// One sample: backdrop and layer values of the same channel, both in `storage`.
float blend_sample(float backdrop, float layer, const BlendParams& params) noexcept;

// Blends `layer` onto `backdrop` in place. Same width and height; the backdrop has
// 1 or 3 channels and the layer the same count, or 1 channel over a 3-channel
// backdrop (a grey layer, as GIMP converts it). Throws Error(InvalidArgument)
// otherwise or when the parameters are out of range.
void blend(ImageView backdrop, ConstImageView layer, const BlendParams& params);

// One line for logs and HISTORY cards, e.g. "blend mode=screen opacity=0.6 trc=perceptual".
std::string describe(const BlendParams& params);

}  // namespace astropack
