// SPDX-License-Identifier: GPL-3.0-or-later
// The thin host adapter between GIMP 2.10 and the core: GIMP drawables (GEGL
// buffers read and written through an explicit babl float format) on one side,
// astropack images (planar float, FITS storage order) on the other.
//
// Numbers: a drawable's pixels are moved as the numbers its image stores, in the
// image's own TRC: "Y float"/"RGB float" for *_LINEAR precision, "Y' float"/
// "R'G'B' float" for perceptual precision, and in the image's colour space. babl
// converts nothing then, so a float image gives back exactly what was written, and
// a float TIFF from Siril (opened as perceptual float) gives Siril's numbers.
//
// Orientation: as Siril shows an image, the first stored row is the bottom row of
// the picture, so GIMP's row 0 is the last stored row and rows are flipped here.
#pragma once

#include <babl/babl.h>
#include <libgimp/gimp.h>

#include <string>

#include "astropack/image.hpp"
#include "astropack/progress.hpp"
#include "astropack/transfer_curve.hpp"

namespace astropack::gimp {

// Colour channels a drawable holds for the core: 1 for grey, 3 for RGB and
// indexed. Alpha is not counted.
std::size_t colour_channels(gint32 drawable);

// True when the drawable's image has a perceptual (gamma) precision.
bool is_perceptual(gint32 drawable);

// How the drawable's numbers are encoded, for the `storage` of the core's parameters.
Trc drawable_trc(gint32 drawable);

// The babl float format of the drawable's own numbers (its TRC and colour space)
// with `channels` colour channels (1 or 3) and optionally alpha.
const Babl* pixel_format(gint32 drawable, std::size_t channels, bool with_alpha);

// The colour channels of the whole drawable (its own extent, not the selection)
// in storage order; alpha is left out. Throws Error for a drawable GIMP refuses.
Image read_drawable(gint32 drawable, Progress& progress);

// The same with the numbers in `trc` whatever the image's precision (babl converts).
Image read_drawable_as(gint32 drawable, Trc trc, Progress& progress);

// The colour channels of a rectangle of the drawable (drawable coordinates, inside
// it), rows flipped within the rectangle, as read_drawable does: for previews.
Image read_drawable_area(gint32 drawable, gint x, gint y, gint width, gint height);

// Replaces the colour channels of the whole drawable through its shadow buffer
// (alpha kept), as one undo step, and updates the display. `pixels` has the
// drawable's size and colour_channels(); indexed drawables are refused.
void write_drawable(gint32 drawable, ConstImageView pixels, Progress& progress);

// A new layer holding `pixels` (grey or RGB as the image, without alpha; a grey
// `pixels` fills R, G and B of an RGB image), inserted at the top of `image`.
// Returns the layer.
gint32 new_layer(gint32 image, ConstImageView pixels, const std::string& name,
                 Progress& progress, GimpLayerMode mode = GIMP_LAYER_MODE_NORMAL,
                 double opacity = 100.0);

// A new GRAY (1 channel) or RGB (3 channels) image of FLOAT_LINEAR precision with one
// layer holding `pixels`. Returns the image; the caller owns it (gimp_image_delete).
gint32 new_image(ConstImageView pixels, const std::string& layer_name, Progress& progress);

// A message for the user: a dialog or the error console in GIMP, stderr in batch mode.
void message(const std::string& text);

}  // namespace astropack::gimp
