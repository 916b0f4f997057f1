// SPDX-License-Identifier: GPL-3.0-or-later
// Resampling a frame onto the reference frame's pixel grid through a
// registration transform (reference -> frame coordinates, transform.hpp).
//
// Output pixel (x, y) of the reference grid takes the frame's value at
// reference_to_frame(x, y), interpolated by a separable kernel:
//  - Lanczos3: sinc(t) sinc(t / 3) over 6 x 6 source pixels (the default);
//  - Bicubic: Keys' cubic convolution with a = -0.5 over 4 x 4;
//  - Bilinear: 2 x 2;  - Nearest: the closest pixel.
// Kernel weights come from a table of 1024 phases per pixel, each row of
// weights normalised to a sum of 1 (a flat image stays exactly flat).
// With clamping (the default), Lanczos and bicubic results are held within
// the minimum and maximum of the 2 x 2 source pixels around the sample point,
// which removes the dark rings their negative lobes leave around stars
// (the purpose of Siril's clamping and PixInsight's clamping threshold).
// Output pixels whose source point lies outside the frame (beyond half a pixel
// from the outermost pixel centres) are 0, Siril's "no data" that rejection
// and combination leave out; near the edge the kernel repeats the edge pixels.
// Each output pixel depends only on its source neighbourhood, so resampling
// band by band gives the same bits as resampling the whole frame, at any
// thread count. The header is the frame's.
#pragma once

#include <cstddef>
#include <string_view>

#include "astropack/band_plan.hpp"
#include "astropack/image.hpp"
#include "astropack/transform.hpp"

namespace astropack {

enum class Interpolation { Lanczos3, Bicubic, Bilinear, Nearest };

// "lanczos3" (or "lanczos"), "bicubic" (or "cubic"), "bilinear" (or "linear"),
// "nearest"; throws Error(InvalidArgument) otherwise.
Interpolation parse_interpolation(std::string_view name);
std::string_view to_string(Interpolation interpolation) noexcept;
// Source pixels the kernel reaches on either side of the sample point (3, 2, 1, 1).
std::size_t kernel_reach(Interpolation interpolation) noexcept;

struct ResampleOptions {
  Interpolation interpolation = Interpolation::Lanczos3;
  bool clamp = true;  // limit ringing of Lanczos and bicubic (no effect on the others)
};

// The frame resampled onto a width x height reference grid.
Image resample_frame(const Image& frame, const Transform& reference_to_frame, std::size_t width,
                     std::size_t height, const ResampleOptions& options = {});

// Band-wise form for streaming. The frame rows that output rows `output`
// (of a grid `output_width` wide) need: the bounding rows of the band's
// corners mapped into the frame, plus the kernel's reach, cut to the frame's
// height. rows = 0 when the whole band falls outside the frame.
RowBand source_rows_for(const Transform& reference_to_frame, RowBand output,
                        std::size_t output_width, std::size_t frame_width,
                        std::size_t frame_height, Interpolation interpolation);

// Resamples output rows `output` into `out` (output_width x output.rows, the
// frame's channel count). `source` holds frame rows [source_rows.first_row,
// source_rows.first_row + source_rows.rows) of a frame `frame_height` rows
// tall, at least the rows source_rows_for() names. Rows run in parallel.
void resample_band(ConstImageView source, RowBand source_rows, std::size_t frame_height,
                   const Transform& reference_to_frame, RowBand output, ImageView out,
                   const ResampleOptions& options = {});

}  // namespace astropack
