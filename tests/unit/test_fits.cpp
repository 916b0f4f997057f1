// SPDX-License-Identifier: GPL-3.0-or-later
// FITS reading and writing: every BITPIX and layout written here with CFITSIO directly and
// read back through astropack, Siril's normalisation rules, astropack's own writer, header
// round trips, the band reader, and bad input that must give a clear Error.
#include <fitsio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/header.hpp"
#include "astropack/image.hpp"
#include "astropack_config.h"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

using Keys = std::function<void(fitsfile*, int*)>;

// Writes an image with CFITSIO. `compression` is 0 or a CFITSIO compression type.
template <typename T>
void write_raw(const fs::path& file, int image_type, std::vector<long> axes, int datatype,
               std::vector<T> values, const Keys& keys = {}, int compression = 0,
               bool lossless_float = false) {
  fs::remove(file);
  fitsfile* fits = nullptr;
  int status = 0;
  fits_create_diskfile(&fits, file.c_str(), &status);
  if (compression != 0) fits_set_compression_type(fits, compression, &status);
  if (lossless_float) fits_set_quantize_level(fits, 0.0f, &status);
  fits_create_img(fits, image_type, static_cast<int>(axes.size()), axes.data(), &status);
  if (keys) keys(fits, &status);
  fits_write_img(fits, datatype, 1, static_cast<LONGLONG>(values.size()), values.data(),
                 &status);
  fits_close_file(fits, &status);
  ck_assert_msg(status == 0, "CFITSIO status %d writing %s", status, file.c_str());
}

// A value at (c, y, x) that differs everywhere, so flips and plane swaps show.
double pattern(std::size_t c, std::size_t y, std::size_t x) {
  return double(1000 * c + 37 * y + 3 * x + 1);
}

void expect_pixels(const Image& image, std::size_t width, std::size_t height,
                   std::size_t channels, const std::function<float(std::size_t, std::size_t,
                                                                   std::size_t)>& expected) {
  ck_assert_uint_eq(image.width(), width);
  ck_assert_uint_eq(image.height(), height);
  ck_assert_uint_eq(image.channels(), channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < height; ++y)
      for (std::size_t x = 0; x < width; ++x)
        ck_assert_msg(image.at(c, y, x) == expected(c, y, x), "(%zu,%zu,%zu): %.9g != %.9g", c,
                      y, x, double(image.at(c, y, x)), double(expected(c, y, x)));
}

std::string card80(const std::string& text) {
  std::string card = text.substr(0, 80);
  card.resize(80, ' ');
  return card;
}

std::string valued(const std::string& key, const std::string& value) {
  std::string card = key;
  card.resize(8, ' ');
  card += "= ";
  if (value.size() < 20) card.append(20 - value.size(), ' ');
  return card80(card + value);
}

// A hand-made FITS file: header cards (END added when asked), padded, then `data_bytes`.
void write_hand_made(const fs::path& file, const std::vector<std::string>& cards, bool end,
                     std::size_t data_bytes, bool pad_data = true) {
  std::string bytes;
  for (const std::string& card : cards) bytes += card80(card);
  if (end) bytes += card80("END");
  bytes.resize((bytes.size() + 2879) / 2880 * 2880, ' ');
  std::string data(data_bytes, '\x01');
  if (pad_data) data.resize((data.size() + 2879) / 2880 * 2880, '\0');
  std::ofstream(file, std::ios::binary) << bytes << data;
}

std::vector<std::string> image_cards(int bitpix, const std::vector<long>& axes) {
  std::vector<std::string> cards = {valued("SIMPLE", "T"), valued("BITPIX", std::to_string(bitpix)),
                                    valued("NAXIS", std::to_string(axes.size()))};
  for (std::size_t i = 0; i < axes.size(); ++i)
    cards.push_back(valued("NAXIS" + std::to_string(i + 1), std::to_string(axes[i])));
  return cards;
}

// Runs `action` and checks it throws an Error of `kind` that names `file`.
void expect_error(const fs::path& file, ErrorKind kind, const std::function<void()>& action,
                  const char* words = nullptr) {
  bool thrown = false;
  try {
    action();
  } catch (const Error& e) {
    thrown = true;
    ck_assert_msg(e.kind() == kind, "%s: kind %d, expected %d (%s)", file.c_str(),
                  int(e.kind()), int(kind), e.what());
    ck_assert_msg(e.file() == file, "error names %s, not %s", e.file().c_str(), file.c_str());
    ck_assert_msg(std::string(e.what()).find(file.string()) != std::string::npos,
                  "message without the file: %s", e.what());
    if (words != nullptr)
      ck_assert_msg(e.sentence().find(words) != std::string::npos, "'%s' not in '%s'", words,
                    e.sentence().c_str());
  }
  ck_assert_msg(thrown, "no Error for %s", file.c_str());
}

// Reads a keyword's value text with CFITSIO from the first HDU; empty if absent.
std::string keyword_text(const fs::path& file, const char* keyword) {
  fitsfile* fits = nullptr;
  int status = 0;
  fits_open_diskfile(&fits, file.c_str(), READONLY, &status);
  char value[FLEN_VALUE] = {};
  fits_read_keyword(fits, keyword, value, nullptr, &status);
  const bool found = status == 0;
  status = 0;
  fits_close_file(fits, &status);
  return found ? std::string(value) : std::string();
}

// Checks a keyword's value text as CFITSIO reads it ("" when absent).
void expect_keyword(const fs::path& file, const char* keyword, const std::string& expected) {
  const std::string text = keyword_text(file, keyword);
  ck_assert_msg(text == expected, "%s: %s is [%s], expected [%s]", file.c_str(), keyword,
                text.c_str(), expected.c_str());
}

Image test_image(std::size_t width, std::size_t height, std::size_t channels) {
  Image image(width, height, channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < height; ++y)
      for (std::size_t x = 0; x < width; ++x)
        image.at(c, y, x) = float(pattern(c, y, x) / 4000.0 - 0.05);  // negatives too
  return image;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Every BITPIX, as other programs write it

START_TEST(reads_bitpix8) {
  const fs::path file = test::scratch_folder("b8") / "b8.fits";
  std::vector<unsigned char> values;
  for (std::size_t y = 0; y < 4; ++y)
    for (std::size_t x = 0; x < 5; ++x) values.push_back((unsigned char)((y * 5 + x) * 13));
  write_raw(file, BYTE_IMG, {5, 4}, TBYTE, values);
  const Image image = read_fits(file);
  expect_pixels(image, 5, 4, 1, [](auto, auto y, auto x) {
    return float(double((y * 5 + x) * 13) / 255.0);
  });
  ck_assert_int_eq(read_fits_info(file).layout.bitpix, 8);
  ck_assert_double_eq_tol(read_fits_info(file).layout.scale, 1.0 / 255.0, 1e-15);
}
END_TEST

START_TEST(reads_bitpix16_unsigned) {
  const fs::path file = test::scratch_folder("u16") / "u16.fit";
  std::vector<unsigned short> values = {0, 1, 32767, 32768, 65534, 65535};
  write_raw(file, USHORT_IMG, {3, 2}, TUSHORT, values);
  const Image image = read_fits(file);
  expect_pixels(image, 3, 2, 1, [&](auto, auto y, auto x) {
    return float(values[y * 3 + x] / 65535.0);
  });
  ck_assert_float_eq(image.at(0, 1, 2), 1.0f);
  const FitsInfo info = read_fits_info(file);
  ck_assert_int_eq(info.layout.bitpix, 16);
  ck_assert_double_eq_tol(info.layout.scale, 1.0 / 65535.0, 1e-18);
  ck_assert_int_eq(info.layout.hdu, 1);
}
END_TEST

START_TEST(reads_bitpix16_signed_like_siril) {
  const fs::path folder = test::scratch_folder("s16");
  // No BZERO and no negative value: the values are taken as they are.
  std::vector<short> positive = {0, 100, 2000, 32767};
  write_raw(folder / "positive.fit", SHORT_IMG, {2, 2}, TSHORT, positive);
  expect_pixels(read_fits(folder / "positive.fit"), 2, 2, 1, [&](auto, auto y, auto x) {
    return float(positive[y * 2 + x] / 65535.0);
  });
  // No BZERO with a negative value: every pixel gets +32768.
  std::vector<short> negative = {-32768, -1, 0, 32767};
  write_raw(folder / "negative.fit", SHORT_IMG, {2, 2}, TSHORT, negative);
  expect_pixels(read_fits(folder / "negative.fit"), 2, 2, 1, [&](auto, auto y, auto x) {
    return float((negative[y * 2 + x] + 32768.0) / 65535.0);
  });
  // BZERO = 0 written explicitly: signed, +32768 even without negatives.
  write_raw(folder / "bzero0.fit", SHORT_IMG, {2, 2}, TSHORT, positive,
            [](fitsfile* f, int* s) { fits_write_key_dbl(f, "BZERO", 0.0, 1, "", s); });
  expect_pixels(read_fits(folder / "bzero0.fit"), 2, 2, 1, [&](auto, auto y, auto x) {
    return float((positive[y * 2 + x] + 32768.0) / 65535.0);
  });
}
END_TEST

START_TEST(reads_bitpix32) {
  const fs::path folder = test::scratch_folder("b32");
  // Unsigned 32-bit (BZERO 2^31): / 4294967295.
  std::vector<unsigned int> unsigned_values = {0, 1, 2147483648u, 4294967295u};
  write_raw(folder / "u32.fit", ULONG_IMG, {4, 1}, TUINT, unsigned_values);
  expect_pixels(read_fits(folder / "u32.fit"), 4, 1, 1, [&](auto, auto, auto x) {
    return float(unsigned_values[x] / 4294967295.0);
  });
  ck_assert_int_eq(read_fits_info(folder / "u32.fit").layout.bitpix, 32);
  // Signed without DATAMAX: min-max to [0,1] with double precision.
  std::vector<int> signed_values = {1000000000, 1000000001, 1000000003, 1000000004};
  write_raw(folder / "s32.fit", LONG_IMG, {2, 2}, TINT, signed_values);
  expect_pixels(read_fits(folder / "s32.fit"), 2, 2, 1, [&](auto, auto y, auto x) {
    return float((signed_values[y * 2 + x] - 1000000000.0) / 4.0);
  });
  FitsBandReader band(folder / "s32.fit");
  ck_assert_double_eq_tol(band.layout().scale, 0.25, 1e-15);
  // Signed with DATAMAX: divided by it.
  std::vector<int> adu = {-5, 0, 500, 1000};
  write_raw(folder / "datamax.fit", LONG_IMG, {2, 2}, TINT, adu,
            [](fitsfile* f, int* s) { fits_write_key_dbl(f, "DATAMAX", 1000.0, -6, "", s); });
  expect_pixels(read_fits(folder / "datamax.fit"), 2, 2, 1, [&](auto, auto y, auto x) {
    return float(adu[y * 2 + x] / 1000.0);
  });
}
END_TEST

START_TEST(reads_float_as_stored) {
  const fs::path folder = test::scratch_folder("f32");
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> values = {-0.25f, 0.0f, 0.123456789f, 1.0f, 1.75f, 2.0f,
                               std::nanf(""), inf, 1e-30f};
  write_raw(folder / "f32.fit", FLOAT_IMG, {3, 3}, TFLOAT, values);
  const Image image = read_fits(folder / "f32.fit");
  ck_assert_uint_eq(image.width(), 3);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float got = image.samples()[i];
    if (std::isnan(values[i])) ck_assert(std::isnan(got));
    else ck_assert_msg(got == values[i], "%zu: %g != %g", i, double(got), double(values[i]));
  }
  // Double precision: rounded once to float.
  std::vector<double> doubles = {-1e-3, 0.1, 0.333333333333, 1.999999};
  write_raw(folder / "f64.fit", DOUBLE_IMG, {2, 2}, TDOUBLE, doubles);
  expect_pixels(read_fits(folder / "f64.fit"), 2, 2, 1, [&](auto, auto y, auto x) {
    return float(doubles[y * 2 + x]);
  });
  ck_assert_int_eq(read_fits_info(folder / "f64.fit").layout.bitpix, -64);
}
END_TEST

START_TEST(float_in_adu_scale_follows_siril) {
  const fs::path folder = test::scratch_folder("adu");
  std::vector<float> adu = {-3.0f, 100.0f, 1200.5f, 65535.0f};
  // No DATAMAX, not from Siril, maximum above 2: / 65535.
  write_raw(folder / "adu.fit", FLOAT_IMG, {2, 2}, TFLOAT, adu);
  const auto divided = [&](auto, auto y, auto x) {
    return float(double(adu[y * 2 + x]) / 65535.0);
  };
  expect_pixels(read_fits(folder / "adu.fit"), 2, 2, 1, divided);
  ck_assert_double_eq_tol(FitsBandReader(folder / "adu.fit").layout().scale, 1.0 / 65535.0,
                          1e-18);
  // Same data from Siril (PROGRAM starts with "Siril"): never scanned, kept.
  write_raw(folder / "siril.fit", FLOAT_IMG, {2, 2}, TFLOAT, adu, [](fitsfile* f, int* s) {
    fits_write_key_str(f, "PROGRAM", "Siril v1.0.6", "", s);
  });
  expect_pixels(read_fits(folder / "siril.fit"), 2, 2, 1,
                [&](auto, auto y, auto x) { return adu[y * 2 + x]; });
  // DATAMAX is trusted: 1 keeps ADU data, 65535 divides [0,1] data (Siril 1.0 does that too).
  write_raw(folder / "dm1.fit", FLOAT_IMG, {2, 2}, TFLOAT, adu,
            [](fitsfile* f, int* s) { fits_write_key_dbl(f, "DATAMAX", 1.0, -3, "", s); });
  expect_pixels(read_fits(folder / "dm1.fit"), 2, 2, 1,
                [&](auto, auto y, auto x) { return adu[y * 2 + x]; });
  std::vector<float> unit = {0.0f, 0.25f, 0.5f, 1.0f};
  write_raw(folder / "dm65535.fit", FLOAT_IMG, {2, 2}, TFLOAT, unit,
            [](fitsfile* f, int* s) { fits_write_key_dbl(f, "DATAMAX", 65535.0, -6, "", s); });
  expect_pixels(read_fits(folder / "dm65535.fit"), 2, 2, 1, [&](auto, auto y, auto x) {
    return float(double(unit[y * 2 + x]) / 65535.0);
  });
  // Values up to 2 are kept (the limit is "above 2").
  std::vector<float> bright = {0.5f, 1.5f, 2.0f, -0.5f};
  write_raw(folder / "bright.fit", FLOAT_IMG, {2, 2}, TFLOAT, bright);
  expect_pixels(read_fits(folder / "bright.fit"), 2, 2, 1,
                [&](auto, auto y, auto x) { return bright[y * 2 + x]; });
  // A NaN or infinite pixel does not count as the maximum.
  std::vector<float> with_inf = {0.5f, std::numeric_limits<float>::infinity(), 0.25f, 1.0f};
  write_raw(folder / "inf.fit", FLOAT_IMG, {2, 2}, TFLOAT, with_inf);
  ck_assert_float_eq(read_fits(folder / "inf.fit").at(0, 1, 0), 0.25f);
}
END_TEST

START_TEST(reads_rgb_planes_and_single_plane_cubes) {
  const fs::path folder = test::scratch_folder("rgb");
  std::vector<unsigned short> values;
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 4; ++y)
      for (std::size_t x = 0; x < 5; ++x) values.push_back((unsigned short)pattern(c, y, x));
  write_raw(folder / "rgb.fit", USHORT_IMG, {5, 4, 3}, TUSHORT, values);
  expect_pixels(read_fits(folder / "rgb.fit"), 5, 4, 3, [](auto c, auto y, auto x) {
    return float(pattern(c, y, x) / 65535.0);
  });
  std::vector<unsigned short> mono(values.begin(), values.begin() + 20);
  write_raw(folder / "cube1.fit", USHORT_IMG, {5, 4, 1}, TUSHORT, mono);
  expect_pixels(read_fits(folder / "cube1.fit"), 5, 4, 1, [](auto, auto y, auto x) {
    return float(pattern(0, y, x) / 65535.0);
  });
}
END_TEST

START_TEST(reads_tile_compressed_images) {
  const fs::path folder = test::scratch_folder("fz");
  std::vector<unsigned short> values;
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 30; ++y)
      for (std::size_t x = 0; x < 41; ++x) values.push_back((unsigned short)(pattern(c, y, x) * 7));
  write_raw(folder / "rgb16.fits.fz", USHORT_IMG, {41, 30, 3}, TUSHORT, values,
            [](fitsfile* f, int* s) {
              fits_write_key_dbl(f, "EXPTIME", 30.0, -3, "", s);
              fits_write_history(f, "compressed test", s);
            },
            RICE_1);
  const Image image = read_fits(folder / "rgb16.fits.fz");
  expect_pixels(image, 41, 30, 3, [](auto c, auto y, auto x) {
    return float(pattern(c, y, x) * 7 / 65535.0);
  });
  ck_assert_double_eq(*image.header().exposure, 30.0);
  ck_assert_uint_eq(image.header().history.size(), 1);
  // The compression bookkeeping stays out of the header.
  for (const Card& card : image.header().other_cards) {
    ck_assert_msg(card.keyword.rfind("Z", 0) != 0 && card.keyword.rfind("TTYPE", 0) != 0 &&
                      card.keyword.rfind("TFORM", 0) != 0 && card.keyword != "TFIELDS",
                  "kept %s", card.keyword.c_str());
  }
  const FitsInfo info = read_fits_info(folder / "rgb16.fits.fz");
  ck_assert_int_eq(info.layout.hdu, 2);  // after the empty primary HDU
  ck_assert_int_eq(info.layout.bitpix, 16);

  std::vector<float> floats;
  for (std::size_t y = 0; y < 30; ++y)
    for (std::size_t x = 0; x < 41; ++x) floats.push_back(float(std::sin(double(y * 41 + x))));
  write_raw(folder / "f32.fz", FLOAT_IMG, {41, 30}, TFLOAT, floats, {}, GZIP_1,
            /*lossless_float=*/true);
  expect_pixels(read_fits(folder / "f32.fz"), 41, 30, 1,
                [&](auto, auto y, auto x) { return floats[y * 41 + x]; });
}
END_TEST

START_TEST(skips_empty_primary_hdu) {
  const fs::path file = test::scratch_folder("ext") / "ext.fits";
  fitsfile* fits = nullptr;
  int status = 0;
  fits_create_diskfile(&fits, file.c_str(), &status);
  fits_create_img(fits, BYTE_IMG, 0, nullptr, &status);
  long axes[2] = {3, 2};
  fits_create_img(fits, FLOAT_IMG, 2, axes, &status);
  float values[6] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
  fits_write_img(fits, TFLOAT, 1, 6, values, &status);
  fits_close_file(fits, &status);
  ck_assert_int_eq(status, 0);
  const Image image = read_fits(file);
  ck_assert_float_eq(image.at(0, 1, 2), 0.6f);
  ck_assert_int_eq(read_fits_info(file).layout.hdu, 2);
}
END_TEST

// ---------------------------------------------------------------------------------------------
// astropack's writer

START_TEST(write_uint16_round_trip) {
  const fs::path folder = test::scratch_folder("wu16");
  for (std::size_t channels : {std::size_t{1}, std::size_t{3}}) {
    Image image = test_image(7, 5, channels);
    image.at(0, 0, 1) = 2.0f;                 // clipped to 65535
    image.at(0, 0, 2) = std::nanf("");        // becomes 0
    image.at(0, 0, 3) = 1.6f / 65535.0f;      // rounded to 2
    const fs::path file = folder / ("u16-" + std::to_string(channels) + ".fit");
    write_fits(file, image, SampleFormat::UInt16);
    expect_keyword(file, "BITPIX", "16");
    expect_keyword(file, "BZERO", "32768");
    expect_keyword(file, "BSCALE", "1");
    expect_keyword(file, "NAXIS", channels == 3 ? "3" : "2");
    const Image back = read_fits(file);
    expect_pixels(back, 7, 5, channels, [&](auto c, auto y, auto x) {
      const double v = double(image.at(c, y, x));
      const double adu = std::isnan(v) ? 0.0 : std::min(65535.0, std::max(0.0, v * 65535.0));
      return float(double(std::lround(adu)) / 65535.0);
    });
    ck_assert_float_eq(back.at(0, 0, 1), 1.0f);
    ck_assert_float_eq(back.at(0, 0, 3), float(2.0 / 65535.0));
  }
}
END_TEST

START_TEST(write_float32_round_trip) {
  const fs::path folder = test::scratch_folder("wf32");
  for (std::size_t channels : {std::size_t{1}, std::size_t{3}}) {
    Image image = test_image(9, 4, channels);
    image.at(channels - 1, 3, 8) = 1.5f;  // above 1: kept, and no ADU-scale division
    const fs::path file = folder / ("f32-" + std::to_string(channels) + ".fits");
    write_fits(file, image, SampleFormat::Float32);
    expect_keyword(file, "BITPIX", "-32");
    expect_keyword(file, "BZERO", "0.");
    expect_keyword(file, "BSCALE", "1.");
    expect_keyword(file, "DATAMAX", "");
    expect_keyword(file, "DATE", "");
    expect_keyword(file, "PROGRAM", "'astropack " ASTROPACK_VERSION "'");
    expect_pixels(read_fits(file), 9, 4, channels,
                  [&](auto c, auto y, auto x) { return image.at(c, y, x); });
  }
}
END_TEST

START_TEST(write_is_deterministic_and_takes_views) {
  const fs::path folder = test::scratch_folder("det");
  Image big = test_image(10, 8, 3);
  // A band of rows of a bigger image: rows 2..5, strides of the whole image.
  ConstImageView band = ConstImageView(big.view()).band(2, 4);
  write_fits(folder / "a.fit", band, big.header(), SampleFormat::Float32);
  write_fits(folder / "b.fit", band, big.header(), SampleFormat::Float32);
  std::ifstream a(folder / "a.fit", std::ios::binary), b(folder / "b.fit", std::ios::binary);
  const std::string bytes_a((std::istreambuf_iterator<char>(a)), {});
  const std::string bytes_b((std::istreambuf_iterator<char>(b)), {});
  ck_assert_uint_eq(bytes_a.size() % 2880, 0);
  ck_assert(bytes_a == bytes_b);
  expect_pixels(read_fits(folder / "a.fit"), 10, 4, 3,
                [&](auto c, auto y, auto x) { return big.at(c, y + 2, x); });
  // Nothing else is left in the folder (no temporary files).
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(folder)) ++entries;
  ck_assert_uint_eq(entries, 2);
}
END_TEST

START_TEST(written_bytes_match_cfitsio) {
  // The file is written without CFITSIO's pixel routines: CFITSIO, given the same
  // header and values, must write the same bytes (big-endian data, BZERO 32768 for
  // 16 bits, zeros up to the 2880-byte block).
  const fs::path folder = test::scratch_folder("bytes");
  for (SampleFormat format : {SampleFormat::UInt16, SampleFormat::Float32}) {
    for (std::size_t channels : {std::size_t{1}, std::size_t{3}}) {
      Image image = test_image(13, 7, channels);
      image.at(0, 1, 1) = -0.25f;
      image.at(0, 1, 2) = 1.75f;
      image.at(channels - 1, 6, 12) = std::nanf("");
      const bool u16 = format == SampleFormat::UInt16;
      const std::string name = std::string(u16 ? "u16-" : "f32-") + std::to_string(channels);
      const fs::path ours = folder / (name + ".fit"), theirs = folder / (name + "-cfitsio.fit");
      write_fits(ours, image, format);

      int status = 0;
      fitsfile* in = nullptr;
      fitsfile* out = nullptr;
      fits_open_diskfile(&in, ours.c_str(), READONLY, &status);
      fits_create_diskfile(&out, theirs.c_str(), &status);
      fits_copy_header(in, out, &status);
      for (std::size_t c = 0; c < channels; ++c) {
        std::vector<float> floats;
        std::vector<unsigned short> shorts;
        for (std::size_t y = 0; y < 7; ++y) {
          for (std::size_t x = 0; x < 13; ++x) {
            const float v = image.at(c, y, x);
            floats.push_back(v);
            const double adu = std::isnan(v) ? 0.0 : std::clamp(double(v) * 65535.0, 0.0, 65535.0);
            shorts.push_back(static_cast<unsigned short>(std::lround(adu)));
          }
        }
        long first[3] = {1, 1, static_cast<long>(c + 1)};
        if (u16) fits_write_pix(out, TUSHORT, first, 13 * 7, shorts.data(), &status);
        else fits_write_pix(out, TFLOAT, first, 13 * 7, floats.data(), &status);
      }
      fits_close_file(out, &status);
      fits_close_file(in, &status);
      ck_assert_int_eq(status, 0);
      std::ifstream a(ours, std::ios::binary), b(theirs, std::ios::binary);
      const std::string bytes_a((std::istreambuf_iterator<char>(a)), {});
      const std::string bytes_b((std::istreambuf_iterator<char>(b)), {});
      ck_assert_uint_eq(bytes_a.size(), bytes_b.size());
      ck_assert_msg(bytes_a == bytes_b, "%s differs from CFITSIO's", name.c_str());
    }
  }
}
END_TEST

START_TEST(header_round_trip) {
  const fs::path folder = test::scratch_folder("hdr");
  Image image = test_image(4, 3, 1);
  Header& h = image.header();
  h.exposure = 300.0;
  h.temperature = -10.5;
  h.gain = 139;
  h.offset = 21;
  h.electrons_per_adu = 0.75;
  h.pixel_size_x = h.pixel_size_y = 3.76;
  h.focal_length = 530;
  h.binning_x = 2;
  h.binning_y = 2;
  h.date_obs = "2026-03-14T22:15:01.250";
  h.filter = "L-eXtreme";
  h.image_type = "Light Frame";
  h.instrument = "ZWO ASI2600MC Pro";
  h.telescope = "Askar FRA400";
  h.object = "Barnard's Loop";  // a quote inside
  h.bayer_pattern = "RGGB";
  h.bayer_offset_y = 1;
  h.row_order = "TOP-DOWN";
  h.stack_count = 12;
  h.live_time = 3600;
  h.other_cards = {{"SITELAT", "'+43 36 00'", "site latitude"},
                   {"AIRMASS", "1.234", ""},
                   {"COMMENT", "", "  a comment with 'quotes' & stuff"},
                   {"FOCUSPOS", "12345", "focuser position"},
                   {"SWCREATE", "'N.I.N.A. 3.0'", ""},
                   {"LONGNOTE", make_card("X", std::string(150, 'n') + "'end").value, "long"},
                   {"PLAIN", "not quoted text", ""},
                   {"ISDARK", "F", "logical"},
                   {"ESO DET CHIP NAME", "'CCD-42'", "a HIERARCH card"}};
  h.history = {"calibrated with master_dark.fit", "astropack stack: 12 frames"};
  for (SampleFormat format : {SampleFormat::UInt16, SampleFormat::Float32}) {
    const fs::path file = folder / "hdr.fit";
    write_fits(file, image, format);
    const Header back = read_fits(file).header();
    ck_assert_double_eq(*back.exposure, 300.0);
    ck_assert_double_eq(*back.temperature, -10.5);
    ck_assert_double_eq(*back.gain, 139);
    ck_assert_double_eq(*back.offset, 21);
    ck_assert_double_eq(*back.electrons_per_adu, 0.75);
    ck_assert_double_eq(*back.pixel_size_x, 3.76);
    ck_assert_double_eq(*back.focal_length, 530);
    ck_assert_int_eq(back.binning_x, 2);
    ck_assert_str_eq(back.date_obs.c_str(), h.date_obs.c_str());
    ck_assert_str_eq(back.filter.c_str(), "L-eXtreme");
    ck_assert_str_eq(back.image_type.c_str(), "Light Frame");
    ck_assert_str_eq(back.instrument.c_str(), h.instrument.c_str());
    ck_assert_str_eq(back.telescope.c_str(), h.telescope.c_str());
    ck_assert_str_eq(back.object.c_str(), "Barnard's Loop");
    ck_assert_str_eq(back.bayer_pattern.c_str(), "RGGB");
    ck_assert_int_eq(back.bayer_offset_x, 0);
    ck_assert_int_eq(back.bayer_offset_y, 1);
    ck_assert_str_eq(back.row_order.c_str(), "TOP-DOWN");
    ck_assert_int_eq(*back.stack_count, 12);
    ck_assert_double_eq(*back.live_time, 3600);
    ck_assert_uint_eq(back.history.size(), 2);
    ck_assert_str_eq(back.history[0].c_str(), h.history[0].c_str());
    ck_assert_str_eq(back.history[1].c_str(), h.history[1].c_str());
    // Other cards: same order and values (strings compared by their text).
    ck_assert_uint_eq(back.other_cards.size(), h.other_cards.size());
    const char* keys[] = {"SITELAT", "AIRMASS", "COMMENT", "FOCUSPOS",
                          "SWCREATE", "LONGNOTE", "PLAIN", "ISDARK", "ESO DET CHIP NAME"};
    for (std::size_t i = 0; i < back.other_cards.size(); ++i) {
      const Card& card = back.other_cards[i];
      ck_assert_str_eq(card.keyword.c_str(), keys[i]);
      const std::string got = unquote_fits_string(card.value);
      const std::string expected = unquote_fits_string(h.other_cards[i].value);
      ck_assert_str_eq(got.c_str(), expected.c_str());
      ck_assert_str_eq(card.comment.c_str(), h.other_cards[i].comment.c_str());
    }
    const std::string long_text = unquote_fits_string(back.find_other("LONGNOTE")->value);
    ck_assert(long_text == std::string(150, 'n') + "'end");
    // Reading and writing again changes nothing.
    Image again = read_fits(file);
    write_fits(folder / "again.fit", again, format);
    const Header third = read_fits(folder / "again.fit").header();
    ck_assert(third.other_cards == back.other_cards);
    ck_assert(third.history == back.history);
  }
}
END_TEST

START_TEST(band_reader_equals_whole_read) {
  const fs::path folder = test::scratch_folder("band");
  // A float file in ADU scale (decided by a scan), an int16 file with negatives, a 16-bit RGB.
  std::vector<float> adu;
  std::vector<short> signed_values;
  std::vector<unsigned short> rgb;
  const std::size_t w = 13, h = 11;
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        rgb.push_back((unsigned short)pattern(c, y, x));
        if (c == 0) {
          adu.push_back(float(pattern(0, y, x) * 3.3));
          signed_values.push_back(short(pattern(0, y, x) - 200));
        }
      }
  write_raw(folder / "adu.fit", FLOAT_IMG, {long(w), long(h)}, TFLOAT, adu);
  write_raw(folder / "s16.fit", SHORT_IMG, {long(w), long(h)}, TSHORT, signed_values);
  write_raw(folder / "rgb.fit", USHORT_IMG, {long(w), long(h), 3}, TUSHORT, rgb);
  for (const char* name : {"adu.fit", "s16.fit", "rgb.fit"}) {
    const Image whole = read_fits(folder / name);
    for (std::size_t band_rows : {std::size_t{1}, std::size_t{4}, std::size_t{7}, h}) {
      FitsBandReader reader(folder / name);
      ck_assert_uint_eq(reader.layout().width, w);
      ck_assert_uint_eq(reader.layout().channels, whole.channels());
      // Read into the middle of a wider buffer to exercise the strides.
      Image target(w + 5, h, whole.channels(), -7.0f);
      for (std::size_t y = 0; y < h; y += band_rows) {
        const std::size_t rows = std::min(band_rows, h - y);
        ImageView view = target.view().band(y, rows);
        ImageView inner(view.data() + 2, w, rows, whole.channels(), view.row_stride(),
                        view.plane_stride());
        reader.read_rows(y, inner);
      }
      for (std::size_t c = 0; c < whole.channels(); ++c)
        for (std::size_t y = 0; y < h; ++y) {
          ck_assert_float_eq(target.at(c, y, 0), -7.0f);
          ck_assert_float_eq(target.at(c, y, w + 2), -7.0f);
          for (std::size_t x = 0; x < w; ++x)
            ck_assert_msg(target.at(c, y, x + 2) == whole.at(c, y, x), "%s band %zu (%zu,%zu)",
                          name, band_rows, y, x);
        }
    }
  }
  // The decisions that needed a scan are reported.
  ck_assert_double_eq_tol(FitsBandReader(folder / "adu.fit").layout().scale, 1.0 / 65535.0,
                          1e-18);
  ck_assert_float_eq(read_fits(folder / "s16.fit").at(0, 0, 0),
                     float((1.0 - 200.0 + 32768.0) / 65535.0));
  // Out of range requests are refused.
  FitsBandReader reader(folder / "rgb.fit");
  Image small(w, 3, 3);
  expect_error(folder / "rgb.fit", ErrorKind::InvalidArgument,
               [&] { reader.read_rows(h - 2, small.view()); });
  FitsBandReader moved = std::move(reader);
  moved.read_rows(h - 3, small.view());
  ck_assert_float_eq(small.at(2, 2, w - 1), float(pattern(2, h - 1, w - 1) / 65535.0));
}
END_TEST

// ---------------------------------------------------------------------------------------------
// Bad input: a clear Error naming the file, never a crash

START_TEST(bad_input_is_refused_clearly) {
  const fs::path folder = test::scratch_folder("bad");
  const auto both = [](const fs::path& file, ErrorKind kind, const char* words) {
    expect_error(file, kind, [&] { read_fits(file); }, words);
    expect_error(file, kind, [&] { read_fits_info(file); }, words);
    expect_error(file, kind, [&] { FitsBandReader reader(file); }, words);
  };
  both(folder / "missing.fit", ErrorKind::NotFound, "no such file");

  std::ofstream(folder / "empty.fit").close();
  both(folder / "empty.fit", ErrorKind::InvalidInput, "empty");

  std::ofstream(folder / "text.fit") << "This is not an image, just some text.\n";
  both(folder / "text.fit", ErrorKind::InvalidInput, "not a FITS file");

  // Data cut short: the header promises 100 x 80 16-bit pixels.
  std::vector<unsigned short> values(100 * 80, 1234);
  write_raw(folder / "truncated.fit", USHORT_IMG, {100, 80}, TUSHORT, values);
  fs::resize_file(folder / "truncated.fit", 2880 + 5000);
  both(folder / "truncated.fit", ErrorKind::InvalidInput,
       "is truncated: the header says 100 x 80 pixels but the file ends early");

  write_hand_made(folder / "no-end.fit", image_cards(16, {10, 10}), /*end=*/false, 200);
  both(folder / "no-end.fit", ErrorKind::InvalidInput, "no END card");
  // Only blanks after the cards, no END at all.
  write_hand_made(folder / "blank.fit", image_cards(16, {10, 10}), /*end=*/false, 0, false);
  both(folder / "blank.fit", ErrorKind::InvalidInput, "no END card");

  // A header cut in the middle.
  write_hand_made(folder / "cut-header.fit", image_cards(16, {10, 10}), false, 0, false);
  fs::resize_file(folder / "cut-header.fit", 400);
  both(folder / "cut-header.fit", ErrorKind::InvalidInput, "ends inside a FITS header");

  write_hand_made(folder / "naxis4.fit", image_cards(16, {4, 4, 3, 2}), true, 4 * 4 * 3 * 2 * 2);
  both(folder / "naxis4.fit", ErrorKind::Unsupported, "4 axes");

  write_hand_made(folder / "naxis3-2.fit", image_cards(-32, {4, 4, 2}), true, 4 * 4 * 2 * 4);
  both(folder / "naxis3-2.fit", ErrorKind::Unsupported, "2 image planes");

  write_hand_made(folder / "bitpix64.fit", image_cards(64, {4, 4}), true, 4 * 4 * 8);
  both(folder / "bitpix64.fit", ErrorKind::Unsupported, "BITPIX 64");

  write_hand_made(folder / "zero.fit", image_cards(16, {0, 4}), true, 0);
  both(folder / "zero.fit", ErrorKind::InvalidInput, "empty image");

  // A huge header on a small file must be refused before 40 GB are allocated.
  write_hand_made(folder / "huge.fit", image_cards(-32, {100000, 100000}), true, 2880);
  both(folder / "huge.fit", ErrorKind::InvalidInput,
       "the header says 100000 x 100000 pixels but the file ends early");

  write_hand_made(folder / "bad-bitpix.fit", image_cards(12, {4, 4}), true, 32);
  both(folder / "bad-bitpix.fit", ErrorKind::InvalidInput, "BITPIX");

  // Only an empty primary HDU.
  write_hand_made(folder / "no-image.fit", image_cards(8, {}), true, 0);
  both(folder / "no-image.fit", ErrorKind::InvalidInput, "has no image");

  // A folder given as a file.
  fs::create_directories(folder / "folder.fit");
  both(folder / "folder.fit", ErrorKind::InvalidInput, "folder");
}
END_TEST

START_TEST(unpadded_data_is_refused_clearly) {
  // Some writers omit the padding after the last pixel; CFITSIO cannot read the last block.
  const fs::path file = test::scratch_folder("unpadded") / "unpadded.fit";
  write_hand_made(file, image_cards(8, {3, 2}), true, 6, /*pad_data=*/false);
  expect_error(file, ErrorKind::InvalidInput, [&] { read_fits(file); }, "padding");
}
END_TEST

START_TEST(write_into_missing_folder_leaves_nothing) {
  const fs::path folder = test::scratch_folder("nofolder");
  const fs::path file = folder / "absent" / "out.fit";
  const Image image = test_image(3, 3, 1);
  expect_error(file, ErrorKind::Unwritable, [&] { write_fits(file, image, SampleFormat::Float32); });
  ck_assert(!fs::exists(folder / "absent"));
  ck_assert(fs::is_empty(folder));
  // Two channels cannot be written either.
  Image two_planes(3, 3, 1);
  ConstImageView odd(two_planes.view().data(), 3, 1, 2, 3, 3);
  expect_error(folder / "odd.fit", ErrorKind::InvalidArgument,
               [&] { write_fits(folder / "odd.fit", odd, Header{}, SampleFormat::UInt16); });
  ck_assert(fs::is_empty(folder));
}
END_TEST

START_TEST(interrupted_write_leaves_no_partial_file) {
  // The disk "fills up" in the middle of the pixels: a file size limit makes write() fail.
  const fs::path folder = test::scratch_folder("interrupted");
  const fs::path file = folder / "out.fit";
  std::ofstream(file) << "previous content";
  const pid_t child = ::fork();
  ck_assert_int_ge(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{100000, 100000};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    const Image image = test_image(500, 400, 3);  // 2.4 MB of float pixels
    int code = 3;
    try {
      write_fits(file, image, SampleFormat::Float32);
      code = 1;  // must not succeed
    } catch (const Error& e) {
      code = e.kind() == ErrorKind::Unwritable && e.file() == file ? 0 : 2;
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
  // The previous file is untouched and no temporary is left.
  std::ifstream in(file);
  std::string content;
  std::getline(in, content);
  ck_assert_str_eq(content.c_str(), "previous content");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(folder)) ++entries;
  ck_assert_uint_eq(entries, 1);
}
END_TEST

START_TEST(fits_extensions) {
  for (const char* name : {"a.fit", "a.FITS", "dir/a.fts", "a.fz", "a.fit.fz", "A.Fits.FZ"})
    ck_assert_msg(has_fits_extension(name), "%s", name);
  for (const char* name : {"a.tif", "a.fits.txt", "fits", ".fit.png", "a.fitz", "a"})
    ck_assert_msg(!has_fits_extension(name), "%s", name);
}
END_TEST

int main() {
  Suite* suite = suite_create("fits");
  TCase* read = tcase_create("read");
  ADD_TEST(read, reads_bitpix8);
  ADD_TEST(read, reads_bitpix16_unsigned);
  ADD_TEST(read, reads_bitpix16_signed_like_siril);
  ADD_TEST(read, reads_bitpix32);
  ADD_TEST(read, reads_float_as_stored);
  ADD_TEST(read, float_in_adu_scale_follows_siril);
  ADD_TEST(read, reads_rgb_planes_and_single_plane_cubes);
  ADD_TEST(read, reads_tile_compressed_images);
  ADD_TEST(read, skips_empty_primary_hdu);
  ADD_TEST(read, band_reader_equals_whole_read);
  ADD_TEST(read, unpadded_data_is_refused_clearly);
  suite_add_tcase(suite, read);
  TCase* write = tcase_create("write");
  ADD_TEST(write, write_uint16_round_trip);
  ADD_TEST(write, write_float32_round_trip);
  ADD_TEST(write, write_is_deterministic_and_takes_views);
  ADD_TEST(write, written_bytes_match_cfitsio);
  ADD_TEST(write, header_round_trip);
  ADD_TEST(write, write_into_missing_folder_leaves_nothing);
  ADD_TEST(write, interrupted_write_leaves_no_partial_file);
  suite_add_tcase(suite, write);
  TCase* bad = tcase_create("bad-input");
  ADD_TEST(bad, bad_input_is_refused_clearly);
  ADD_TEST(bad, fits_extensions);
  suite_add_tcase(suite, bad);
  return astropack::test::run_suite(suite);
}
