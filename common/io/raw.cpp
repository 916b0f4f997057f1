// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/raw.hpp"

#include <libraw/libraw.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>
#include <string_view>
#include <system_error>

#include "astropack/error.hpp"

namespace astropack {

namespace fs = std::filesystem;

namespace {

// No camera sensor comes near this (the largest are about 150 MP); a header that
// claims more is corrupt or hostile, and the float image alone would take 1 GB.
constexpr std::size_t kMaxRawPixels = std::size_t{1} << 28;

// What LibRaw reported through its callbacks instead of printing it.
struct Complaints {
  bool data_error = false;
  bool end_of_file = false;
  bool out_of_memory = false;
};

void note_data_error(void* data, const char*, const int offset) {
  auto* complaints = static_cast<Complaints*>(data);
  complaints->data_error = true;
  if (offset < 0) complaints->end_of_file = true;
}

void note_memory_error(void* data, const char*, const char*) {
  static_cast<Complaints*>(data)->out_of_memory = true;
}

std::string library_name() {
  std::string name = "LibRaw ";
  name.append(std::to_string(LibRaw::versionNumber() >> 16))
      .append(".")
      .append(std::to_string((LibRaw::versionNumber() >> 8) & 0xff))
      .append(".")
      .append(std::to_string(LibRaw::versionNumber() & 0xff));
  return name;
}

enum class Stage { Open, Unpack };

// The file was readable when the read began, so an input/output error from LibRaw
// means it ran off the end of data it expected: not raw data at all while opening,
// cut-short pixel data while unpacking.
[[noreturn]] void throw_libraw_error(const fs::path& file, Stage stage, int code,
                                     const Complaints& complaints) {
  if (code == LIBRAW_CANCELLED_BY_CALLBACK)
    throw Error(ErrorKind::Cancelled, file, "reading was cancelled.");
  if (code == LIBRAW_UNSUFFICIENT_MEMORY || complaints.out_of_memory) {
    throw Error(ErrorKind::InvalidInput, file,
                "needs more memory to decode than is available; the file may be corrupt.");
  }
  if (code == LIBRAW_TOO_BIG) {
    throw Error(ErrorKind::InvalidInput, file,
                "claims a raw image too large to decode; the file is probably corrupt.");
  }
  if (code == LIBRAW_FILE_UNSUPPORTED || (stage == Stage::Open && code == LIBRAW_IO_ERROR)) {
    std::string sentence = "is not a camera raw file that ";
    sentence.append(library_name())
        .append(" can read: not a raw file, cut short, or from a camera this version "
                "does not know.");
    throw Error(ErrorKind::InvalidInput, file, sentence);
  }
  throw Error(ErrorKind::InvalidInput, file,
              "is truncated or corrupt: its raw pixel data could not be decoded.");
}

// A number from LibRaw's float fields, rounded to six significant digits so that
// 1/3 s is written 0.333333 rather than 0.333333343267.
double tidy(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", static_cast<double>(value));
  return std::strtod(text, nullptr);
}

std::string utc_iso8601(std::time_t timestamp) {
  std::tm utc{};
  if (gmtime_r(&timestamp, &utc) == nullptr) return {};
  char text[32];
  if (std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc) == 0) return {};
  return text;
}

std::string trimmed(const char* text, std::size_t capacity) {
  std::string s(text, strnlen(text, capacity));
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
  return s;
}

bool plausible_temperature(float celsius) {
  return std::isfinite(celsius) && celsius > -100.0f && celsius < 150.0f;
}

// The letters of a size x size pattern of colours starting at the first visible pixel,
// or nothing when a colour is not R, G or B.
std::string pattern_letters(LibRaw& raw, int size) {
  std::string letters;
  const char* names = raw.imgdata.idata.cdesc;
  for (int row = 0; row < size; ++row)
    for (int col = 0; col < size; ++col) {
      const int colour = raw.COLOR(row, col);
      if (colour < 0 || colour > 3) return {};
      const char letter = names[colour];
      if (letter != 'R' && letter != 'G' && letter != 'B') return {};
      letters.push_back(letter);
    }
  return letters;
}

void fill_header(LibRaw& raw, Header& header) {
  const libraw_imgother_t& other = raw.imgdata.other;
  if (other.shutter > 0.0f && std::isfinite(other.shutter)) header.exposure = tidy(other.shutter);
  if (other.iso_speed > 0.0f && other.iso_speed < 1e7f)
    header.iso = static_cast<int>(std::lround(other.iso_speed));
  if (other.focal_len > 0.0f && std::isfinite(other.focal_len))
    header.focal_length = tidy(other.focal_len);
  if (other.timestamp > 0) header.date_obs = utc_iso8601(other.timestamp);

  const std::string make = trimmed(raw.imgdata.idata.make, sizeof raw.imgdata.idata.make);
  const std::string model = trimmed(raw.imgdata.idata.model, sizeof raw.imgdata.idata.model);
  header.instrument = make;
  if (!model.empty() && !model.starts_with(make)) {
    if (!header.instrument.empty()) header.instrument.push_back(' ');
    header.instrument.append(model);
  } else if (!model.empty()) {
    header.instrument = model;
  }

  // LibRaw marks temperatures it did not find with an impossible value.
  const libraw_metadata_common_t& common = raw.imgdata.makernotes.common;
  for (const float t : {common.SensorTemperature, common.SensorTemperature2,
                        common.CameraTemperature}) {
    if (plausible_temperature(t)) {
      header.temperature = tidy(t);
      break;
    }
  }
  header.row_order = "TOP-DOWN";
}

}  // namespace

std::string raw_library_version() { return library_name(); }

bool has_raw_extension(const fs::path& file) {
  static constexpr std::string_view kExtensions[] = {
      "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "raf", "orf",
      "rw2", "pef", "dng", "3fr", "erf", "kdc", "mrw", "x3f", "srw", "iiq"};
  std::string ext = file.extension().string();
  if (ext.size() < 2) return false;
  ext.erase(0, 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(std::begin(kExtensions), std::end(kExtensions), ext) != std::end(kExtensions);
}

namespace {

// A LibRaw object that has identified a file, and what its callbacks heard.
struct OpenRaw {
  // The LibRaw object is large (hundreds of kilobytes): keep it off the stack.
  std::unique_ptr<LibRaw> raw = std::make_unique<LibRaw>(LIBRAW_OPTIONS_NONE);
  Complaints complaints;
};

void open_raw(const fs::path& file, OpenRaw& open) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) throw Error(ErrorKind::NotFound, file, "no such file.");
  if (fs::is_directory(status))
    throw Error(ErrorKind::InvalidInput, file, "is a folder, not a raw file.");
  if (std::FILE* probe = std::fopen(file.c_str(), "rb")) {
    std::fclose(probe);
  } else {
    throw Error(ErrorKind::Unreadable, file, "cannot be read (permission denied?).");
  }
  if (fs::file_size(file, ec) == 0) throw Error(ErrorKind::InvalidInput, file, "is empty.");

  LibRaw& raw = *open.raw;
  raw.set_dataerror_handler(note_data_error, &open.complaints);
  raw.set_memerror_handler(note_memory_error, &open.complaints);
  const int code = raw.open_file(file.c_str());
  if (code != LIBRAW_SUCCESS) throw_libraw_error(file, Stage::Open, code, open.complaints);

  const libraw_image_sizes_t& sizes = raw.imgdata.sizes;
  const std::size_t raw_pixels = std::size_t{sizes.raw_width} * sizes.raw_height;
  if (sizes.width == 0 || sizes.height == 0 || raw_pixels > kMaxRawPixels) {
    std::string sentence = "claims a raw image of ";
    sentence.append(std::to_string(sizes.raw_width))
        .append(" x ")
        .append(std::to_string(sizes.raw_height))
        .append(" pixels, which no camera makes; the file is probably corrupt.");
    throw Error(ErrorKind::InvalidInput, file, sentence);
  }
  if (raw.is_fuji_rotated()) {
    throw Error(ErrorKind::Unsupported, file,
                "comes from a Fujifilm SuperCCD sensor, whose rotated layout astropack does "
                "not handle.");
  }
}

// BAYERPAT for the first visible pixel ("" for a monochrome sensor), or Error(Unsupported).
std::string mosaic_pattern(const fs::path& file, LibRaw& raw) {
  const unsigned filters = raw.imgdata.idata.filters;
  std::string pattern;
  if (filters == 0) {
    if (raw.imgdata.idata.colors == 1) return pattern;
    throw Error(ErrorKind::Unsupported, file,
                "holds demosaiced or reduced-size data (linear DNG, sRAW, mRAW or Foveon), "
                "not the colour filter mosaic astropack needs; shoot full-size raw.");
  }
  if (filters == 9) {
    pattern = pattern_letters(raw, 6);
  } else if (filters >= 1000) {
    pattern = pattern_letters(raw, 2);
    if (pattern != "RGGB" && pattern != "BGGR" && pattern != "GBRG" && pattern != "GRBG")
      pattern.clear();
  }
  if (pattern.empty()) {
    throw Error(ErrorKind::Unsupported, file,
                "uses a colour filter layout other than Bayer RGB or X-Trans (for example "
                "CMYG), which astropack does not handle.");
  }
  return pattern;
}

}  // namespace

RawInfo read_raw_info(const fs::path& file) {
  OpenRaw open;
  open_raw(file, open);
  RawInfo info;
  info.width = open.raw->imgdata.sizes.width;
  info.height = open.raw->imgdata.sizes.height;
  fill_header(*open.raw, info.header);
  info.header.bayer_pattern = mosaic_pattern(file, *open.raw);
  return info;
}

Image read_raw(const fs::path& file) {
  OpenRaw open;
  open_raw(file, open);
  LibRaw& raw = *open.raw;
  const int code = raw.unpack();
  if (code != LIBRAW_SUCCESS || open.complaints.data_error || open.complaints.out_of_memory ||
      raw.error_count() > 0) {
    throw_libraw_error(file, Stage::Unpack, code != LIBRAW_SUCCESS ? code : LIBRAW_DATA_ERROR,
                       open.complaints);
  }
  // The colours and sizes are read after unpacking, since a few decoders adjust them.
  const std::string pattern = mosaic_pattern(file, raw);
  const libraw_image_sizes_t& sizes = raw.imgdata.sizes;
  const ushort* data = raw.imgdata.rawdata.raw_image;
  const std::size_t width = sizes.width, height = sizes.height;
  const std::size_t pitch = sizes.raw_pitch / sizeof(ushort);
  if (data == nullptr) {
    throw Error(ErrorKind::Unsupported, file,
                "holds several values per pixel (sRAW, mRAW, pixel-shift or floating-point "
                "data), not the one-colour-per-pixel mosaic astropack needs.");
  }
  if (sizes.left_margin + width > sizes.raw_width || sizes.top_margin + height > sizes.raw_height ||
      pitch < sizes.raw_width) {
    throw Error(ErrorKind::InvalidInput, file,
                "has a visible area outside its raw data; the file is probably corrupt.");
  }

  Image image(width, height, 1);
  for (std::size_t y = 0; y < height; ++y) {
    const ushort* source = data + (sizes.top_margin + y) * pitch + sizes.left_margin;
    float* target = image.row(0, y);
    // The same arithmetic as the FITS reader, so a round trip through 16-bit FITS is exact.
    for (std::size_t x = 0; x < width; ++x)
      target[x] = static_cast<float>(static_cast<double>(source[x]) / 65535.0);
  }
  Header& header = image.header();
  fill_header(raw, header);
  header.bayer_pattern = pattern;
  return image;
}

}  // namespace astropack
