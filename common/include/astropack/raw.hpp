// SPDX-License-Identifier: GPL-3.0-or-later
// Camera raw files (CR2, CR3, NEF, ARW, RAF, ORF, RW2, DNG, ...) through LibRaw,
// as the colour filter array data the sensor recorded: no demosaicing, no white
// balance, no black-level subtraction (calibration frames remove the offset).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "astropack/image.hpp"

namespace astropack {

// Reads the visible (cropped) area of the raw mosaic as a one-channel image.
//
// Pixels: the raw values exactly as the camera stored them, divided by 65535 like
// any 16-bit ADU. Cameras with 12- or 14-bit converters are NOT rescaled to 16 bits,
// so their values stay below 4095/65535 or 16383/65535; black level and white
// point are neither subtracted nor applied. Rows are in sensor readout order (the
// camera's orientation flag is ignored) and the header says ROWORDER = 'TOP-DOWN',
// which is rule (a) of siril-compat.md 1.6.
//
// BAYERPAT: the 2x2 pattern of the first visible pixel (LibRaw's colours after its
// crop margins, which it keeps even for Bayer sensors), XBAYROFF = YBAYROFF = 0.
// X-Trans sensors get the 36-letter 6x6 pattern of the first visible pixel, as Siril
// writes it; monochrome sensors no BAYERPAT. Other layouts (four-colour CMYG, Leaf
// 16x16) and files without mosaic data (linear DNG, sRAW/mRAW, Foveon) are refused.
//
// Metadata: EXPTIME (s), ISOSPEED, DATE-OBS (UTC, ISO 8601 to the second, from the
// EXIF capture time read in the computer's time zone, as Siril does), INSTRUME
// ("make model"), FOCALLEN (mm) and CCD-TEMP when the camera records a sensor or
// body temperature. IMAGETYP stays empty: a raw file does not say what it is.
//
// Thread-safe: each call uses its own LibRaw object (link libraw_r). Nothing is
// printed. Throws Error naming the file when it is missing, empty, not a raw file,
// from an unsupported camera, truncated or corrupt, or claims an impossible size.
Image read_raw(const std::filesystem::path& file);

// Geometry and header of a raw file (as read_raw gives them) without decoding the
// pixels: fast enough to check a whole folder before converting it. A truncated pixel
// area shows only when read_raw decodes it.
struct RawInfo {
  std::size_t width = 0;
  std::size_t height = 0;
  Header header;
};
RawInfo read_raw_info(const std::filesystem::path& file);

// True for the usual camera raw file name extensions, in any letter case:
// cr2 cr3 crw nef nrw arw srf sr2 raf orf rw2 pef dng 3fr erf kdc mrw x3f srw iiq.
bool has_raw_extension(const std::filesystem::path& file);

// "LibRaw 0.20.2", for messages and `astropack --version` style reports.
std::string raw_library_version();

}  // namespace astropack
