// SPDX-License-Identifier: GPL-3.0-or-later
// Saving a GIMP drawable as a FITS file Siril reads back exactly.
#pragma once

#include <libgimp/gimp.h>

#include "astropack/fits.hpp"

namespace astropack::gimp {

// The last values of the save procedure (gimp_set_data): a plain struct.
struct FitsSaveValues {
  gint32 bits = 32;  // 32: 32-bit float; 16: 16-bit unsigned (BZERO 32768)
};

// The sample format for the PDB argument: 0 (the default when a caller leaves it
// out) or 32 -> Float32, 16 -> UInt16. Throws Error(InvalidArgument) otherwise.
SampleFormat sample_format_for_bits(gint32 bits);

// Writes the colour channels of `drawable` (grey: one plane, RGB: three) to
// `filename` atomically, with the header of the image's "astropack-fits-header"
// parasite when it has one. Values are the numbers the image stores; for 16 bits,
// value * 65535 rounded and clipped to 0..65535 (the clipped samples are counted
// in a message). Alpha is not saved, and of an image with several layers only
// `drawable` is: a message says so. Throws Error.
void save_fits_drawable(gint32 image, gint32 drawable, const char* filename,
                        SampleFormat format);

}  // namespace astropack::gimp
