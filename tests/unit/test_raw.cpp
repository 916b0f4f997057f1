// SPDX-License-Identifier: GPL-3.0-or-later
// Camera raw through LibRaw. No raw samples ship with Debian, so the tests write
// their own DNGs (a DNG is a TIFF with a CFA image and a few extra tags) with
// libtiff, or byte by byte when the file must be cut short or lie about its size.
// Each pixel value encodes its colour and its raw row and column, so the tests can
// check independently that BAYERPAT labels every pixel right and that the crop is
// a contiguous window of the raw data.
#include <fcntl.h>
#include <tiffio.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "astropack/cfa.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/raw.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

struct Dng {
  std::uint32_t width = 32, height = 24;  // LibRaw refuses anything under 22 x 22
  std::uint16_t pattern_size = 2;         // CFARepeatPatternDim (2 Bayer, 6 X-Trans)
  std::vector<std::uint8_t> cfa = {0, 1, 1, 2};  // CFAPattern, 0 R 1 G 2 B: RGGB
  std::optional<std::array<std::uint32_t, 4>> active_area;  // top, left, bottom, right
  std::uint16_t photometric = PHOTOMETRIC_CFA;
  std::uint16_t samples = 1;
  const char* make = "Astrocam";
  const char* model = "Astrocam T1";
  double exposure = 120.0;
  std::uint16_t iso = 800;
  const char* date = "2023:08:14 22:15:30";
  double focal_length = 250.0;
};

// Colour (0 R, 1 G, 2 B) of raw pixel (r, c). As in LibRaw and the DNG specification,
// the CFA pattern starts at the top-left corner of the active area.
int colour_at(const Dng& d, std::uint32_t r, std::uint32_t c) {
  const std::uint32_t top = d.active_area ? (*d.active_area)[0] : 0;
  const std::uint32_t left = d.active_area ? (*d.active_area)[1] : 0;
  const std::uint32_t n = d.pattern_size;
  return d.cfa[((r + n * 8 - top) % n) * n + (c + n * 8 - left) % n];
}

// 10000 x (colour + 1) + 100 x row + column: every field can be read back.
std::uint16_t coded_value(const Dng& d, std::uint32_t r, std::uint32_t c) {
  return static_cast<std::uint16_t>(10000 * (colour_at(d, r, c) + 1) + 100 * r + c);
}
struct Decoded {
  int colour;
  std::uint32_t row, column;
};
Decoded decode(float normalised) {
  const long v = std::lround(static_cast<double>(normalised) * 65535.0);
  return {static_cast<int>(v / 10000) - 1, static_cast<std::uint32_t>(v % 10000 / 100),
          static_cast<std::uint32_t>(v % 100)};
}

void write_dng(const fs::path& file, const Dng& d) {
  TIFFSetWarningHandler(nullptr);
  TIFF* tif = TIFFOpen(file.c_str(), "w");
  ck_assert_ptr_nonnull(tif);
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
      for (std::uint16_t s = 0; s < d.samples; ++s)
        row[c * d.samples + s] = static_cast<std::uint16_t>(coded_value(d, r, c) + s);
    ck_assert_int_ge(TIFFWriteScanline(tif, row.data(), r, 0), 0);
  }
  ck_assert(TIFFWriteDirectory(tif));

  ck_assert_int_eq(TIFFCreateEXIFDirectory(tif), 0);
  TIFFSetField(tif, EXIFTAG_EXPOSURETIME, d.exposure);
  TIFFSetField(tif, EXIFTAG_ISOSPEEDRATINGS, 1, &d.iso);
  TIFFSetField(tif, EXIFTAG_DATETIMEORIGINAL, d.date);
  TIFFSetField(tif, EXIFTAG_FOCALLENGTH, d.focal_length);
  std::uint64_t exif_offset = 0;
  ck_assert(TIFFWriteCustomDirectory(tif, &exif_offset));
  ck_assert(TIFFSetDirectory(tif, 0));
  TIFFSetField(tif, TIFFTAG_EXIFIFD, exif_offset);
  ck_assert(TIFFWriteDirectory(tif));
  TIFFClose(tif);
}

// A little-endian CFA DNG built byte by byte, directory first and pixel data after
// it, so that the data can be cut short or the size can be a lie.
std::string hand_made_dng(std::uint32_t width, std::uint32_t height, std::size_t data_bytes) {
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

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

// Runs `work` with standard error sent to a file and returns what was written there.
std::string stderr_of(const std::function<void()>& work) {
  const fs::path capture = fs::temp_directory_path() /
                           ("astropack-raw-stderr-" + std::to_string(::getpid()));
  std::fflush(stderr);
  const int saved = ::dup(2);
  const int fd = ::open(capture.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 2);
  ::close(fd);
  try {
    work();
  } catch (...) {
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    throw;
  }
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::ifstream in(capture);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(capture);
  return text;
}

void use_time_zone(const char* tz) {
  ::setenv("TZ", tz, 1);
  ::tzset();
}

// Every pixel is the raw pixel (row0 + y, column0 + x), bit for bit, and BAYERPAT
// names its colour. Returns the raw position of the first visible pixel.
std::pair<std::uint32_t, std::uint32_t> check_mosaic(const Image& image, const Dng& d) {
  const auto pattern = parse_cfa_pattern(image.header().bayer_pattern);
  ck_assert_msg(pattern.has_value(), "BAYERPAT '%s'", image.header().bayer_pattern.c_str());
  const Decoded first = decode(image.at(0, 0, 0));
  for (std::size_t y = 0; y < image.height(); ++y)
    for (std::size_t x = 0; x < image.width(); ++x) {
      const std::uint32_t r = first.row + static_cast<std::uint32_t>(y);
      const std::uint32_t c = first.column + static_cast<std::uint32_t>(x);
      const float expected = static_cast<float>(coded_value(d, r, c) / 65535.0);
      ck_assert_msg(image.at(0, y, x) == expected, "pixel (%zu, %zu)", y, x);
      ck_assert_int_eq(static_cast<int>(cfa_color(*pattern, y, x)), colour_at(d, r, c));
    }
  return {first.row, first.column};
}

}  // namespace

START_TEST(dng_pixels_and_metadata) {
  use_time_zone("UTC");
  const fs::path folder = test::scratch_folder("raw-basic");
  const Dng d;
  write_dng(folder / "light.dng", d);
  Image image;
  const std::string noise = stderr_of([&] { image = read_raw(folder / "light.dng"); });
  ck_assert_str_eq(noise.c_str(), "");
  ck_assert_uint_eq(image.width(), 32);
  ck_assert_uint_eq(image.height(), 24);
  ck_assert_uint_eq(image.channels(), 1);
  const auto origin = check_mosaic(image, d);
  ck_assert_uint_eq(origin.first, 0);
  ck_assert_uint_eq(origin.second, 0);
  // Raw values as stored: R at (0,0) holds 10000 + 0 + 0.
  ck_assert_float_eq(image.at(0, 0, 0), static_cast<float>(10000.0 / 65535.0));
  ck_assert_float_eq(image.at(0, 23, 31), static_cast<float>(32331.0 / 65535.0));

  const Header& h = image.header();
  ck_assert_str_eq(h.bayer_pattern.c_str(), "RGGB");
  ck_assert_int_eq(h.bayer_offset_x, 0);
  ck_assert_int_eq(h.bayer_offset_y, 0);
  ck_assert_str_eq(h.row_order.c_str(), "TOP-DOWN");
  ck_assert(h.exposure.has_value());
  ck_assert_double_eq(*h.exposure, 120.0);
  ck_assert(h.iso.has_value());
  ck_assert_int_eq(*h.iso, 800);
  ck_assert_str_eq(h.date_obs.c_str(), "2023-08-14T22:15:30");
  ck_assert(h.focal_length.has_value());
  ck_assert_double_eq(*h.focal_length, 250.0);
  ck_assert_str_eq(h.instrument.c_str(), "Astrocam T1");
  ck_assert(!h.temperature.has_value());  // a DNG without maker notes has none
  ck_assert_str_eq(h.image_type.c_str(), "");
  fs::remove_all(folder);
}
END_TEST

START_TEST(short_exposure_and_utc_date) {
  // The capture time is read in the computer's zone (as Siril does) and written in UTC.
  use_time_zone("CET-1");  // one hour east of Greenwich, no summer time
  const fs::path folder = test::scratch_folder("raw-utc");
  Dng d;
  d.exposure = 1.0 / 3.0;
  d.iso = 3200;
  d.date = "2024:01:01 00:30:05";
  write_dng(folder / "a.dng", d);
  const Image image = read_raw(folder / "a.dng");
  ck_assert_str_eq(image.header().date_obs.c_str(), "2023-12-31T23:30:05");
  ck_assert_double_eq_tol(*image.header().exposure, 1.0 / 3.0, 1e-6);
  ck_assert_int_eq(*image.header().iso, 3200);
  fs::remove_all(folder);
}
END_TEST

START_TEST(each_bayer_pattern) {
  const std::pair<std::vector<std::uint8_t>, const char*> cases[] = {
      {{0, 1, 1, 2}, "RGGB"}, {{2, 1, 1, 0}, "BGGR"}, {{1, 2, 0, 1}, "GBRG"},
      {{1, 0, 2, 1}, "GRBG"}};
  const fs::path folder = test::scratch_folder("raw-patterns");
  for (const auto& [cfa, name] : cases) {
    Dng d;
    d.cfa = cfa;
    write_dng(folder / "p.dng", d);
    const Image image = read_raw(folder / "p.dng");
    ck_assert_str_eq(image.header().bayer_pattern.c_str(), name);
    check_mosaic(image, d);
  }
  fs::remove_all(folder);
}
END_TEST

// The same RGGB CFAPattern tag with the active area moved by one column, one row or
// both: the first visible pixel sees another colour, and BAYERPAT must follow. (LibRaw
// keeps Bayer margins even, so it drops one more column or row; the checks hold
// whatever window it keeps, as long as it is inside the active area.)
START_TEST(crop_margins_change_the_pattern) {
  const struct {
    std::array<std::uint32_t, 4> area;
    const char* pattern;
  } cases[] = {{{0, 1, 24, 32}, "GRBG"}, {{1, 0, 24, 32}, "GBRG"}, {{1, 1, 24, 32}, "BGGR"},
               {{0, 2, 24, 32}, "RGGB"}, {{2, 3, 24, 32}, "GRBG"}};
  const fs::path folder = test::scratch_folder("raw-margins");
  for (const auto& test_case : cases) {
    Dng d;
    d.active_area = test_case.area;
    write_dng(folder / "m.dng", d);
    const Image image = read_raw(folder / "m.dng");
    ck_assert_str_eq(image.header().bayer_pattern.c_str(), test_case.pattern);
    const auto [row0, column0] = check_mosaic(image, d);
    const RawInfo info = read_raw_info(folder / "m.dng");  // the same without decoding
    ck_assert_uint_eq(info.width, image.width());
    ck_assert_uint_eq(info.height, image.height());
    ck_assert_str_eq(info.header.bayer_pattern.c_str(), test_case.pattern);
    ck_assert_double_eq(*info.header.exposure, 120.0);
    const auto& a = test_case.area;
    ck_assert_uint_ge(row0, a[0]);
    ck_assert_uint_ge(column0, a[1]);
    ck_assert_uint_le(row0 + image.height(), a[2]);
    ck_assert_uint_le(column0 + image.width(), a[3]);
    ck_assert_uint_ge(image.width(), a[3] - a[1] - 1);  // at most one column dropped
    ck_assert_uint_ge(image.height(), a[2] - a[0] - 1);
  }
  fs::remove_all(folder);
}
END_TEST

START_TEST(xtrans_pattern_is_kept) {
  // Fujifilm's X-Trans layout (6 x 6), written as a DNG of another make.
  const char* letters = "GGRGGB" "GGBGGR" "BRGRBG" "GGBGGR" "GGRGGB" "RBGBRG";
  Dng d;
  d.width = 36;
  d.pattern_size = 6;
  d.cfa.clear();
  for (const char* p = letters; *p; ++p) d.cfa.push_back(*p == 'R' ? 0 : *p == 'G' ? 1 : 2);
  const fs::path folder = test::scratch_folder("raw-xtrans");
  write_dng(folder / "x.dng", d);
  const Image image = read_raw(folder / "x.dng");
  ck_assert_str_eq(image.header().bayer_pattern.c_str(), letters);
  for (std::size_t y = 0; y < image.height(); ++y)
    for (std::size_t x = 0; x < image.width(); ++x) {
      const Decoded p = decode(image.at(0, y, x));
      const char letter = letters[(y % 6) * 6 + x % 6];
      ck_assert_int_eq(p.colour, letter == 'R' ? 0 : letter == 'G' ? 1 : 2);
    }
  fs::remove_all(folder);
}
END_TEST

START_TEST(monochrome_sensor_has_no_pattern) {
  Dng d;
  d.photometric = 34892;  // LinearRaw, one sample: a sensor without colour filters
  const fs::path folder = test::scratch_folder("raw-mono");
  write_dng(folder / "mono.dng", d);
  const Image image = read_raw(folder / "mono.dng");
  ck_assert_uint_eq(image.channels(), 1);
  ck_assert_str_eq(image.header().bayer_pattern.c_str(), "");
  ck_assert_float_eq(image.at(0, 5, 7), static_cast<float>(coded_value(d, 5, 7) / 65535.0));
  fs::remove_all(folder);
}
END_TEST

START_TEST(linear_rgb_dng_is_refused) {
  Dng d;
  d.photometric = 34892;
  d.samples = 3;  // already demosaiced
  const fs::path folder = test::scratch_folder("raw-linear");
  write_dng(folder / "rgb.dng", d);
  try {
    read_raw(folder / "rgb.dng");
    ck_abort_msg("a linear RGB DNG was accepted");
  } catch (const Error& e) {
    ck_assert_int_eq(static_cast<int>(e.kind()), static_cast<int>(ErrorKind::Unsupported));
    ck_assert(e.file() == folder / "rgb.dng");
  }
  fs::remove_all(folder);
}
END_TEST

// Each bad file gives an Error of the expected kind naming the file, and prints nothing.
void expect_error(const fs::path& file, ErrorKind kind, const char* words) {
  std::string noise = stderr_of([&] {
    try {
      read_raw(file);
      ck_abort_msg("%s was accepted", file.c_str());
    } catch (const Error& e) {
      ck_assert_msg(e.kind() == kind, "%s: kind %d", e.what(), static_cast<int>(e.kind()));
      ck_assert(e.file() == file);
      ck_assert_msg(std::string(e.what()).find(file.string()) != std::string::npos, "%s",
                    e.what());
      ck_assert_msg(e.sentence().find(words) != std::string::npos, "%s", e.what());
    }
  });
  ck_assert_msg(noise.empty(), "printed: %s", noise.c_str());
}

START_TEST(bad_files_give_clear_errors) {
  const fs::path folder = test::scratch_folder("raw-bad");
  write_bytes(folder / "empty.cr2", "");
  expect_error(folder / "empty.cr2", ErrorKind::InvalidInput, "is empty");
  write_bytes(folder / "notes.nef", "These are my observing notes, not a picture.\n");
  expect_error(folder / "notes.nef", ErrorKind::InvalidInput, "not a camera raw file");
  expect_error(folder / "missing.arw", ErrorKind::NotFound, "no such file");
  expect_error(folder, ErrorKind::InvalidInput, "folder");

  // The directory is complete but only a third of the pixel data follows it.
  write_bytes(folder / "cut.dng", hand_made_dng(32, 24, 32 * 24 * 2 / 3));
  expect_error(folder / "cut.dng", ErrorKind::InvalidInput, "truncated or corrupt");
  // Its directory alone is sound, so the quick look without decoding accepts it.
  ck_assert_uint_eq(read_raw_info(folder / "cut.dng").width, 32);
  // The same file intact reads: the builder itself is right.
  write_bytes(folder / "whole.dng", hand_made_dng(32, 24, 32 * 24 * 2));
  ck_assert_str_eq(read_raw(folder / "whole.dng").header().bayer_pattern.c_str(), "RGGB");

  // A tiny file that claims a 60000 x 60000 sensor: refused before anything is allocated.
  write_bytes(folder / "huge.dng", hand_made_dng(60000, 60000, 64));
  expect_error(folder / "huge.dng", ErrorKind::InvalidInput, "60000 x 60000");

  // A libtiff DNG cut in the middle of its pixel data.
  write_dng(folder / "good.dng", Dng{});
  std::ifstream in(folder / "good.dng", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_bytes(folder / "half.dng", bytes.substr(0, bytes.size() / 2));
  expect_error(folder / "half.dng", ErrorKind::InvalidInput, "cut short");
  fs::remove_all(folder);
}
END_TEST

START_TEST(raw_extensions) {
  for (const char* name : {"a.cr2", "a.CR3", "b.Nef", "c.arw", "d.raf", "e.orf", "f.rw2",
                           "g.dng", "h.pef", "i.srw", "j.x3f", "k.3fr", "l.IIQ", "m.crw",
                           "n.nrw", "o.srf", "p.sr2", "q.erf", "r.kdc", "s.mrw"})
    ck_assert_msg(has_raw_extension(name), "%s", name);
  for (const char* name : {"a.fit", "a.tif", "a.jpg", "cr2", "a.cr2.txt", "a.", "dng/"})
    ck_assert_msg(!has_raw_extension(name), "%s", name);
  ck_assert_str_eq(raw_library_version().substr(0, 7).c_str(), "LibRaw ");
}
END_TEST

START_TEST(read_image_dispatches_raw_files) {
  const fs::path folder = test::scratch_folder("raw-dispatch");
  write_dng(folder / "IMG_1.DNG", Dng{});
  ck_assert_int_eq(static_cast<int>(guess_image_format(folder / "IMG_1.DNG")),
                   static_cast<int>(ImageFormat::CameraRaw));
  write_bytes(folder / "x.cr3", "....ftypcrx ");
  ck_assert_int_eq(static_cast<int>(guess_image_format(folder / "x.cr3")),
                   static_cast<int>(ImageFormat::CameraRaw));
  const Image direct = read_raw(folder / "IMG_1.DNG");
  const Image dispatched = read_image(folder / "IMG_1.DNG");
  ck_assert(direct.samples() == dispatched.samples());
  ck_assert_str_eq(dispatched.header().bayer_pattern.c_str(), "RGGB");
  fs::remove_all(folder);
}
END_TEST

START_TEST(raw_survives_a_16_bit_fits_round_trip) {
  use_time_zone("UTC");
  const fs::path folder = test::scratch_folder("raw-fits");
  Dng d;
  d.active_area = std::array<std::uint32_t, 4>{0, 1, 24, 32};
  write_dng(folder / "l.dng", d);
  const Image raw = read_raw(folder / "l.dng");
  write_fits(folder / "l.fit", raw, SampleFormat::UInt16);
  const Image back = read_fits(folder / "l.fit");
  ck_assert(back.samples() == raw.samples());  // bit for bit
  const Header& h = back.header();
  ck_assert_str_eq(h.bayer_pattern.c_str(), raw.header().bayer_pattern.c_str());
  ck_assert_str_eq(h.row_order.c_str(), "TOP-DOWN");
  ck_assert_double_eq(*h.exposure, 120.0);
  ck_assert_int_eq(*h.iso, 800);
  ck_assert_str_eq(h.date_obs.c_str(), "2023-08-14T22:15:30");
  ck_assert_str_eq(h.instrument.c_str(), "Astrocam T1");
  ck_assert_double_eq(*h.focal_length, 250.0);
  fs::remove_all(folder);
}
END_TEST

int main() {
  Suite* suite = suite_create("raw");
  TCase* tc = tcase_create("core");
  ADD_TEST(tc, dng_pixels_and_metadata);
  ADD_TEST(tc, short_exposure_and_utc_date);
  ADD_TEST(tc, each_bayer_pattern);
  ADD_TEST(tc, crop_margins_change_the_pattern);
  ADD_TEST(tc, xtrans_pattern_is_kept);
  ADD_TEST(tc, monochrome_sensor_has_no_pattern);
  ADD_TEST(tc, linear_rgb_dng_is_refused);
  ADD_TEST(tc, bad_files_give_clear_errors);
  ADD_TEST(tc, raw_extensions);
  ADD_TEST(tc, read_image_dispatches_raw_files);
  ADD_TEST(tc, raw_survives_a_16_bit_fits_round_trip);
  suite_add_tcase(suite, tc);
  return test::run_suite(suite);
}
