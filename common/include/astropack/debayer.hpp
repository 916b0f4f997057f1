// SPDX-License-Identifier: GPL-3.0-or-later
// Demosaicing of Bayer CFA frames into RGB (planes R, G, B).
//
//  - Bilinear: each missing colour is the mean of that colour's pixels in the
//    3 x 3 window (2 or 4 of them; fewer at the borders).
//  - RCD, ratio-corrected demosaicing (Luis Sanz Rodriguez, 2017; Siril's
//    default): a directional discrimination from squared colour-blind
//    high-pass filters along the rows, columns and both diagonals, refined by
//    the diagonal neighbours; green at red and blue sites from the four
//    cardinal neighbours, each corrected by the ratio of a 3 x 3 low-pass
//    filter of the mosaic between the site and the neighbour's far side, and
//    weighted by inverse gradients; then red and blue from colour differences
//    with the green, diagonally at blue and red sites and cardinally at green
//    sites. The 5-pixel border is bilinear.
// Unlike the published code, nothing is clipped to [0, 1]: negatives and
// values above 1 pass through. The ratios need positive data, so the mosaic
// is lifted by a constant when its low end is negative and lowered again after.
//
// The CFA phase of stored pixel (0, 0) comes from phase_at_origin (BAYERPAT,
// XBAYROFF, YBAYROFF, ROWORDER and the height, as Siril works it out).
// X-Trans mosaics are not handled.
#pragma once

#include <optional>
#include <string_view>

#include "astropack/cfa.hpp"
#include "astropack/image.hpp"

namespace astropack {

enum class DemosaicMethod { Bilinear, Rcd };

std::string_view to_string(DemosaicMethod method) noexcept;  // "bilinear", "rcd"
std::optional<DemosaicMethod> parse_demosaic_method(std::string_view text) noexcept;

// `mosaic` is one channel; `origin` the pattern of its stored pixel (0, 0).
// Returns a 3-channel image with an empty header. Rows run in parallel; the
// result does not depend on the thread count. Throws Error(InvalidArgument)
// for a view that is not one channel of at least 2 x 2 pixels.
Image demosaic(ConstImageView mosaic, CfaPattern origin, DemosaicMethod method);

// Band by band (light stacks demosaic each frame as row bands): the constant
// RCD lifts a mosaic by is the whole frame's demosaic_lift(), passed to every
// band so that all bands are treated alike. A band's rows then equal the whole
// frame's except within kDemosaicReach rows of its cut edges.
inline constexpr std::size_t kDemosaicReach = 16;
float demosaic_lift(ConstImageView mosaic);
Image demosaic(ConstImageView mosaic, CfaPattern origin, DemosaicMethod method, float lift);

// Demosaics a CFA frame with its header's phase. The result keeps the header
// (ROWORDER included) without BAYERPAT, XBAYROFF and YBAYROFF, plus a HISTORY
// line. Throws Error(InvalidInput) when the frame has no Bayer BAYERPAT or is
// not one channel.
Image debayer(const Image& cfa, DemosaicMethod method = DemosaicMethod::Rcd);

}  // namespace astropack
