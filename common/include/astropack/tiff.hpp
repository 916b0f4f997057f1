// SPDX-License-Identifier: GPL-3.0-or-later
// TIFF through libtiff: 16-bit unsigned and 32-bit float, mono and RGB, the
// interchange format of the GIMP half of the workflow. As in Siril, the first
// stored image row is the bottom row of the TIFF (TIFF is top-down).
#pragma once

#include <filesystem>

#include "astropack/fits.hpp"
#include "astropack/image.hpp"

namespace astropack {

// Reads the first image of a TIFF: 8/16/32-bit unsigned integer (divided by 255,
// 65535 or 4294967295) or 32/64-bit float (kept as it is); grey or RGB, extra
// (alpha) samples ignored; strips or tiles, contiguous or separate planes, any
// compression libtiff was built with. The top row of the picture becomes the last
// stored row. Orientations 1-4 (mirrors) are honoured, 5-8 (rotations) refused.
// Throws Error naming the file; libtiff prints nothing.
Image read_tiff(const std::filesystem::path& file);

// Writes UInt16 (value * 65535 rounded, clipped) or Float32 (unchanged), grey or
// RGB, uncompressed, atomically. The last stored row becomes the top TIFF row.
// `header` is not stored: TIFF has no place for it that GIMP or Siril 1.0 read.
void write_tiff(const std::filesystem::path& file, ConstImageView pixels, const Header& header,
                SampleFormat format);

bool has_tiff_extension(const std::filesystem::path& file);

}  // namespace astropack
