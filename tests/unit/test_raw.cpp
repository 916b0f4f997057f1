// SPDX-License-Identifier: GPL-3.0-or-later
// Camera raw through LibRaw. No raw samples ship with Debian, so the tests write
// their own DNGs (a DNG is a TIFF with a CFA image and a few extra tags) with
// libtiff, or byte by byte when the file must be cut short or lie about its size.
// Each pixel value encodes its colour and its raw row and column, so the tests can
// check independently that BAYERPAT labels every pixel right and that the crop is
// a contiguous window of the raw data.
#include <fcntl.h>
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
#include "dng_writer.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

using Dng = test::DngSpec;

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

// The test's DNG: coded values unless the caller sets others.
void write_coded_dng(const fs::path& file, Dng d) {
  if (!d.value) {
    const Dng layout = d;
    d.value = [layout](std::uint32_t r, std::uint32_t c, std::uint16_t s) {
      return static_cast<std::uint16_t>(coded_value(layout, r, c) + s);
    };
  }
  test::write_dng(file, d);
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
  write_coded_dng(folder / "light.dng", d);
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
  write_coded_dng(folder / "a.dng", d);
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
    write_coded_dng(folder / "p.dng", d);
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
    write_coded_dng(folder / "m.dng", d);
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
  write_coded_dng(folder / "x.dng", d);
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
  write_coded_dng(folder / "mono.dng", d);
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
  write_coded_dng(folder / "rgb.dng", d);
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
  write_bytes(folder / "cut.dng", test::hand_made_dng(32, 24, 32 * 24 * 2 / 3));
  expect_error(folder / "cut.dng", ErrorKind::InvalidInput, "truncated or corrupt");
  // Its directory alone is sound, so the quick look without decoding accepts it.
  ck_assert_uint_eq(read_raw_info(folder / "cut.dng").width, 32);
  // The same file intact reads: the builder itself is right.
  write_bytes(folder / "whole.dng", test::hand_made_dng(32, 24, 32 * 24 * 2));
  ck_assert_str_eq(read_raw(folder / "whole.dng").header().bayer_pattern.c_str(), "RGGB");

  // A tiny file that claims a 60000 x 60000 sensor: refused before anything is allocated.
  write_bytes(folder / "huge.dng", test::hand_made_dng(60000, 60000, 64));
  expect_error(folder / "huge.dng", ErrorKind::InvalidInput, "60000 x 60000");

  // A libtiff DNG cut in the middle of its pixel data.
  write_coded_dng(folder / "good.dng", Dng{});
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
  write_coded_dng(folder / "IMG_1.DNG", Dng{});
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
  write_coded_dng(folder / "l.dng", d);
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
