// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/image_file.hpp"

#include <fstream>
#include <system_error>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/raw.hpp"
#include "astropack/tiff.hpp"

namespace astropack {

namespace fs = std::filesystem;

namespace {

// Throws the error a user expects for a path that cannot be opened at all.
void require_readable_file(const fs::path& file) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) throw Error(ErrorKind::NotFound, file, "no such file.");
  if (fs::is_directory(status)) throw Error(ErrorKind::InvalidInput, file, "is a folder, not an image file.");
  std::ifstream stream(file, std::ios::binary);
  if (!stream) throw Error(ErrorKind::Unreadable, file, "cannot be read (permission denied?).");
  if (fs::file_size(file, ec) == 0) throw Error(ErrorKind::InvalidInput, file, "is empty.");
}

}  // namespace

ImageFormat guess_image_format(const fs::path& file) {
  std::ifstream stream(file, std::ios::binary);
  char magic[9] = {};
  stream.read(magic, 9);
  const std::string_view head(magic, static_cast<std::size_t>(stream.gcount()));
  if (head.starts_with("SIMPLE  =")) return ImageFormat::Fits;
  if (head.starts_with("II*") || head.starts_with("MM\0*")) {
    // Many camera raw formats (CR2, NEF, ARW, DNG...) are TIFF containers.
    return has_tiff_extension(file) ? ImageFormat::Tiff : ImageFormat::CameraRaw;
  }
  if (has_fits_extension(file)) return ImageFormat::Fits;
  if (has_tiff_extension(file)) return ImageFormat::Tiff;
  // The others (CR3, RAF, ORF, RW2, CRW, X3F, MRW...) have magic numbers of their own.
  if (has_raw_extension(file)) return ImageFormat::CameraRaw;
  return ImageFormat::Unknown;
}

std::string_view to_string(ImageFormat format) noexcept {
  switch (format) {
    case ImageFormat::Fits: return "FITS";
    case ImageFormat::Tiff: return "TIFF";
    case ImageFormat::CameraRaw: return "camera raw";
    case ImageFormat::Unknown: return "unknown";
  }
  return "unknown";
}

Image read_image(const fs::path& file) {
  require_readable_file(file);
  switch (guess_image_format(file)) {
    case ImageFormat::Fits: return read_fits(file);
    case ImageFormat::Tiff: return read_tiff(file);
    case ImageFormat::CameraRaw: return read_raw(file);
    case ImageFormat::Unknown: break;
  }
  throw Error(ErrorKind::InvalidInput, file,
              "is not a FITS, TIFF or camera raw image (unknown content and file name "
              "extension).");
}

}  // namespace astropack
