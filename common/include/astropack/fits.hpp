// SPDX-License-Identifier: GPL-3.0-or-later
// FITS through CFITSIO, with Siril's conventions (siril-compat.md section 1):
// the first image HDU with NAXIS > 0; NAXIS=2 mono or NAXIS3=3 RGB planes;
// values normalised on read (8-bit / 255, 16-bit / 65535, float kept unless it
// is in ADU scale); written as Siril writes 16-bit unsigned or 32-bit float.
// Pixels are never flipped because of ROWORDER.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "astropack/image.hpp"

namespace astropack {

enum class SampleFormat {
  UInt16,   // BITPIX 16, BZERO 32768: value * 65535 rounded and clipped to 0..65535
  Float32,  // BITPIX -32, values as they are (normalised, negatives kept)
};

struct FitsLayout {
  std::size_t width = 0;
  std::size_t height = 0;
  std::size_t channels = 0;  // 1 or 3
  int bitpix = 0;            // as stored (8, 16, 32, -32, -64)
  // Factor that turns stored values into normalised ones (1/65535 for 16-bit, ...).
  // Where Siril's rules depend on the pixels (16-bit without BZERO, signed 32-bit without
  // DATAMAX, float without DATAMAX), read_fits_info gives the value before looking at them
  // and FitsBandReader::layout() the final one (fits.cpp lists the rules).
  double scale = 1.0;
  int hdu = 1;               // 1-based CFITSIO HDU number of the image
};

// Reads the whole image and its header. Throws Error naming the file on any problem.
Image read_fits(const std::filesystem::path& file);

// Header and geometry without reading pixels.
struct FitsInfo {
  FitsLayout layout;
  Header header;
};
FitsInfo read_fits_info(const std::filesystem::path& file);

// Reads bands of rows from an open file, so a stacker can stream frames.
// Not thread-safe per object; CFITSIO calls are serialised internally.
class FitsBandReader {
 public:
  explicit FitsBandReader(const std::filesystem::path& file);
  ~FitsBandReader();
  FitsBandReader(FitsBandReader&&) noexcept;
  FitsBandReader& operator=(FitsBandReader&&) noexcept;

  const FitsLayout& layout() const noexcept;
  const Header& header() const noexcept;
  const std::filesystem::path& file() const noexcept;
  // Fills `out` (width x rows x channels) with stored rows [first_row, first_row + rows).
  void read_rows(std::size_t first_row, ImageView out);

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

// Writes atomically (temporary file + rename) as Siril writes this sample format.
void write_fits(const std::filesystem::path& file, ConstImageView pixels, const Header& header,
                SampleFormat format);
inline void write_fits(const std::filesystem::path& file, const Image& image,
                       SampleFormat format) {
  write_fits(file, image.view(), image.header(), format);
}

bool has_fits_extension(const std::filesystem::path& file);

}  // namespace astropack
