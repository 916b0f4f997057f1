// SPDX-License-Identifier: GPL-3.0-or-later
// Writes small CFA DNG files with libtiff for the raw tests: no raw samples ship
// with Debian. A DNG is a TIFF whose main image (NewSubFileType 0) has
// PhotometricInterpretation CFA, CFARepeatPatternDim/CFAPattern and DNGVersion;
// the capture data sit in an EXIF directory as cameras write them.
// hand_made_dng builds one byte by byte when the file must be cut short or lie.
#pragma once

#include <tiffio.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace astropack::test {

struct DngSpec {
  std::uint32_t width = 32, height = 24;  // LibRaw refuses anything under 22 x 22
  std::uint16_t pattern_size = 2;         // CFARepeatPatternDim (2 Bayer, 6 X-Trans)
  std::vector<std::uint8_t> cfa = {0, 1, 1, 2};  // CFAPattern, 0 R 1 G 2 B: RGGB
  std::optional<std::array<std::uint32_t, 4>> active_area;  // top, left, bottom, right
  std::uint16_t photometric = PHOTOMETRIC_CFA;  // or 34892 (LinearRaw)
  std::uint16_t samples = 1;
  const char* make = "Astrocam";
  const char* model = "Astrocam T1";
  double exposure = 120.0;
  std::uint16_t iso = 800;
  const char* date = "2023:08:14 22:15:30";
  double focal_length = 250.0;
  // Stored value of sample s of raw pixel (row, column).
  std::function<std::uint16_t(std::uint32_t row, std::uint32_t column, std::uint16_t s)> value;
};

// Throws std::runtime_error when libtiff fails.
inline void write_dng(const std::filesystem::path& file, const DngSpec& d) {
  auto require = [&](bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("writing ") + file.string() + ": " + what);
  };
  TIFFSetWarningHandler(nullptr);
  TIFF* tif = TIFFOpen(file.c_str(), "w");
  require(tif != nullptr, "TIFFOpen");
  TIFFSetField(tif, TIFFTAG_SUBFILETYPE, 0);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, d.width);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, d.height);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 16);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, d.samples);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, d.photometric);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, d.height);
  TIFFSetField(tif, TIFFTAG_MAKE, d.make);
  TIFFSetField(tif, TIFFTAG_MODEL, d.model);
  if (d.photometric == PHOTOMETRIC_CFA) {
    const std::uint16_t dim[2] = {d.pattern_size, d.pattern_size};
    TIFFSetField(tif, TIFFTAG_CFAREPEATPATTERNDIM, dim);
    TIFFSetField(tif, TIFFTAG_CFAPATTERN, static_cast<int>(d.cfa.size()), d.cfa.data());
  }
  const std::uint8_t version[4] = {1, 4, 0, 0};
  TIFFSetField(tif, TIFFTAG_DNGVERSION, version);
  TIFFSetField(tif, TIFFTAG_UNIQUECAMERAMODEL, d.model);
  if (d.active_area) TIFFSetField(tif, TIFFTAG_ACTIVEAREA, d.active_area->data());
  TIFFSetField(tif, TIFFTAG_EXIFIFD, std::uint64_t{0});  // filled in below
  std::vector<std::uint16_t> row(std::size_t{d.width} * d.samples);
  for (std::uint32_t r = 0; r < d.height; ++r) {
    for (std::uint32_t c = 0; c < d.width; ++c)
      for (std::uint16_t s = 0; s < d.samples; ++s) row[c * d.samples + s] = d.value(r, c, s);
    require(TIFFWriteScanline(tif, row.data(), r, 0) >= 0, "TIFFWriteScanline");
  }
  require(TIFFWriteDirectory(tif) != 0, "TIFFWriteDirectory");

  // The EXIF directory goes after the image; IFD0 is then rewritten to point at it.
  require(TIFFCreateEXIFDirectory(tif) == 0, "TIFFCreateEXIFDirectory");
  TIFFSetField(tif, EXIFTAG_EXPOSURETIME, d.exposure);
  TIFFSetField(tif, EXIFTAG_ISOSPEEDRATINGS, 1, &d.iso);
  TIFFSetField(tif, EXIFTAG_DATETIMEORIGINAL, d.date);
  TIFFSetField(tif, EXIFTAG_FOCALLENGTH, d.focal_length);
  std::uint64_t exif_offset = 0;
  require(TIFFWriteCustomDirectory(tif, &exif_offset) != 0, "TIFFWriteCustomDirectory");
  require(TIFFSetDirectory(tif, 0) != 0, "TIFFSetDirectory");
  TIFFSetField(tif, TIFFTAG_EXIFIFD, exif_offset);
  require(TIFFWriteDirectory(tif) != 0, "TIFFWriteDirectory (EXIF pointer)");
  TIFFClose(tif);
}

// A little-endian CFA DNG built byte by byte, directory first and pixel data after
// it, so that the data can be cut short or the size can be a lie.
inline std::string hand_made_dng(std::uint32_t width, std::uint32_t height,
                                 std::size_t data_bytes) {
  std::string bytes("II*\0\x08\0\0\0", 8);
  auto put16 = [&](std::uint16_t v) { bytes.append({char(v & 0xff), char(v >> 8)}); };
  auto put32 = [&](std::uint32_t v) {
    put16(static_cast<std::uint16_t>(v & 0xffff));
    put16(static_cast<std::uint16_t>(v >> 16));
  };
  const std::uint16_t entries = 14;
  const std::uint32_t data_offset = 8 + 2 + 12 * entries + 4;
  auto entry = [&](std::uint16_t tag, std::uint16_t type, std::uint32_t count,
                   std::uint32_t value) {
    put16(tag);
    put16(type);
    put32(count);
    put32(value);  // little-endian: a SHORT or 4 BYTEs sit in the low bytes
  };
  put16(entries);
  entry(254, 4, 1, 0);                       // main image
  entry(256, 4, 1, width);
  entry(257, 4, 1, height);
  entry(258, 3, 1, 16);                      // bits per sample
  entry(259, 3, 1, 1);                       // no compression
  entry(262, 3, 1, 32803);                   // CFA
  entry(271, 2, 4, 0x006d6143);              // Make "Cam"
  entry(273, 4, 1, data_offset);
  entry(277, 3, 1, 1);                       // samples per pixel
  entry(278, 4, 1, height);                  // one strip
  entry(279, 4, 1, width * height * 2);      // what the strip should hold
  entry(33421, 3, 2, 0x00020002);            // CFARepeatPatternDim 2 x 2
  entry(33422, 1, 4, 0x02010100);            // CFAPattern R G G B
  entry(50706, 1, 4, 0x00000401);            // DNGVersion 1.4.0.0
  put32(0);
  for (std::size_t i = 0; i < data_bytes; ++i) bytes.push_back(static_cast<char>(i * 7 + 1));
  return bytes;
}

}  // namespace astropack::test
