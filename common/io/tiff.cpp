// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/tiff.hpp"

#include <tiffio.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/output_file.hpp"
#include "astropack_config.h"

namespace astropack {

namespace fs = std::filesystem;

namespace {

// libtiff reports through callbacks; these keep its first error for our
// message and swallow everything else, so nothing reaches stderr.
struct TiffMessages {
  std::string first_error;
};

int collect_error(TIFF*, void* user_data, const char* module, const char* format, va_list args) {
  auto* messages = static_cast<TiffMessages*>(user_data);
  if (messages->first_error.empty()) {
    char text[512];
    std::vsnprintf(text, sizeof text, format, args);
    messages->first_error = text;
    if (messages->first_error.empty() && module) messages->first_error = module;
  }
  return 1;  // handled: the process-wide handlers (stderr) are not called
}

int ignore_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffCloser {
  void operator()(TIFF* tif) const noexcept { TIFFClose(tif); }
};
using TiffHandle = std::unique_ptr<TIFF, TiffCloser>;

struct OptionsFreer {
  void operator()(TIFFOpenOptions* options) const noexcept { TIFFOpenOptionsFree(options); }
};

TiffHandle open_tiff(const fs::path& file, const char* mode, TiffMessages& messages) {
  std::unique_ptr<TIFFOpenOptions, OptionsFreer> options(TIFFOpenOptionsAlloc());
  if (!options) throw std::bad_alloc();
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), collect_error, &messages);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), ignore_warning, nullptr);
  return TiffHandle(TIFFOpenExt(file.c_str(), mode, options.get()));
}

// " (libtiff: ...)" when libtiff said something, for the end of a sentence.
std::string detail(const TiffMessages& messages) {
  if (messages.first_error.empty()) return {};
  std::string text = " (libtiff: ";
  text.append(messages.first_error).append(")");
  return text;
}

[[noreturn]] void invalid(const fs::path& file, std::string sentence) {
  throw Error(ErrorKind::InvalidInput, file, std::move(sentence));
}
[[noreturn]] void unsupported(const fs::path& file, std::string sentence) {
  throw Error(ErrorKind::Unsupported, file, std::move(sentence));
}

enum class SampleKind { Unsigned, Float };

// Everything read_tiff needs to know about the first image of the file.
struct TiffLayout {
  std::uint32_t width = 0, height = 0;
  std::uint16_t samples_per_pixel = 1;
  std::uint16_t bits = 8;
  SampleKind kind = SampleKind::Unsigned;
  bool separate_planes = false;
  std::size_t channels = 1;  // colour samples we keep; extra samples are skipped
  bool tiled = false;
  std::uint32_t chunk_width = 0, chunk_height = 0;  // a strip or a tile
  bool mirror_rows = false;     // true: the first TIFF row is the top of the picture
  bool mirror_columns = false;  // true: the first TIFF column is the right edge
  std::uint16_t compression = COMPRESSION_NONE;
};

TiffLayout inspect(TIFF* tif, const fs::path& file) {
  TiffLayout layout;
  std::uint16_t sample_format = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG;
  std::uint16_t orientation = ORIENTATION_TOPLEFT, photometric = 0;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &layout.width) ||
      !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &layout.height) || layout.width == 0 ||
      layout.height == 0) {
    invalid(file, "is a TIFF file without a valid image size; it is probably damaged.");
  }
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &layout.samples_per_pixel);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &layout.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orientation);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &layout.compression);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) {
    photometric = layout.samples_per_pixel >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  }

  if (photometric == PHOTOMETRIC_RGB && layout.samples_per_pixel >= 3) {
    layout.channels = 3;
  } else if (photometric == PHOTOMETRIC_MINISBLACK && layout.samples_per_pixel >= 1) {
    layout.channels = 1;
  } else {
    unsupported(file, "uses a colour model astropack does not read (TIFF photometric " +
                          std::to_string(photometric) + " with " +
                          std::to_string(layout.samples_per_pixel) +
                          " samples); save it as greyscale or RGB.");
  }

  const bool integer = sample_format == SAMPLEFORMAT_UINT || sample_format == SAMPLEFORMAT_VOID;
  if (integer && (layout.bits == 8 || layout.bits == 16 || layout.bits == 32)) {
    layout.kind = SampleKind::Unsigned;
  } else if (sample_format == SAMPLEFORMAT_IEEEFP && (layout.bits == 32 || layout.bits == 64)) {
    layout.kind = SampleKind::Float;
  } else {
    unsupported(file, "has " + std::to_string(layout.bits) +
                          "-bit samples of a kind astropack does not read; save it as 8, 16 "
                          "or 32-bit unsigned integer or as 32-bit float.");
  }
  layout.separate_planes = planar == PLANARCONFIG_SEPARATE;

  // Orientations 1-4 are mirrors of the usual top-left one; 5-8 swap rows
  // and columns, which editors rarely write for 16-bit or float data.
  switch (orientation) {
    case ORIENTATION_TOPLEFT: layout.mirror_rows = true; break;
    case ORIENTATION_TOPRIGHT: layout.mirror_rows = true; layout.mirror_columns = true; break;
    case ORIENTATION_BOTRIGHT: layout.mirror_columns = true; break;
    case ORIENTATION_BOTLEFT: break;
    default:
      unsupported(file, "is stored rotated by 90 degrees (TIFF orientation " +
                            std::to_string(orientation) +
                            "); rotate it in an image editor and save it again.");
  }

  layout.tiled = TIFFIsTiled(tif) != 0;
  if (layout.tiled) {
    if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &layout.chunk_width) ||
        !TIFFGetField(tif, TIFFTAG_TILELENGTH, &layout.chunk_height) ||
        layout.chunk_width == 0 || layout.chunk_height == 0) {
      invalid(file, "is a tiled TIFF file without a valid tile size; it is probably damaged.");
    }
  } else {
    std::uint32_t rows_per_strip = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
    layout.chunk_width = layout.width;
    layout.chunk_height = std::clamp<std::uint32_t>(rows_per_strip, 1, layout.height);
  }
  return layout;
}

// Samples of one chunk converted to normalised floats, as read_fits does.
float sample_value(const unsigned char* at, const TiffLayout& layout) {
  if (layout.kind == SampleKind::Float) {
    if (layout.bits == 64) {
      double v;
      std::memcpy(&v, at, sizeof v);
      return static_cast<float>(v);
    }
    float v;
    std::memcpy(&v, at, sizeof v);
    return v;
  }
  switch (layout.bits) {
    case 8: return static_cast<float>(*at / 255.0);
    case 16: {
      std::uint16_t v;
      std::memcpy(&v, at, sizeof v);
      return static_cast<float>(v / 65535.0);
    }
    default: {
      std::uint32_t v;
      std::memcpy(&v, at, sizeof v);
      return static_cast<float>(v / 4294967295.0);
    }
  }
}

// Refuses sizes that cannot be real before any large allocation happens.
void check_plausible_size(const fs::path& file, const TiffLayout& layout, tmsize_t chunk_bytes) {
  const std::uint64_t samples = std::uint64_t{layout.width} * layout.height * layout.channels;
  if (samples > (std::uint64_t{1} << 31)) {
    unsupported(file, "is larger than astropack can hold in memory (" +
                          std::to_string(layout.width) + " x " + std::to_string(layout.height) +
                          " pixels).");
  }
  if (chunk_bytes <= 0 || chunk_bytes > (tmsize_t{1} << 30)) {
    invalid(file, "has an implausible strip or tile size; it is probably damaged.");
  }
  if (layout.compression == COMPRESSION_NONE) {
    std::error_code ec;
    const std::uint64_t file_size = fs::file_size(file, ec);
    const std::uint64_t stored_samples =
        std::uint64_t{layout.width} * layout.height * layout.samples_per_pixel;
    if (!ec && stored_samples * (layout.bits / 8) > file_size) {
      invalid(file, "is shorter than its image size says; it is probably truncated.");
    }
  }
}

Image read_pixels(TIFF* tif, const fs::path& file, const TiffLayout& layout,
                  TiffMessages& messages) {
  const tmsize_t chunk_bytes = layout.tiled ? TIFFTileSize(tif) : TIFFStripSize(tif);
  check_plausible_size(file, layout, chunk_bytes);

  Image image(layout.width, layout.height, layout.channels);
  std::vector<unsigned char> buffer(static_cast<std::size_t>(chunk_bytes));
  const std::size_t bytes = layout.bits / 8;
  const std::size_t samples_in_chunk = layout.separate_planes ? 1 : layout.samples_per_pixel;
  const std::size_t pixel_bytes = samples_in_chunk * bytes;
  const std::size_t row_bytes = std::size_t{layout.chunk_width} * pixel_bytes;
  // With separate planes only the colour planes are read; extra (alpha) planes are skipped.
  const std::size_t planes = layout.separate_planes ? layout.channels : 1;

  for (std::size_t plane = 0; plane < planes; ++plane) {
    for (std::uint32_t y0 = 0; y0 < layout.height; y0 += layout.chunk_height) {
      for (std::uint32_t x0 = 0; x0 < layout.width; x0 += layout.chunk_width) {
        const auto sample = static_cast<std::uint16_t>(plane);
        tmsize_t got;
        if (layout.tiled) {
          got = TIFFReadEncodedTile(tif, TIFFComputeTile(tif, x0, y0, 0, sample), buffer.data(),
                                    chunk_bytes);
        } else {
          got = TIFFReadEncodedStrip(tif, TIFFComputeStrip(tif, y0, sample), buffer.data(),
                                     chunk_bytes);
        }
        const std::size_t rows = std::min(layout.chunk_height, layout.height - y0);
        const std::size_t columns = std::min(layout.chunk_width, layout.width - x0);
        const std::size_t needed = (rows - 1) * row_bytes + columns * pixel_bytes;
        if (got < 0 || static_cast<std::size_t>(got) < needed) {
          invalid(file, "could not be read completely; it is probably truncated or damaged" +
                            detail(messages) + ".");
        }
        for (std::size_t r = 0; r < rows; ++r) {
          const std::size_t tiff_row = y0 + r;
          const std::size_t stored_row = layout.mirror_rows ? layout.height - 1 - tiff_row
                                                            : tiff_row;
          const unsigned char* source = buffer.data() + r * row_bytes;
          for (std::size_t c = 0; c < columns; ++c) {
            const std::size_t tiff_column = x0 + c;
            const std::size_t x = layout.mirror_columns ? layout.width - 1 - tiff_column
                                                        : tiff_column;
            const unsigned char* pixel = source + c * pixel_bytes;
            if (layout.separate_planes) {
              image.at(plane, stored_row, x) = sample_value(pixel, layout);
            } else {
              for (std::size_t ch = 0; ch < layout.channels; ++ch) {
                image.at(ch, stored_row, x) = sample_value(pixel + ch * bytes, layout);
              }
            }
          }
        }
      }
    }
  }
  return image;
}

std::uint16_t to_uint16(float value) {
  if (!(value > 0.0f)) return 0;  // also NaN
  const double scaled = std::round(static_cast<double>(value) * 65535.0);
  return scaled >= 65535.0 ? std::uint16_t{65535} : static_cast<std::uint16_t>(scaled);
}

}  // namespace

Image read_tiff(const fs::path& file) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) throw Error(ErrorKind::NotFound, file, "no such file.");
  if (fs::is_directory(status)) invalid(file, "is a folder, not a TIFF file.");
  if (fs::file_size(file, ec) == 0) invalid(file, "is empty; it is not a TIFF image.");

  TiffMessages messages;
  TiffHandle tif = open_tiff(file, "r", messages);
  if (!tif) {
    invalid(file, "is not a readable TIFF image" + detail(messages) + ".");
  }
  try {
    const TiffLayout layout = inspect(tif.get(), file);
    return read_pixels(tif.get(), file, layout, messages);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::Unsupported, file, "is too large to read with the memory available.");
  }
}

void write_tiff(const fs::path& file, ConstImageView pixels, const Header& header,
                SampleFormat format) {
  // The FITS metadata has no place in TIFF that GIMP or Siril 1.0 read back,
  // so the file carries pixels and the Software tag only.
  static_cast<void>(header);
  if (pixels.empty()) {
    throw Error(ErrorKind::InvalidArgument, file, "cannot be written: the image is empty.");
  }
  if (pixels.channels() != 1 && pixels.channels() != 3) {
    throw Error(ErrorKind::Unsupported, file,
                "cannot be written: TIFF output takes 1 (grey) or 3 (RGB) channels, not " +
                    std::to_string(pixels.channels()) + ".");
  }
  if (pixels.width() > std::numeric_limits<std::uint32_t>::max() ||
      pixels.height() > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorKind::Unsupported, file, "cannot be written: the image is too large.");
  }

  OutputFile out(file);
  TiffMessages messages;
  {
    TiffHandle tif = open_tiff(out.temporary(), "w", messages);
    if (!tif) {
      throw Error(ErrorKind::Unwritable, file, "could not be created" + detail(messages) + ".");
    }
    const auto width = static_cast<std::uint32_t>(pixels.width());
    const auto height = static_cast<std::uint32_t>(pixels.height());
    const auto channels = static_cast<std::uint16_t>(pixels.channels());
    const bool float_samples = format == SampleFormat::Float32;
    const std::size_t bytes = float_samples ? 4 : 2;
    std::string software = "astropack ";
    software.append(ASTROPACK_VERSION);

    TIFF* t = tif.get();
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, height);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, channels);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, static_cast<std::uint16_t>(bytes * 8));
    TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, float_samples ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, channels == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
    // Uncompressed, as Siril writes by default: every reader takes it.
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(t, 0));
    TIFFSetField(t, TIFFTAG_SOFTWARE, software.c_str());

    std::vector<unsigned char> line(std::size_t{width} * channels * bytes);
    for (std::uint32_t tiff_row = 0; tiff_row < height; ++tiff_row) {
      // The top TIFF row is the last stored row, as Siril exports.
      const std::size_t stored_row = height - 1 - tiff_row;
      for (std::size_t x = 0; x < width; ++x) {
        for (std::size_t c = 0; c < channels; ++c) {
          const float value = pixels.at(c, stored_row, x);
          unsigned char* at = line.data() + (x * channels + c) * bytes;
          if (float_samples) {
            std::memcpy(at, &value, 4);
          } else {
            const std::uint16_t v = to_uint16(value);
            std::memcpy(at, &v, 2);
          }
        }
      }
      if (TIFFWriteScanline(t, line.data(), tiff_row, 0) < 0) {
        throw Error(ErrorKind::Unwritable, file, "could not be written" + detail(messages) + ".");
      }
    }
    if (!TIFFFlush(t)) {
      throw Error(ErrorKind::Unwritable, file, "could not be written" + detail(messages) + ".");
    }
  }  // closed here, before the rename
  out.commit();
}

bool has_tiff_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".tif" || ext == ".tiff";
}

}  // namespace astropack
