// SPDX-License-Identifier: GPL-3.0-or-later
// TIFF through libtiff: 16-bit unsigned and 32-bit float, mono and RGB, the
// interchange format of the GIMP half of the workflow. As in Siril, the first
// stored image row is the bottom row of the TIFF (TIFF is top-down).
#pragma once

#include <filesystem>

#include "astropack/fits.hpp"
#include "astropack/image.hpp"

namespace astropack {

// Reads 8/16/32-bit integer or 32-bit float TIFF, normalised like FITS.
Image read_tiff(const std::filesystem::path& file);

// Writes UInt16 or Float32 TIFF atomically.
void write_tiff(const std::filesystem::path& file, ConstImageView pixels, const Header& header,
                SampleFormat format);

bool has_tiff_extension(const std::filesystem::path& file);

}  // namespace astropack
