// SPDX-License-Identifier: GPL-3.0-or-later
// Green-noise removal (SCNR, subtractive chromatic noise reduction) as Siril's
// rmgreen computes it (siril-compat.md section 4.6). Per pixel, with r, g, b the
// input values and a the amount:
//   average neutral   g' = min(g, (r + b) / 2)
//   maximum neutral   g' = min(g, max(r, b))
//   maximum mask      m = max(r, b),        g' = g (1 - a)(1 - m) + m g
//   additive mask     m = min(1, r + b),    g' = g (1 - a)(1 - m) + m g
// As in Siril, the amount acts only on the two mask methods; the neutral
// methods always remove the full excess. None of them ever raises g (the
// lightness restoration below may then move all three channels).
//
// Preserve lightness (the default) keeps the CIE L* of the original pixel: the
// pixel goes sRGB -> XYZ (D65, x100) -> L*a*b* (white 95.047/100/108.883), the
// new a*, b* are combined with the old L* and converted back. As Siril 1.0 does,
// the RGB <-> XYZ step applies the sRGB transfer curve (decode 0.04045/12.92/2.4,
// encode back); Siril 1.2 treats the data as linear and clips, which we do not
// follow, so the result matches siril-cli 1.0.6. Nothing is clamped: a pixel the
// lightness restoration pushes above 1 stays there and is counted.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "astropack/image.hpp"

namespace astropack {

enum class ScnrMethod { AverageNeutral, MaximumNeutral, MaximumMask, AdditiveMask };

// "average-neutral", "maximum-neutral", "maximum-mask", "additive-mask".
std::string_view to_string(ScnrMethod method) noexcept;
std::optional<ScnrMethod> parse_scnr_method(std::string_view text) noexcept;

struct ScnrParams {
  ScnrMethod method = ScnrMethod::AverageNeutral;
  double amount = 1.0;             // [0, 1]; mask methods only (Siril 1.0's CLI uses 0)
  bool preserve_lightness = true;  // keep CIE L* (Siril's default)

  // Throws Error(InvalidArgument) naming the valid range.
  void validate() const;
};

struct ScnrResult {
  std::size_t above_one = 0;  // pixels with a channel above 1 after the operation
};

// `in` and `out` are RGB views of the same size; they may be the same view.
// Throws Error(InvalidInput) for an image that is not RGB.
ScnrResult scnr(ConstImageView in, ImageView out, const ScnrParams& params);

// One line for logs and HISTORY cards, e.g. "scnr method=average-neutral amount=1 preserve-lightness=yes".
std::string describe(const ScnrParams& params);

}  // namespace astropack
