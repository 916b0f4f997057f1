// SPDX-License-Identifier: GPL-3.0-or-later
// TIFF: round trips, the row-order rule (top TIFF row = last stored row),
// strips, tiles and separate planes written here with libtiff directly, and
// damaged files that must give an Error naming the file and print nothing.
#include <fcntl.h>
#include <tiffio.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/tiff.hpp"
#include "astropack_config.h"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

// Distinct values per channel, row and column, so any swap or flip shows.
float pattern(std::size_t c, std::size_t y, std::size_t x) {
  return static_cast<float>((1000.0 * c + 37.0 * y + 3.0 * x + 1.0) / 65535.0);
}

Image patterned(std::size_t width, std::size_t height, std::size_t channels) {
  Image image(width, height, channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < height; ++y)
      for (std::size_t x = 0; x < width; ++x) image.at(c, y, x) = pattern(c, y, x);
  return image;
}

// prefix + number + suffix, built by appending (GCC 12 warns falsely on operator+ chains).
std::string numbered(const std::string& prefix, std::size_t number, const std::string& suffix) {
  std::string text = prefix;
  text.append(std::to_string(number)).append(suffix);
  return text;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// What a 16-bit file holds for a value: round(v * 65535) clipped, computed here in double.
float quantised(float v) {
  if (std::isnan(v)) return 0.0f;
  double q = std::floor(static_cast<double>(v) * 65535.0 + 0.5);
  q = std::min(65535.0, std::max(0.0, q));
  return static_cast<float>(q / 65535.0);
}

// Describes a TIFF to write with libtiff directly.
struct RawTiff {
  std::uint32_t width = 0, height = 0;
  std::uint16_t samples = 1;
  std::uint16_t bits = 16;
  std::uint16_t sample_format = SAMPLEFORMAT_UINT;
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
  std::uint16_t planar = PLANARCONFIG_CONTIG;
  std::uint16_t compression = COMPRESSION_NONE;
  std::uint16_t orientation = ORIENTATION_TOPLEFT;
  std::uint32_t tile = 0;            // 0 = strips
  std::uint32_t rows_per_strip = 0;  // 0 = libtiff's default
  std::uint16_t extra_samples = 0;   // trailing alpha samples
  // Raw sample value at TIFF row r (from the top), column x, sample s.
  std::function<double(std::uint16_t s, std::uint32_t r, std::uint32_t x)> value;
};

void put_sample(unsigned char* at, const RawTiff& t, double v) {
  if (t.sample_format == SAMPLEFORMAT_IEEEFP) {
    if (t.bits == 64) {
      std::memcpy(at, &v, 8);
    } else {
      const float f = static_cast<float>(v);
      std::memcpy(at, &f, 4);
    }
  } else if (t.bits == 8) {
    *at = static_cast<unsigned char>(v);
  } else if (t.bits == 16) {
    const auto s = static_cast<std::uint16_t>(v);
    std::memcpy(at, &s, 2);
  } else {
    const auto s = static_cast<std::uint32_t>(v);
    std::memcpy(at, &s, 4);
  }
}

void write_raw_tiff(const fs::path& file, const RawTiff& t) {
  TIFF* tif = TIFFOpen(file.c_str(), "w");
  ck_assert_ptr_nonnull(tif);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, t.width);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, t.height);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, t.samples);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, t.bits);
  TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, t.sample_format);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, t.photometric);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, t.planar);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, t.compression);
  TIFFSetField(tif, TIFFTAG_ORIENTATION, t.orientation);
  if (t.extra_samples > 0) {
    std::vector<std::uint16_t> kinds(t.extra_samples, EXTRASAMPLE_UNASSALPHA);
    TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, t.extra_samples, kinds.data());
  }
  const bool separate = t.planar == PLANARCONFIG_SEPARATE;
  const std::uint16_t per_chunk = separate ? 1 : t.samples;
  const std::size_t bytes = t.bits / 8;
  if (t.tile > 0) {
    TIFFSetField(tif, TIFFTAG_TILEWIDTH, t.tile);
    TIFFSetField(tif, TIFFTAG_TILELENGTH, t.tile);
    std::vector<unsigned char> buffer(static_cast<std::size_t>(TIFFTileSize(tif)));
    for (std::uint16_t s0 = 0; s0 < (separate ? t.samples : 1); ++s0)
      for (std::uint32_t y0 = 0; y0 < t.height; y0 += t.tile)
        for (std::uint32_t x0 = 0; x0 < t.width; x0 += t.tile) {
          std::fill(buffer.begin(), buffer.end(), 0);
          for (std::uint32_t r = 0; r < t.tile && y0 + r < t.height; ++r)
            for (std::uint32_t x = 0; x < t.tile && x0 + x < t.width; ++x)
              for (std::uint16_t s = 0; s < per_chunk; ++s)
                put_sample(buffer.data() + ((r * t.tile + x) * per_chunk + s) * bytes, t,
                           t.value(static_cast<std::uint16_t>(s0 + s), y0 + r, x0 + x));
          ck_assert_int_ge(TIFFWriteTile(tif, buffer.data(), x0, y0, 0, s0), 0);
        }
  } else {
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP,
                 t.rows_per_strip ? t.rows_per_strip : TIFFDefaultStripSize(tif, 0));
    std::vector<unsigned char> line(std::size_t{t.width} * per_chunk * bytes);
    for (std::uint16_t s0 = 0; s0 < (separate ? t.samples : 1); ++s0)
      for (std::uint32_t r = 0; r < t.height; ++r) {
        for (std::uint32_t x = 0; x < t.width; ++x)
          for (std::uint16_t s = 0; s < per_chunk; ++s)
            put_sample(line.data() + (x * per_chunk + s) * bytes, t,
                       t.value(static_cast<std::uint16_t>(s0 + s), r, x));
        ck_assert_int_ge(TIFFWriteScanline(tif, line.data(), r, s0), 0);
      }
  }
  TIFFClose(tif);
}

// Raw 16-bit value of TIFF sample s at (r, x) used by the hand-written files.
double raw16(std::uint16_t s, std::uint32_t r, std::uint32_t x) {
  return 10000.0 * s + 100.0 * r + x + 1.0;
}

// The TIFF written by raw16 read back: stored row = height - 1 - TIFF row.
void check_raw16_image(const Image& image, std::uint32_t width, std::uint32_t height,
                       std::size_t channels) {
  ck_assert_uint_eq(image.width(), width);
  ck_assert_uint_eq(image.height(), height);
  ck_assert_uint_eq(image.channels(), channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::uint32_t r = 0; r < height; ++r)
      for (std::uint32_t x = 0; x < width; ++x) {
        const float expected =
            static_cast<float>(raw16(static_cast<std::uint16_t>(c), r, x) / 65535.0);
        ck_assert_float_eq(image.at(c, height - 1 - r, x), expected);
      }
}

// A minimal little-endian 16-bit grey TIFF built byte by byte: header, one
// directory right after it, then one strip of `data_bytes` (possibly fewer
// than the image needs, to make a file whose pixel data are cut short).
std::string hand_made_tiff(std::uint32_t width, std::uint32_t height, std::size_t data_bytes) {
  std::string bytes("II*\0\x08\0\0\0", 8);
  auto put16 = [&](std::uint16_t v) { bytes.append({char(v & 0xff), char(v >> 8)}); };
  auto put32 = [&](std::uint32_t v) {
    put16(static_cast<std::uint16_t>(v & 0xffff));
    put16(static_cast<std::uint16_t>(v >> 16));
  };
  const std::uint16_t entries = 9;
  const std::uint32_t data_offset = 8 + 2 + 12 * entries + 4;
  auto entry = [&](std::uint16_t tag, std::uint16_t type, std::uint32_t value) {
    put16(tag);
    put16(type);
    put32(1);
    if (type == 3) {
      put16(static_cast<std::uint16_t>(value));
      put16(0);
    } else {
      put32(value);
    }
  };
  put16(entries);
  entry(256, 4, width);
  entry(257, 4, height);
  entry(258, 3, 16);      // bits per sample
  entry(259, 3, 1);       // no compression
  entry(262, 3, 1);       // min-is-black
  entry(273, 4, data_offset);
  entry(277, 3, 1);       // samples per pixel
  entry(278, 4, height);  // one strip
  entry(279, 4, width * height * 2);
  put32(0);
  for (std::size_t i = 0; i < data_bytes; ++i) bytes.push_back(static_cast<char>(i * 7 + 1));
  return bytes;
}

// Sends stderr to a file for the rest of the (forked) test case.
fs::path capture_stderr(const fs::path& folder) {
  const fs::path log = folder / "stderr.txt";
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ck_assert_int_ge(fd, 0);
  ::dup2(fd, 2);
  ::close(fd);
  return log;
}

// Expects read_tiff to throw an Error of `kind` whose message names the file.
void expect_read_error(const fs::path& file, ErrorKind kind) {
  bool thrown = false;
  try {
    read_tiff(file);
  } catch (const Error& e) {
    thrown = true;
    ck_assert_int_eq(static_cast<int>(e.kind()), static_cast<int>(kind));
    ck_assert(e.file() == file);
    ck_assert(std::string(e.what()).find(file.string()) != std::string::npos);
    ck_assert(!e.sentence().empty());
  }
  ck_assert_msg(thrown, "no error for %s", file.c_str());
}

}  // namespace

START_TEST(uint16_mono_round_trip_is_exact_after_quantisation) {
  const fs::path dir = test::scratch_folder("tiff-u16");
  Image image = patterned(13, 9, 1);
  // Values between steps, out of range and not a number.
  image.at(0, 0, 0) = -0.25f;
  image.at(0, 0, 1) = 1.75f;
  image.at(0, 0, 2) = std::numeric_limits<float>::quiet_NaN();
  image.at(0, 0, 3) = 0.123456789f;
  image.at(0, 0, 4) = 0.5f;  // 32767.5: halfway rounds up
  image.at(0, 0, 5) = 1.0f;
  write_tiff(dir / "mono.tif", image.view(), image.header(), SampleFormat::UInt16);
  const Image back = read_tiff(dir / "mono.tif");
  ck_assert_uint_eq(back.width(), 13);
  ck_assert_uint_eq(back.height(), 9);
  ck_assert_uint_eq(back.channels(), 1);
  for (std::size_t y = 0; y < 9; ++y)
    for (std::size_t x = 0; x < 13; ++x)
      ck_assert_float_eq(back.at(0, y, x), quantised(image.at(0, y, x)));
  ck_assert_float_eq(back.at(0, 0, 0), 0.0f);
  ck_assert_float_eq(back.at(0, 0, 1), 1.0f);
  ck_assert_float_eq(back.at(0, 0, 2), 0.0f);
  ck_assert_float_eq(back.at(0, 0, 4), static_cast<float>(32768.0 / 65535.0));
  ck_assert_float_eq(back.at(0, 5, 7), pattern(0, 5, 7));  // integer ADU survive exactly
  // Nothing but the output is left in the folder.
  ck_assert_int_eq(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}
END_TEST

START_TEST(uint16_rgb_round_trip) {
  const fs::path dir = test::scratch_folder("tiff-u16rgb");
  const Image image = patterned(11, 6, 3);
  write_tiff(dir / "rgb.tiff", image.view(), image.header(), SampleFormat::UInt16);
  const Image back = read_tiff(dir / "rgb.tiff");
  ck_assert_uint_eq(back.channels(), 3);
  ck_assert(back.samples() == image.samples());  // integer ADU: bit-exact
  fs::remove_all(dir);
}
END_TEST

START_TEST(float_round_trip_is_bit_exact) {
  const fs::path dir = test::scratch_folder("tiff-f32");
  for (std::size_t channels : {1u, 3u}) {
    Image image(8, 5, channels);
    float v = -0.3125f;
    for (float& s : image.samples()) {
      s = v;
      v = v * -1.37f + 0.0123f;  // negatives, values above 1, non-dyadic fractions
    }
    image.at(0, 4, 7) = std::numeric_limits<float>::quiet_NaN();
    image.at(0, 3, 7) = 1e-30f;
    const fs::path file = dir / numbered("f", channels, ".tif");
    write_tiff(file, image.view(), image.header(), SampleFormat::Float32);
    const Image back = read_tiff(file);
    ck_assert_uint_eq(back.channels(), channels);
    ck_assert_uint_eq(back.samples().size(), image.samples().size());
    for (std::size_t i = 0; i < image.samples().size(); ++i)
      ck_assert(same_bits(back.samples()[i], image.samples()[i]));
  }
  fs::remove_all(dir);
}
END_TEST

START_TEST(view_with_strides_is_written) {
  // A band of a larger image: row and plane strides differ from the width.
  const fs::path dir = test::scratch_folder("tiff-band");
  const Image image = patterned(10, 8, 3);
  const ConstImageView band = image.view().band(2, 4);
  write_tiff(dir / "band.tif", band, image.header(), SampleFormat::UInt16);
  const Image back = read_tiff(dir / "band.tif");
  ck_assert_uint_eq(back.height(), 4);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 4; ++y)
      for (std::size_t x = 0; x < 10; ++x)
        ck_assert_float_eq(back.at(c, y, x), pattern(c, y + 2, x));
  fs::remove_all(dir);
}
END_TEST

START_TEST(top_scanline_is_the_last_stored_row) {
  const fs::path dir = test::scratch_folder("tiff-rows");
  const fs::path file = dir / "rows.tif";
  const Image image = patterned(5, 4, 3);
  write_tiff(file, image.view(), image.header(), SampleFormat::UInt16);

  TIFF* tif = TIFFOpen(file.c_str(), "r");
  ck_assert_ptr_nonnull(tif);
  std::uint32_t width = 0, height = 0;
  std::uint16_t spp = 0, bits = 0, format = 0, photometric = 0, planar = 0, compression = 0;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
  TIFFGetField(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
  ck_assert_uint_eq(width, 5);
  ck_assert_uint_eq(height, 4);
  ck_assert_uint_eq(spp, 3);
  ck_assert_uint_eq(bits, 16);
  ck_assert_uint_eq(format, SAMPLEFORMAT_UINT);
  ck_assert_uint_eq(photometric, PHOTOMETRIC_RGB);
  ck_assert_uint_eq(planar, PLANARCONFIG_CONTIG);
  ck_assert_uint_eq(compression, COMPRESSION_NONE);
  char* software = nullptr;
  ck_assert(TIFFGetField(tif, TIFFTAG_SOFTWARE, &software));
  ck_assert_str_eq(software, "astropack " ASTROPACK_VERSION);

  std::vector<std::uint16_t> line(static_cast<std::size_t>(TIFFScanlineSize(tif)) / 2);
  for (std::uint32_t r = 0; r < height; ++r) {
    ck_assert_int_eq(TIFFReadScanline(tif, line.data(), r, 0), 1);
    const std::size_t stored = height - 1 - r;
    for (std::size_t x = 0; x < 5; ++x)
      for (std::size_t c = 0; c < 3; ++c)
        ck_assert_uint_eq(line[x * 3 + c],
                          static_cast<unsigned>(std::lround(pattern(c, stored, x) * 65535.0)));
  }
  TIFFClose(tif);
  fs::remove_all(dir);
}
END_TEST

START_TEST(float_file_has_ieee_samples) {
  const fs::path dir = test::scratch_folder("tiff-ftags");
  const fs::path file = dir / "f.tif";
  const Image image = patterned(3, 2, 1);
  write_tiff(file, image.view(), image.header(), SampleFormat::Float32);
  TIFF* tif = TIFFOpen(file.c_str(), "r");
  ck_assert_ptr_nonnull(tif);
  std::uint16_t bits = 0, format = 0, photometric = 0;
  TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
  ck_assert_uint_eq(bits, 32);
  ck_assert_uint_eq(format, SAMPLEFORMAT_IEEEFP);
  ck_assert_uint_eq(photometric, PHOTOMETRIC_MINISBLACK);
  std::vector<float> line(3);
  ck_assert_int_eq(TIFFReadScanline(tif, line.data(), 0, 0), 1);
  ck_assert(same_bits(line[2], image.at(0, 1, 2)));  // top scanline = stored row 1
  TIFFClose(tif);
  fs::remove_all(dir);
}
END_TEST

START_TEST(reads_tiled_16bit_mono_and_rgb) {
  const fs::path dir = test::scratch_folder("tiff-tiles");
  for (std::uint16_t samples : {std::uint16_t{1}, std::uint16_t{3}}) {
    RawTiff t;
    t.width = 37;  // not multiples of the tile size: partial edge tiles
    t.height = 21;
    t.samples = samples;
    t.photometric = samples == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    t.tile = 16;
    t.value = raw16;
    const fs::path file = dir / numbered("tiled", samples, ".tif");
    write_raw_tiff(file, t);
    check_raw16_image(read_tiff(file), 37, 21, samples);
  }
  fs::remove_all(dir);
}
END_TEST

START_TEST(reads_separate_planes_with_alpha) {
  const fs::path dir = test::scratch_folder("tiff-planes");
  RawTiff t;
  t.width = 9;
  t.height = 7;
  t.samples = 4;
  t.extra_samples = 1;
  t.photometric = PHOTOMETRIC_RGB;
  t.planar = PLANARCONFIG_SEPARATE;
  t.rows_per_strip = 3;  // several strips per plane, the last one short
  t.value = raw16;
  write_raw_tiff(dir / "planes.tif", t);
  check_raw16_image(read_tiff(dir / "planes.tif"), 9, 7, 3);

  t.tile = 16;  // separate planes in tiles too
  write_raw_tiff(dir / "planes-tiled.tif", t);
  check_raw16_image(read_tiff(dir / "planes-tiled.tif"), 9, 7, 3);

  t.tile = 0;  // contiguous RGBA: the alpha sample is skipped
  t.planar = PLANARCONFIG_CONTIG;
  write_raw_tiff(dir / "rgba.tif", t);
  check_raw16_image(read_tiff(dir / "rgba.tif"), 9, 7, 3);
  fs::remove_all(dir);
}
END_TEST

START_TEST(reads_8_and_32bit_integers_and_64bit_float) {
  const fs::path dir = test::scratch_folder("tiff-depths");
  RawTiff t;
  t.width = 6;
  t.height = 3;
  t.bits = 8;
  t.value = [](std::uint16_t, std::uint32_t r, std::uint32_t x) { return 50.0 * r + x; };
  write_raw_tiff(dir / "u8.tif", t);
  Image image = read_tiff(dir / "u8.tif");
  ck_assert_float_eq(image.at(0, 2, 5), static_cast<float>(5.0 / 255.0));  // TIFF row 0
  ck_assert_float_eq(image.at(0, 0, 1), static_cast<float>(101.0 / 255.0));

  t.bits = 32;
  t.value = [](std::uint16_t, std::uint32_t r, std::uint32_t x) {
    return r == 0 && x == 0 ? 4294967295.0 : 1e6 * r + x;
  };
  write_raw_tiff(dir / "u32.tif", t);
  image = read_tiff(dir / "u32.tif");
  ck_assert_float_eq(image.at(0, 2, 0), 1.0f);
  ck_assert_float_eq(image.at(0, 0, 3), static_cast<float>((2e6 + 3) / 4294967295.0));

  t.bits = 64;
  t.sample_format = SAMPLEFORMAT_IEEEFP;
  t.value = [](std::uint16_t, std::uint32_t r, std::uint32_t x) { return -0.5 + 0.25 * r + x; };
  write_raw_tiff(dir / "f64.tif", t);
  image = read_tiff(dir / "f64.tif");
  ck_assert_float_eq(image.at(0, 2, 0), -0.5f);
  ck_assert_float_eq(image.at(0, 0, 4), 4.0f);  // float kept as it is, above 1 too
  fs::remove_all(dir);
}
END_TEST

START_TEST(reads_compressed_big_endian_files) {
  const fs::path dir = test::scratch_folder("tiff-codecs");
  RawTiff t;
  t.width = 23;
  t.height = 11;
  t.samples = 3;
  t.photometric = PHOTOMETRIC_RGB;
  t.rows_per_strip = 4;
  t.value = raw16;
  const std::uint16_t codecs[] = {COMPRESSION_ADOBE_DEFLATE, COMPRESSION_LZW,
                                  COMPRESSION_PACKBITS};
  for (std::uint16_t codec : codecs) {
    if (!TIFFIsCODECConfigured(codec)) continue;
    t.compression = codec;
    const fs::path file = dir / numbered("c", codec, ".tif");
    write_raw_tiff(file, t);
    check_raw16_image(read_tiff(file), 23, 11, 3);
  }
  // Big-endian ("MM") files are swapped by libtiff.
  TIFF* tif = TIFFOpen((dir / "be.tif").c_str(), "wb");
  ck_assert_ptr_nonnull(tif);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 2u);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 1u);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 16);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  std::uint16_t line[2] = {258, 65535};
  ck_assert_int_eq(TIFFWriteScanline(tif, line, 0, 0), 1);
  TIFFClose(tif);
  std::ifstream raw(dir / "be.tif", std::ios::binary);
  char magic[2] = {};
  raw.read(magic, 2);
  ck_assert(magic[0] == 'M' && magic[1] == 'M');
  const Image image = read_tiff(dir / "be.tif");
  ck_assert_float_eq(image.at(0, 0, 0), static_cast<float>(258.0 / 65535.0));
  ck_assert_float_eq(image.at(0, 0, 1), 1.0f);
  fs::remove_all(dir);
}
END_TEST

START_TEST(orientation_tag_is_respected_or_refused) {
  const fs::path dir = test::scratch_folder("tiff-orient");
  RawTiff t;
  t.width = 4;
  t.height = 3;
  t.value = raw16;
  t.orientation = ORIENTATION_BOTLEFT;  // first TIFF row = bottom = stored row 0
  write_raw_tiff(dir / "botleft.tif", t);
  Image image = read_tiff(dir / "botleft.tif");
  ck_assert_float_eq(image.at(0, 0, 1), static_cast<float>(raw16(0, 0, 1) / 65535.0));
  ck_assert_float_eq(image.at(0, 2, 3), static_cast<float>(raw16(0, 2, 3) / 65535.0));

  t.orientation = ORIENTATION_TOPRIGHT;  // first column is the right edge
  write_raw_tiff(dir / "topright.tif", t);
  image = read_tiff(dir / "topright.tif");
  ck_assert_float_eq(image.at(0, 2, 3), static_cast<float>(raw16(0, 0, 0) / 65535.0));
  ck_assert_float_eq(image.at(0, 0, 0), static_cast<float>(raw16(0, 2, 3) / 65535.0));

  t.orientation = ORIENTATION_LEFTTOP;  // transposed: refused with a clear message
  write_raw_tiff(dir / "lefttop.tif", t);
  const fs::path log = capture_stderr(dir);
  expect_read_error(dir / "lefttop.tif", ErrorKind::Unsupported);
  ck_assert_uint_eq(fs::file_size(log), 0);
  fs::remove_all(dir);
}
END_TEST

START_TEST(unsupported_sample_kinds_are_refused) {
  const fs::path dir = test::scratch_folder("tiff-kinds");
  const fs::path log = capture_stderr(dir);
  RawTiff t;
  t.width = 3;
  t.height = 2;
  t.value = [](std::uint16_t, std::uint32_t, std::uint32_t) { return 7.0; };
  t.sample_format = SAMPLEFORMAT_INT;
  write_raw_tiff(dir / "signed.tif", t);
  expect_read_error(dir / "signed.tif", ErrorKind::Unsupported);

  t.sample_format = SAMPLEFORMAT_UINT;
  t.bits = 8;
  t.photometric = PHOTOMETRIC_MINISWHITE;
  write_raw_tiff(dir / "white.tif", t);
  expect_read_error(dir / "white.tif", ErrorKind::Unsupported);
  ck_assert_uint_eq(fs::file_size(log), 0);
  fs::remove_all(dir);
}
END_TEST

START_TEST(damaged_files_give_errors_and_print_nothing) {
  const fs::path dir = test::scratch_folder("tiff-bad");
  const fs::path log = capture_stderr(dir);

  expect_read_error(dir / "missing.tif", ErrorKind::NotFound);

  std::ofstream(dir / "empty.tif").close();
  expect_read_error(dir / "empty.tif", ErrorKind::InvalidInput);

  std::ofstream(dir / "text.tif") << "This is not a TIFF file, just some words.\n";
  expect_read_error(dir / "text.tif", ErrorKind::InvalidInput);

  // A valid header followed by garbage offsets.
  std::ofstream(dir / "header-only.tif", std::ios::binary)
      << std::string("II*\0\x08\0\0\0\xff\xff", 10);
  expect_read_error(dir / "header-only.tif", ErrorKind::InvalidInput);

  // Truncations of a real file at several lengths, strips and tiles.
  const Image image = patterned(64, 48, 3);
  write_tiff(dir / "full.tif", image.view(), image.header(), SampleFormat::UInt16);
  RawTiff t;
  t.width = 40;
  t.height = 40;
  t.tile = 16;
  t.compression = COMPRESSION_ADOBE_DEFLATE;
  t.value = raw16;
  write_raw_tiff(dir / "full-tiled.tif", t);
  for (const char* name : {"full.tif", "full-tiled.tif"}) {
    std::ifstream in(dir / name, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::size_t keep : {std::size_t{4}, std::size_t{12}, bytes.size() / 3, bytes.size() / 2,
                             bytes.size() - 30}) {
      const fs::path cut = dir / numbered("cut-", keep, std::string("-").append(name));
      std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(keep));
      // libtiff puts the directory and its arrays after the pixel data, so
      // these cuts lose the directory or its strip/tile offsets.
      expect_read_error(cut, ErrorKind::InvalidInput);
    }
  }
  // Directory intact, pixel data cut short (the hand-made file reads when complete).
  std::ofstream(dir / "whole.tif", std::ios::binary) << hand_made_tiff(4, 4, 32);
  const Image whole = read_tiff(dir / "whole.tif");
  ck_assert_float_eq(whole.at(0, 3, 0), static_cast<float>((1 + 8 * 256) / 65535.0));
  std::ofstream(dir / "short-data.tif", std::ios::binary) << hand_made_tiff(4, 4, 10);
  expect_read_error(dir / "short-data.tif", ErrorKind::InvalidInput);
  // Claims 40000 x 40000 pixels in a tiny file: refused without a huge allocation.
  std::ofstream(dir / "huge.tif", std::ios::binary) << hand_made_tiff(40000, 40000, 32);
  expect_read_error(dir / "huge.tif", ErrorKind::InvalidInput);

  // A folder named like a TIFF.
  fs::create_directory(dir / "folder.tif");
  expect_read_error(dir / "folder.tif", ErrorKind::InvalidInput);

  ck_assert_uint_eq(fs::file_size(log), 0);
  fs::remove_all(dir);
}
END_TEST

START_TEST(writing_into_a_missing_folder_leaves_nothing) {
  const fs::path dir = test::scratch_folder("tiff-nofolder");
  const Image image = patterned(4, 4, 1);
  bool thrown = false;
  try {
    write_tiff(dir / "absent" / "out.tif", image.view(), image.header(), SampleFormat::UInt16);
  } catch (const Error& e) {
    thrown = true;
    ck_assert_int_eq(static_cast<int>(e.kind()), static_cast<int>(ErrorKind::Unwritable));
    ck_assert(std::string(e.what()).find("out.tif") != std::string::npos);
  }
  ck_assert(thrown);
  ck_assert(!fs::exists(dir / "absent"));
  ck_assert(fs::is_empty(dir));

  // Two channels cannot be TIFF: refused before anything is created.
  Image two(4, 4, 1);
  const ConstImageView bad(two.samples().data(), 2, 4, 2, 2, 8);
  thrown = false;
  try {
    write_tiff(dir / "two.tif", bad, two.header(), SampleFormat::UInt16);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::Unsupported;
  }
  ck_assert(thrown);
  ck_assert(fs::is_empty(dir));
  fs::remove_all(dir);
}
END_TEST

START_TEST(overwriting_replaces_the_whole_file) {
  const fs::path dir = test::scratch_folder("tiff-overwrite");
  const Image big = patterned(40, 30, 3);
  const Image small = patterned(3, 2, 1);
  write_tiff(dir / "o.tif", big.view(), big.header(), SampleFormat::Float32);
  write_tiff(dir / "o.tif", small.view(), small.header(), SampleFormat::UInt16);
  const Image back = read_tiff(dir / "o.tif");
  ck_assert_uint_eq(back.width(), 3);
  ck_assert_uint_eq(back.channels(), 1);
  ck_assert_int_eq(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}
END_TEST

START_TEST(tiff_extensions) {
  ck_assert(has_tiff_extension("a.tif"));
  ck_assert(has_tiff_extension("dir.x/a.TIFF"));
  ck_assert(has_tiff_extension("a.Tif"));
  ck_assert(!has_tiff_extension("a.fit"));
  ck_assert(!has_tiff_extension("a.tif.gz"));
  ck_assert(!has_tiff_extension("tif"));
  ck_assert(!has_tiff_extension("a.tiff2"));
}
END_TEST

int main() {
  Suite* suite = suite_create("tiff");
  TCase* tc = tcase_create("core");
  ADD_TEST(tc, uint16_mono_round_trip_is_exact_after_quantisation);
  ADD_TEST(tc, uint16_rgb_round_trip);
  ADD_TEST(tc, float_round_trip_is_bit_exact);
  ADD_TEST(tc, view_with_strides_is_written);
  ADD_TEST(tc, top_scanline_is_the_last_stored_row);
  ADD_TEST(tc, float_file_has_ieee_samples);
  ADD_TEST(tc, reads_tiled_16bit_mono_and_rgb);
  ADD_TEST(tc, reads_separate_planes_with_alpha);
  ADD_TEST(tc, reads_8_and_32bit_integers_and_64bit_float);
  ADD_TEST(tc, reads_compressed_big_endian_files);
  ADD_TEST(tc, orientation_tag_is_respected_or_refused);
  ADD_TEST(tc, unsupported_sample_kinds_are_refused);
  ADD_TEST(tc, damaged_files_give_errors_and_print_nothing);
  ADD_TEST(tc, writing_into_a_missing_folder_leaves_nothing);
  ADD_TEST(tc, overwriting_replaces_the_whole_file);
  ADD_TEST(tc, tiff_extensions);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
