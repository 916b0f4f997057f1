// SPDX-License-Identifier: GPL-3.0-or-later
// Opening a FITS file as a GIMP image at full precision.
#pragma once

#include <libgimp/gimp.h>

#include <cstddef>

#include "astropack/image.hpp"

namespace astropack::gimp {

// Sets NaN and infinite samples to 0 and returns how many there were. GIMP's
// operations (display, histogram, filters) spread a NaN to its neighbours, and
// Siril turns NaN into 0 when it converts to 16 bits; 0 is the same choice, and it
// keeps each such pixel local.
std::size_t replace_non_finite(ImageView pixels);

// Reads the file with astropack's FITS reader (values normalised as Siril does,
// nothing stretched) into a new FLOAT_LINEAR image: GRAY for one plane, RGB for
// three. The first stored row is the bottom row. The header is kept as the
// "astropack-fits-header" parasite. Returns the image; throws Error.
gint32 load_fits_image(const char* filename);

}  // namespace astropack::gimp
