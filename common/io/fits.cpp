// SPDX-License-Identifier: GPL-3.0-or-later
// FITS reading and writing through CFITSIO, following siril-compat.md section 1.
//
// Reading turns the stored (physical) values of the first image HDU with NAXIS > 0 into
// normalised floats: normalised = (stored + offset) / divisor, computed in double.
//   BITPIX 8                 divisor 255.
//   BITPIX 16, BZERO != 0    divisor 65535 (the usual unsigned 16-bit, BZERO 32768).
//   BITPIX 16, no BZERO      +32768 when any value is negative (then it is signed data),
//                            as Siril does; divisor 65535.
//   BITPIX 16, BZERO = 0     signed data written as such: +32768, divisor 65535.
//   BITPIX 32, BZERO 2^31    unsigned 32-bit: divisor 4294967295.
//   BITPIX 32, otherwise     signed 32-bit, as Siril 1.2: divided by DATAMAX when the header
//                            has a positive one, otherwise min-max to [0,1] over the image
//                            (a constant image becomes 0). Siril 1.0 always uses min-max.
//   BITPIX -32, -64          kept, unless the data are in ADU scale: DATAMAX > 2, or no DATAMAX,
//                            not written by Siril and a true maximum above 2 -> divisor 65535.
// A BSCALE other than 1 is ignored and the raw values are used, as Siril does; BZERO on float
// data is ignored too. NaN and Inf are kept as they are.
#include "astropack/fits.hpp"

#include <fcntl.h>
#include <fitsio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/header.hpp"
#include "astropack/output_file.hpp"
#include "astropack_config.h"

namespace astropack {

namespace fs = std::filesystem;

namespace {

// CFITSIO may be built without thread support: calls go through this lock.
std::mutex& cfitsio_mutex() {
  static std::mutex mutex;
  return mutex;
}
using Lock = std::lock_guard<std::mutex>;

// Pixel reads are the bulk of a stacker's CFITSIO time. A CFITSIO built
// thread-safe (fits_is_reentrant; Debian's is) lets reads of different files
// run at once, so they skip the lock there; everything else keeps it.
bool pixel_reads_need_lock() {
  static const bool need = fits_is_reentrant() == 0;
  return need;
}

// Values are converted in chunks of this many samples (8 MB of doubles).
constexpr std::size_t kChunkSamples = std::size_t{1} << 20;
// Reading goes through a smaller per-thread buffer (2 MB of doubles), which
// stays in cache between CFITSIO filling it and the conversion to float.
constexpr std::size_t kReadChunkSamples = std::size_t{1} << 18;

std::string cfitsio_text(int status) {
  char text[FLEN_STATUS] = {};
  fits_get_errstatus(status, text);
  std::string message = "CFITSIO error ";
  message.append(std::to_string(status)).append(": ").append(text);
  return message;
}

std::string size_text(const FitsLayout& layout) {
  std::string text = std::to_string(layout.width);
  text.append(" x ").append(std::to_string(layout.height));
  if (layout.channels > 1) text.append(" x ").append(std::to_string(layout.channels));
  return text;
}

std::string truncated_sentence(const FitsLayout& layout) {
  std::string sentence = "is truncated: the header says ";
  sentence.append(size_text(layout)).append(" pixels but the file ends early.");
  return sentence;
}

// Turns a CFITSIO status met while opening or reading a file into a sentence for a user.
[[noreturn]] void throw_read_error(const fs::path& file, int status,
                                   const FitsLayout* layout = nullptr) {
  switch (status) {
    case END_OF_FILE:
    case READ_ERROR:
      if (layout != nullptr && layout->width > 0)
        throw Error(ErrorKind::InvalidInput, file, truncated_sentence(*layout));
      throw Error(ErrorKind::InvalidInput, file,
                  "is truncated or damaged: the file ends inside a FITS header "
                  "(no END card was found).");
    case NO_END:
    case BAD_KEYCHAR:
      throw Error(ErrorKind::InvalidInput, file,
                  "is damaged: its FITS header has no END card or holds invalid characters.");
    case UNKNOWN_REC:
    case NO_SIMPLE:
    case NO_XTENSION:
      throw Error(ErrorKind::InvalidInput, file, "is not a FITS file.");
    case BAD_BITPIX:
    case NO_BITPIX:
      throw Error(ErrorKind::InvalidInput, file,
                  "is damaged: its BITPIX keyword is missing or invalid.");
    case BAD_NAXIS:
    case BAD_NAXES:
    case NO_NAXIS:
    case NO_NAXES:
    case NOT_POS_INT:
    case BAD_ORDER:
      throw Error(ErrorKind::InvalidInput, file,
                  "is damaged: its image dimensions (NAXIS keywords) are missing or invalid.");
    case FILE_NOT_OPENED:
      throw Error(ErrorKind::Unreadable, file,
                  "could not be opened; check that it exists and that you may read it.");
    case MEMORY_ALLOCATION:
      throw Error(ErrorKind::InvalidInput, file, "is too large to be read into memory.");
    default: break;
  }
  if (status >= DATA_COMPRESSION_ERR && status <= DATA_DECOMPRESSION_ERR) {
    throw Error(ErrorKind::InvalidInput, file,
                "is damaged: its compressed image data cannot be decoded (" +
                    cfitsio_text(status) + ").");
  }
  throw Error(ErrorKind::InvalidInput, file,
              "could not be read as FITS (" + cfitsio_text(status) + ").");
}

[[noreturn]] void throw_write_error(const fs::path& file, int status) {
  throw Error(ErrorKind::Unwritable, file,
              "could not be written (" + cfitsio_text(status) + "); check the free disk space.");
}

// The errors that a user can fix before CFITSIO is involved.
void require_fits_file(const fs::path& file) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) throw Error(ErrorKind::NotFound, file, "no such file.");
  if (fs::is_directory(status))
    throw Error(ErrorKind::InvalidInput, file, "is a folder, not a FITS file.");
  std::ifstream stream(file, std::ios::binary);
  if (!stream)
    throw Error(ErrorKind::Unreadable, file, "cannot be read (permission denied?).");
  char magic[9] = {};
  stream.read(magic, sizeof magic);
  const auto got = static_cast<std::size_t>(stream.gcount());
  if (got == 0) throw Error(ErrorKind::InvalidInput, file, "is empty; it is not a FITS file.");
  if (std::string_view(magic, got) != "SIMPLE  =") {
    throw Error(ErrorKind::InvalidInput, file,
                "is not a FITS file (it does not start with a FITS header).");
  }
}

// An open fitsfile, closed on destruction. Every CFITSIO call is made under the lock.
class FitsHandle {
 public:
  FitsHandle() = default;
  ~FitsHandle() { close_quietly(); }
  FitsHandle(const FitsHandle&) = delete;
  FitsHandle& operator=(const FitsHandle&) = delete;

  static FitsHandle open_read(const fs::path& file) {
    require_fits_file(file);
    FitsHandle handle;
    int status = 0;
    {
      Lock lock(cfitsio_mutex());
      // The disk-file variant: no extended file name syntax, brackets in names are literal.
      fits_open_diskfile(&handle.m_fits, file.c_str(), READONLY, &status);
      if (status != 0) {
        fits_clear_errmsg();
        handle.m_fits = nullptr;
      }
    }
    if (status != 0) throw_read_error(file, status);
    return handle;
  }

  // A new file in memory, for a header made by CFITSIO and written by us.
  static FitsHandle create_in_memory(const fs::path& target) {
    FitsHandle handle;
    int status = 0;
    {
      Lock lock(cfitsio_mutex());
      fits_create_file(&handle.m_fits, "mem://", &status);
      if (status != 0) {
        fits_clear_errmsg();
        handle.m_fits = nullptr;
      }
    }
    if (status != 0) throw_write_error(target, status);
    return handle;
  }

  FitsHandle(FitsHandle&& other) noexcept : m_fits(other.m_fits) { other.m_fits = nullptr; }
  FitsHandle& operator=(FitsHandle&& other) noexcept {
    if (this != &other) {
      close_quietly();
      m_fits = other.m_fits;
      other.m_fits = nullptr;
    }
    return *this;
  }

  fitsfile* get() const noexcept { return m_fits; }

  // Closes and reports a failure (the last buffers are flushed here when writing).
  int close() {
    int status = 0;
    if (m_fits != nullptr) {
      Lock lock(cfitsio_mutex());
      fits_close_file(m_fits, &status);
      if (status != 0) fits_clear_errmsg();
      m_fits = nullptr;
    }
    return status;
  }

 private:
  void close_quietly() noexcept { close(); }

  fitsfile* m_fits = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Header cards

std::string trim_right(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string trim_left(std::string_view text) {
  const auto first = text.find_first_not_of(' ');
  return first == std::string_view::npos ? std::string() : std::string(text.substr(first));
}

bool is_commentary(std::string_view keyword) {
  return keyword == "COMMENT" || keyword == "HISTORY" || keyword.empty();
}

// Joins a long string continued on CONTINUE cards ('text&' + CONTINUE 'more').
bool continues(const Card& card) {
  return card.value.size() >= 3 && card.value.front() == '\'' &&
         card.value.ends_with("&'");
}

// Parses one 80-character record; `false` for END.
bool parse_record(std::string_view record, Card& card) {
  char text[FLEN_CARD] = {};
  const std::size_t length = std::min<std::size_t>(record.size(), FLEN_CARD - 1);
  std::copy_n(record.data(), length, text);
  char name[FLEN_KEYWORD] = {};
  char value[FLEN_VALUE] = {};
  char comment[FLEN_COMMENT] = {};
  int name_length = 0;
  int status = 0;
  fits_get_keyname(text, name, &name_length, &status);
  if (status == 0) fits_parse_value(text, value, comment, &status);
  if (status != 0) {
    // A damaged card is kept as a comment rather than lost.
    fits_clear_errmsg();
    card = {"COMMENT", "", trim_right(std::string(text, length))};
    return true;
  }
  if (std::string_view(name) == "END") return false;
  card.keyword = name;
  card.value = value;
  card.comment = trim_right(comment);
  return true;
}

std::vector<Card> parse_records(const char* records, int count) {
  std::vector<Card> cards;
  for (int i = 0; i < count; ++i) {
    const std::string_view record(records + std::size_t(i) * 80, 80);
    Card card;
    if (!parse_record(record, card)) break;
    if (card.keyword == "CONTINUE" && !cards.empty() && continues(cards.back())) {
      // Re-read the continued text as the value of a valued card.
      // (CFITSIO parses a card named CONTINUE as commentary, so it gets another name here.)
      std::string fake = "CONTINUD= ";
      fake.append(trim_left(record.substr(8)));
      Card piece;
      if (parse_record(fake, piece) && piece.value.size() >= 2 && piece.value.front() == '\'') {
        Card& previous = cards.back();
        previous.value.resize(previous.value.size() - 2);  // drops &'
        previous.value.append(piece.value.substr(1));       // drops the opening quote
        if (!piece.comment.empty()) {
          if (!previous.comment.empty()) previous.comment.append(" ");
          previous.comment.append(piece.comment);
        }
        continue;
      }
    }
    cards.push_back(std::move(card));
  }
  return cards;
}

// All cards of the current HDU; for a tile-compressed image, those of the image it holds.
std::vector<Card> read_cards(fitsfile* fits, const fs::path& file) {
  char* records = nullptr;
  int count = 0;
  int status = 0;
  std::vector<Card> cards;
  {
    Lock lock(cfitsio_mutex());
    fits_convert_hdr2str(fits, 0, nullptr, 0, &records, &count, &status);
    if (status == 0) cards = parse_records(records, count);
    int ignored = 0;
    if (records != nullptr) fits_free_memory(records, &ignored);
    if (status != 0) fits_clear_errmsg();
  }
  if (status != 0) throw_read_error(file, status);
  return cards;
}

const Card* find_card(const std::vector<Card>& cards, std::string_view keyword) {
  for (const Card& card : cards)
    if (card.keyword == keyword) return &card;
  return nullptr;
}

std::optional<double> parse_number(std::string_view value) {
  std::string text = unquote_fits_string(value);
  if (text.empty()) return std::nullopt;
  std::replace(text.begin(), text.end(), 'D', 'E');
  std::replace(text.begin(), text.end(), 'd', 'e');
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return std::nullopt;
  while (*end == ' ') ++end;
  if (*end != '\0' || !std::isfinite(number)) return std::nullopt;
  return number;
}

std::optional<double> card_number(const std::vector<Card>& cards, std::string_view keyword) {
  const Card* card = find_card(cards, keyword);
  return card == nullptr ? std::nullopt : parse_number(card->value);
}

// Siril never scans files it wrote itself (PROGRAM starting with "Siril", any case).
bool written_by_siril(const std::vector<Card>& cards) {
  const Card* card = find_card(cards, "PROGRAM");
  if (card == nullptr) return false;
  std::string program = unquote_fits_string(card->value);
  std::transform(program.begin(), program.end(), program.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return program.starts_with("siril");
}

// ---------------------------------------------------------------------------------------------
// Layout and normalisation

struct Range {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::size_t finite = 0;
  void add(double value) {
    if (!std::isfinite(value)) return;
    min = std::min(min, value);
    max = std::max(max, value);
    ++finite;
  }
};

struct Decoding {
  double offset = 0.0;
  double divisor = 1.0;
  // The values CFITSIO returns are whole numbers that fit in an int (8 and
  // 16-bit data with no BZERO or a whole one), so they are read as int:
  // exactly the same values as doubles, half the bytes to move under the lock.
  bool integers = false;
  // Standard unsigned 16-bit data (BZERO 32768, BSCALE 1): read as unsigned
  // short and converted through a table of the 65536 possible results.
  bool unsigned16 = false;
};

// How the decoding is decided: from the header alone or after looking at the values.
enum class Rule {
  Fixed,           // header only
  ShortSigned,     // 16-bit without BZERO: +32768 if any value is negative
  MinMax,          // signed 32-bit without DATAMAX
  FloatAduScale,   // float without DATAMAX, not from Siril: /65535 if the maximum is above 2
};

struct Plan {
  Rule rule = Rule::Fixed;
  Decoding decoding;
  bool raw_values = false;  // BSCALE/BZERO switched off (ignored, as Siril does)
};

Plan plan_decoding(int bitpix, const std::vector<Card>& cards) {
  Plan plan;
  const std::optional<double> bzero = card_number(cards, "BZERO");
  const std::optional<double> bscale = card_number(cards, "BSCALE");
  const bool scaled = bscale && *bscale != 1.0;
  const bool whole_zero = !bzero || (std::floor(*bzero) == *bzero && std::fabs(*bzero) <= 1073741824.0);
  switch (bitpix) {
    case BYTE_IMG:
      plan.raw_values = scaled;
      plan.decoding.divisor = 255.0;
      plan.decoding.integers = scaled || whole_zero;
      break;
    case SHORT_IMG:
      plan.decoding.divisor = 65535.0;
      plan.decoding.integers = scaled || whole_zero;
      if (scaled) {
        plan.raw_values = true;
        plan.decoding.offset = 32768.0;
      } else if (!bzero) {
        plan.rule = Rule::ShortSigned;
      } else if (*bzero == 0.0) {
        plan.decoding.offset = 32768.0;
      } else if (*bzero == 32768.0) {
        plan.decoding.unsigned16 = true;
      }
      break;
    case LONG_IMG:
      plan.raw_values = scaled;
      if (!scaled && bzero && *bzero == 2147483648.0) {
        plan.decoding.divisor = 4294967295.0;
      } else if (auto datamax = card_number(cards, "DATAMAX"); datamax && *datamax > 0.0) {
        plan.decoding.divisor = *datamax;
      } else {
        plan.rule = Rule::MinMax;
      }
      break;
    default: {  // FLOAT_IMG, DOUBLE_IMG
      plan.raw_values = scaled || (bzero && *bzero != 0.0);
      if (auto datamax = card_number(cards, "DATAMAX")) {
        if (*datamax > 2.0) plan.decoding.divisor = 65535.0;
      } else if (!written_by_siril(cards)) {
        plan.rule = Rule::FloatAduScale;
      }
      break;
    }
  }
  return plan;
}

Decoding finish_decoding(const Plan& plan, const Range& range) {
  Decoding decoding = plan.decoding;
  switch (plan.rule) {
    case Rule::Fixed: break;
    case Rule::ShortSigned:
      decoding.offset = range.finite > 0 && range.min < 0.0 ? 32768.0 : 0.0;
      break;
    case Rule::MinMax:
      if (range.finite > 0 && range.max > range.min) {
        decoding.offset = -range.min;
        decoding.divisor = range.max - range.min;
      } else {
        // A constant image has no range to stretch: it reads as 0.
        decoding.offset = range.finite > 0 ? -range.min : 0.0;
        decoding.divisor = 1.0;
      }
      break;
    case Rule::FloatAduScale:
      decoding.divisor = range.finite > 0 && range.max > 2.0 ? 65535.0 : 1.0;
      break;
  }
  return decoding;
}

FitsLayout layout_with(FitsLayout layout, const Decoding& decoding) {
  layout.scale = 1.0 / decoding.divisor;
  return layout;
}

// Moves to the first image HDU with NAXIS > 0 and checks that astropack can read it.
FitsLayout locate_image(fitsfile* fits, const fs::path& file) {
  FitsLayout layout;
  int status = 0;
  int bitpix = 0;
  int naxis = 0;
  long long naxes[3] = {0, 0, 0};
  bool compressed = false;
  bool found = false;
  long long data_start = 0;
  long long last_end = 0;  // where the last HDU read completely ends
  {
    Lock lock(cfitsio_mutex());
    for (int hdu = 1;; ++hdu) {
      int type = 0;
      fits_movabs_hdu(fits, hdu, &type, &status);
      if (status != 0) break;
      long long head_start = 0, start = 0;
      fits_get_hduaddrll(fits, &head_start, &start, &last_end, &status);
      if (status != 0) break;
      if (type != IMAGE_HDU) continue;
      fits_get_img_paramll(fits, 3, &bitpix, &naxis, naxes, &status);
      if (status != 0) break;
      if (naxis > 0) {
        layout.hdu = hdu;
        found = true;
        break;
      }
    }
    if (status == 0) {
      compressed = fits_is_compressed_image(fits, &status) != 0;
      long long head_start = 0, data_end = 0;
      fits_get_hduaddrll(fits, &head_start, &data_start, &data_end, &status);
    }
    if (status != 0) fits_clear_errmsg();
  }
  if (!found && status == END_OF_FILE) {
    std::error_code ec;
    const auto file_size = fs::file_size(file, ec);
    // Bytes after the last complete HDU: a damaged extension rather than no image at all.
    if (!ec && static_cast<long long>(file_size) > last_end) throw_read_error(file, status);
    throw Error(ErrorKind::InvalidInput, file,
                "has no image: none of its parts (HDUs) holds pixel data.");
  }
  if (status != 0) throw_read_error(file, status);

  layout.bitpix = bitpix;
  if (bitpix == LONGLONG_IMG) {
    throw Error(ErrorKind::Unsupported, file,
                "has 64-bit integer pixels (BITPIX 64), which astropack and Siril do not read; "
                "save it as 32-bit float instead.");
  }
  if (naxis > 3) {
    throw Error(ErrorKind::Unsupported, file,
                "has " + std::to_string(naxis) +
                    " axes; astropack reads 2-D mono images and 3-plane colour images only.");
  }
  if (naxis == 1) {
    throw Error(ErrorKind::Unsupported, file,
                "holds a 1-D array (NAXIS = 1), not an image.");
  }
  for (int axis = 0; axis < naxis; ++axis) {
    if (naxes[axis] <= 0) {
      throw Error(ErrorKind::InvalidInput, file,
                  "has an empty image: NAXIS" + std::to_string(axis + 1) + " is 0.");
    }
  }
  const long long planes = naxis == 3 ? naxes[2] : 1;
  if (planes != 1 && planes != 3) {
    throw Error(ErrorKind::Unsupported, file,
                "has " + std::to_string(planes) +
                    " image planes; astropack reads mono (1 plane) and RGB (3 planes) only.");
  }
  layout.width = static_cast<std::size_t>(naxes[0]);
  layout.height = static_cast<std::size_t>(naxes[1]);
  layout.channels = static_cast<std::size_t>(planes);

  // Refuse a header that claims more than a computer can hold before allocating anything.
  const long double samples = static_cast<long double>(naxes[0]) * naxes[1] * planes;
  if (samples > static_cast<long double>(std::size_t{1} << 40)) {
    throw Error(ErrorKind::InvalidInput, file,
                "claims an image of " + size_text(layout) +
                    " pixels, which is too large to be real; the file is damaged.");
  }
  if (!compressed) {
    std::error_code ec;
    const auto file_size = static_cast<long double>(fs::file_size(file, ec));
    const long double needed = data_start + samples * (std::abs(bitpix) / 8);
    if (!ec && needed > file_size)
      throw Error(ErrorKind::InvalidInput, file, truncated_sentence(layout));
    // CFITSIO (so Siril too) reads whole 2880-byte blocks and fails on a short last one.
    const long double padded = data_start + std::ceil((needed - data_start) / 2880.0L) * 2880.0L;
    if (!ec && padded > file_size) {
      throw Error(ErrorKind::InvalidInput, file,
                  "is truncated: its pixels end without the padding that completes the last "
                  "2880-byte FITS block; save it again with a program that writes valid FITS.");
    }
  }
  return layout;
}

// Reads the stored values of rows [first_row, first_row + rows) of one plane; writes
// float((v + offset) / divisor) to `out` (rows `out_stride` floats apart) when it is not
// null, and adds every value to `range` when it is not null.
template <typename T>
void read_plane_rows_as(int type, fitsfile* fits, const fs::path& file, const FitsLayout& layout,
                        std::size_t plane, std::size_t first_row, std::size_t rows,
                        const Decoding& decoding, float* out, std::size_t out_stride,
                        Range* range) {
  const std::size_t width = layout.width;
  const std::size_t chunk_rows = std::max<std::size_t>(1, kReadChunkSamples / width);
  // One buffer per thread, kept from call to call: a stacker reads thousands of
  // bands, and a fresh buffer each time costs an allocation and its page faults.
  thread_local std::vector<T> buffer;
  const std::size_t needed = std::min(rows, chunk_rows) * width;
  if (buffer.size() < needed) buffer.resize(needed);
  for (std::size_t done = 0; done < rows;) {
    const std::size_t count = std::min(chunk_rows, rows - done);
    long long first[3] = {1, static_cast<long long>(first_row + done + 1),
                          static_cast<long long>(plane + 1)};
    int status = 0;
    int any_null = 0;
    {
      std::unique_lock lock(cfitsio_mutex(), std::defer_lock);
      if (pixel_reads_need_lock()) lock.lock();
      fits_read_pixll(fits, type, first, static_cast<long long>(count * width), nullptr,
                      buffer.data(), &any_null, &status);
      if (status != 0) fits_clear_errmsg();
    }
    if (status != 0) throw_read_error(file, status, &layout);
    for (std::size_t r = 0; r < count; ++r) {
      const T* source = buffer.data() + r * width;
      if (range != nullptr)
        for (std::size_t x = 0; x < width; ++x) range->add(double(source[x]));
      if (out == nullptr) continue;
      float* target = out + (done + r) * out_stride;
      for (std::size_t x = 0; x < width; ++x)
        target[x] = static_cast<float>((double(source[x]) + decoding.offset) / decoding.divisor);
    }
    done += count;
  }
}

// Unsigned 16-bit rows: each of the 65536 values has one result, computed
// once per decoding as (value + offset) / divisor in double like the others.
void read_plane_rows_u16(fitsfile* fits, const fs::path& file, const FitsLayout& layout,
                         std::size_t plane, std::size_t first_row, std::size_t rows,
                         const Decoding& decoding, float* out, std::size_t out_stride) {
  thread_local std::vector<float> table;
  thread_local Decoding table_decoding;
  if (table.empty() || table_decoding.offset != decoding.offset ||
      table_decoding.divisor != decoding.divisor) {
    table.resize(65536);
    for (std::size_t v = 0; v < table.size(); ++v)
      table[v] = static_cast<float>((double(v) + decoding.offset) / decoding.divisor);
    table_decoding = decoding;
  }
  const std::size_t width = layout.width;
  const std::size_t chunk_rows = std::max<std::size_t>(1, kReadChunkSamples / width);
  thread_local std::vector<unsigned short> buffer;
  const std::size_t needed = std::min(rows, chunk_rows) * width;
  if (buffer.size() < needed) buffer.resize(needed);
  for (std::size_t done = 0; done < rows;) {
    const std::size_t count = std::min(chunk_rows, rows - done);
    long long first[3] = {1, static_cast<long long>(first_row + done + 1),
                          static_cast<long long>(plane + 1)};
    int status = 0;
    int any_null = 0;
    {
      std::unique_lock lock(cfitsio_mutex(), std::defer_lock);
      if (pixel_reads_need_lock()) lock.lock();
      fits_read_pixll(fits, TUSHORT, first, static_cast<long long>(count * width), nullptr,
                      buffer.data(), &any_null, &status);
      if (status != 0) fits_clear_errmsg();
    }
    if (status != 0) throw_read_error(file, status, &layout);
    for (std::size_t r = 0; r < count; ++r) {
      const unsigned short* source = buffer.data() + r * width;
      float* target = out + (done + r) * out_stride;
      for (std::size_t x = 0; x < width; ++x) target[x] = table[source[x]];
    }
    done += count;
  }
}

void read_plane_rows(fitsfile* fits, const fs::path& file, const FitsLayout& layout,
                     std::size_t plane, std::size_t first_row, std::size_t rows,
                     const Decoding& decoding, float* out, std::size_t out_stride,
                     Range* range) {
  if (decoding.unsigned16 && out != nullptr && range == nullptr) {
    read_plane_rows_u16(fits, file, layout, plane, first_row, rows, decoding, out, out_stride);
  } else if (decoding.integers) {
    read_plane_rows_as<int>(TINT, fits, file, layout, plane, first_row, rows, decoding, out,
                            out_stride, range);
  } else {
    read_plane_rows_as<double>(TDOUBLE, fits, file, layout, plane, first_row, rows, decoding,
                               out, out_stride, range);
  }
}

// One pass over every value, for the rules that depend on the data.
Range scan_values(fitsfile* fits, const fs::path& file, const FitsLayout& layout) {
  Range range;
  for (std::size_t c = 0; c < layout.channels; ++c)
    read_plane_rows(fits, file, layout, c, 0, layout.height, {}, nullptr, 0, &range);
  return range;
}

void switch_off_scaling(fitsfile* fits, const fs::path& file) {
  int status = 0;
  {
    Lock lock(cfitsio_mutex());
    fits_set_bscale(fits, 1.0, 0.0, &status);
    if (status != 0) fits_clear_errmsg();
  }
  if (status != 0) throw_read_error(file, status);
}

struct Opened {
  FitsHandle handle;
  FitsLayout layout;
  std::vector<Card> cards;
  Plan plan;
};

Opened open_image(const fs::path& file) {
  Opened opened{FitsHandle::open_read(file), {}, {}, {}};
  opened.layout = locate_image(opened.handle.get(), file);
  opened.cards = read_cards(opened.handle.get(), file);
  opened.plan = plan_decoding(opened.layout.bitpix, opened.cards);
  if (opened.plan.raw_values) switch_off_scaling(opened.handle.get(), file);
  return opened;
}

// ---------------------------------------------------------------------------------------------
// Writing

bool is_fits_value_text(std::string_view value) {
  if (value.empty()) return false;
  if (value.front() == '\'') return value.size() >= 2 && value.back() == '\'';
  if (value == "T" || value == "F") return true;
  if (value.front() == '(' && value.back() == ')') return true;  // complex
  return parse_number(value).has_value();
}

// FITS headers are printable ASCII.
std::string printable(std::string_view text) {
  std::string result(text);
  for (char& ch : result)
    if (static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126) ch = '?';
  return result;
}

std::string upper(std::string_view text) {
  std::string result = printable(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  return result;
}

void write_record(fitsfile* fits, const std::string& record, const fs::path& file) {
  int status = 0;
  {
    Lock lock(cfitsio_mutex());
    fits_write_record(fits, record.c_str(), &status);
    if (status != 0) fits_clear_errmsg();
  }
  if (status == BAD_KEYCHAR || status == BAD_ORDER) {
    std::string sentence = "cannot store the header card \"";
    sentence.append(record.substr(0, 8)).append("\" in FITS; rename or remove it.");
    throw Error(ErrorKind::InvalidArgument, file, sentence);
  }
  if (status != 0) throw_write_error(file, status);
}

// Writes one card as an 80-character record; long strings go on CONTINUE cards.
void write_card(fitsfile* fits, const Card& card, const fs::path& file) {
  const std::string keyword = upper(card.keyword);
  const std::string comment = printable(card.comment);
  if (is_commentary(keyword) || card.value.empty()) {
    // Commentary text fills columns 9-80; longer text is split over several cards.
    std::string key = keyword;
    key.resize(8, ' ');
    std::size_t start = 0;
    do {
      write_record(fits, key + comment.substr(start, 72), file);
      start += 72;
    } while (start < comment.size());
    return;
  }
  std::string value = printable(card.value);
  if (!is_fits_value_text(value)) value = make_card(keyword, value).value;
  const bool is_string = value.front() == '\'';

  std::string record;
  if (keyword.size() > 8 || keyword.find(' ') != std::string::npos) {
    record = "HIERARCH ";
    record.append(keyword).append(" = ").append(value);
  } else {
    record = keyword;
    record.resize(8, ' ');
    record.append("= ");
    if (is_string) {
      // Fixed format: the closing quote in column 20 or later.
      std::string padded = value.substr(0, value.size() - 1);
      if (padded.size() < 9) padded.resize(9, ' ');
      record.append(padded).append("'");
    } else {
      if (value.size() < 20) record.append(20 - value.size(), ' ');
      record.append(value);
    }
  }
  if (record.size() > 80) {
    if (is_string && keyword.size() <= 8) {
      int status = 0;
      const std::string text = unquote_fits_string(value);
      {
        Lock lock(cfitsio_mutex());
        fits_write_key_longstr(fits, keyword.c_str(), text.c_str(),
                               comment.empty() ? nullptr : comment.c_str(), &status);
        if (status != 0) fits_clear_errmsg();
      }
      if (status != 0) throw_write_error(file, status);
      return;
    }
    std::string sentence = "cannot store the header card \"";
    sentence.append(keyword).append("\" in FITS: its value is too long.");
    throw Error(ErrorKind::InvalidArgument, file, sentence);
  }
  if (!comment.empty() && record.size() + 3 < 80) record.append(" / ").append(comment);
  record.resize(std::min<std::size_t>(record.size(), 80));
  write_record(fits, record, file);
}

// CFITSIO adds two COMMENT cards about the FITS standard to a new HDU; the header written
// is only the one given, so a read-write cycle does not pile them up.
void remove_default_comments(fitsfile* fits, const fs::path& file) {
  int status = 0;
  Lock lock(cfitsio_mutex());
  for (int record = 1;; ) {
    char card[FLEN_CARD] = {};
    fits_read_record(fits, record, card, &status);
    if (status != 0) break;
    const std::string_view text(card);
    if (text.starts_with("COMMENT") &&
        (text.find("FITS (Flexible Image Transport System)") != std::string_view::npos ||
         text.find("and Astrophysics', volume 376") != std::string_view::npos)) {
      fits_delete_record(fits, record, &status);
      if (status != 0) break;
    } else {
      ++record;
    }
  }
  if (status == KEY_OUT_BOUNDS) status = 0;
  fits_clear_errmsg();
  if (status != 0) throw_write_error(file, status);
}

// The header records of the current HDU as they go to disk: 80-byte cards, END, and
// blanks up to a whole 2880-byte block.
std::string header_block(fitsfile* fits, const fs::path& file) {
  int status = 0, count = 0;
  std::string block;
  {
    Lock lock(cfitsio_mutex());
    fits_get_hdrspace(fits, &count, nullptr, &status);
    for (int record = 1; record <= count && status == 0; ++record) {
      char card[FLEN_CARD] = {};
      fits_read_record(fits, record, card, &status);
      std::string text(card);
      text.resize(80, ' ');
      block.append(text);
    }
    if (status != 0) fits_clear_errmsg();
  }
  if (status != 0) throw_write_error(file, status);
  std::string end = "END";
  end.resize(80, ' ');
  block.append(end);
  block.resize((block.size() + 2879) / 2880 * 2880, ' ');
  return block;
}

// Writes all of `bytes`, however many calls it takes.
void write_all(int fd, const char* bytes, std::size_t size, const fs::path& file) {
  while (size > 0) {
    const ssize_t done = ::write(fd, bytes, size);
    if (done < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::Unwritable, file,
                  "could not be written (" + std::string(std::strerror(errno)) +
                      "); check the free disk space.");
    }
    bytes += done;
    size -= static_cast<std::size_t>(done);
  }
}

// The FITS file: the header block, then the data unit, big-endian, in a few large
// writes (CFITSIO would write it a few kilobytes at a time, holding its global lock),
// then zeros up to a whole block.
void write_fits_bytes(const fs::path& temporary, const std::string& header, ConstImageView pixels,
                      SampleFormat format, const fs::path& file) {
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    throw Error(ErrorKind::Unwritable, file,
                "could not be written (" + std::string(std::strerror(errno)) + ").");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  write_all(fd, header.data(), header.size(), file);

  const std::size_t width = pixels.width();
  const std::size_t sample = format == SampleFormat::UInt16 ? 2 : 4;
  const std::size_t chunk_rows = std::max<std::size_t>(1, kChunkSamples / width);
  std::vector<char> buffer(chunk_rows * width * sample);
  std::size_t data_bytes = 0;
  for (std::size_t c = 0; c < pixels.channels(); ++c) {
    for (std::size_t y = 0; y < pixels.height(); y += chunk_rows) {
      const std::size_t rows = std::min(chunk_rows, pixels.height() - y);
      for (std::size_t r = 0; r < rows; ++r) {
        const float* source = pixels.row(c, y + r);
        char* target = buffer.data() + r * width * sample;
        if (format == SampleFormat::UInt16) {
          for (std::size_t x = 0; x < width; ++x) {
            const double adu = static_cast<double>(source[x]) * 65535.0;
            // NaN becomes 0, as Siril's conversion to 16 bits does.
            const double clipped = std::isnan(adu) ? 0.0 : std::clamp(adu, 0.0, 65535.0);
            // Stored as value - BZERO (32768), a signed 16-bit number.
            const auto stored =
                static_cast<std::uint16_t>(static_cast<std::uint16_t>(std::lround(clipped)) ^ 0x8000u);
            target[2 * x] = static_cast<char>(stored >> 8);
            target[2 * x + 1] = static_cast<char>(stored & 0xFF);
          }
        } else {
          for (std::size_t x = 0; x < width; ++x) {
            std::uint32_t bits;
            std::memcpy(&bits, source + x, sizeof bits);
            bits = __builtin_bswap32(bits);
            std::memcpy(target + 4 * x, &bits, sizeof bits);
          }
        }
      }
      write_all(fd, buffer.data(), rows * width * sample, file);
      data_bytes += rows * width * sample;
    }
  }
  const std::string fill((2880 - data_bytes % 2880) % 2880, '\0');
  write_all(fd, fill.data(), fill.size(), file);
  if (::close(fd) != 0) {
    closer.fd = -1;
    throw Error(ErrorKind::Unwritable, file,
                "could not be written (" + std::string(std::strerror(errno)) +
                    "); check the free disk space.");
  }
  closer.fd = -1;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Image read_fits(const fs::path& file) {
  Opened opened = open_image(file);
  const FitsLayout& layout = opened.layout;
  Image image;
  try {
    image = Image(layout.width, layout.height, layout.channels);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::InvalidInput, file,
                "holds an image of " + size_text(layout) +
                    " pixels, too large for the memory of this computer.");
  }
  fitsfile* fits = opened.handle.get();
  const Plan& plan = opened.plan;
  Decoding decoding = plan.decoding;
  if (plan.rule != Rule::Fixed) {
    // 8/16-bit and float32 values are exact in float: read once, then apply the decision.
    // Wider types are scanned first so that nothing is rounded twice.
    const bool exact_in_float =
        layout.bitpix == BYTE_IMG || layout.bitpix == SHORT_IMG || layout.bitpix == FLOAT_IMG;
    if (exact_in_float) {
      Range range;
      for (std::size_t c = 0; c < layout.channels; ++c)
        read_plane_rows(fits, file, layout, c, 0, layout.height, {}, image.plane(c),
                        layout.width, &range);
      decoding = finish_decoding(plan, range);
      if (decoding.offset != 0.0 || decoding.divisor != 1.0) {
        for (float& value : image.samples())
          value = static_cast<float>((double(value) + decoding.offset) / decoding.divisor);
      }
      image.header() = Header::from_cards(opened.cards);
      return image;
    }
    decoding = finish_decoding(plan, scan_values(fits, file, layout));
  }
  for (std::size_t c = 0; c < layout.channels; ++c)
    read_plane_rows(fits, file, layout, c, 0, layout.height, decoding, image.plane(c),
                    layout.width, nullptr);
  image.header() = Header::from_cards(opened.cards);
  return image;
}

FitsInfo read_fits_info(const fs::path& file) {
  Opened opened = open_image(file);
  // The header alone decides; where the data would have to be scanned, this is the
  // scale before that decision (read_fits and FitsBandReader apply the final one).
  return {layout_with(opened.layout, opened.plan.decoding), Header::from_cards(opened.cards)};
}

struct FitsBandReader::State {
  fs::path file;
  FitsHandle handle;
  FitsLayout layout;
  Header header;
  Decoding decoding;
};

FitsBandReader::FitsBandReader(const fs::path& file) : m_state(std::make_unique<State>()) {
  Opened opened = open_image(file);
  Decoding decoding = opened.plan.decoding;
  if (opened.plan.rule != Rule::Fixed)
    decoding = finish_decoding(opened.plan, scan_values(opened.handle.get(), file, opened.layout));
  m_state->file = file;
  m_state->layout = layout_with(opened.layout, decoding);
  m_state->header = Header::from_cards(opened.cards);
  m_state->decoding = decoding;
  m_state->handle = std::move(opened.handle);
}

FitsBandReader::~FitsBandReader() = default;
FitsBandReader::FitsBandReader(FitsBandReader&&) noexcept = default;
FitsBandReader& FitsBandReader::operator=(FitsBandReader&&) noexcept = default;

const FitsLayout& FitsBandReader::layout() const noexcept { return m_state->layout; }
const Header& FitsBandReader::header() const noexcept { return m_state->header; }
const fs::path& FitsBandReader::file() const noexcept { return m_state->file; }

void FitsBandReader::read_rows(std::size_t first_row, ImageView out) {
  const FitsLayout& layout = m_state->layout;
  if (out.width() != layout.width || out.channels() != layout.channels ||
      first_row > layout.height || out.height() > layout.height - first_row) {
    throw Error(ErrorKind::InvalidArgument, m_state->file,
                "a band of rows was asked for outside the image or with the wrong shape.");
  }
  for (std::size_t c = 0; c < layout.channels; ++c)
    read_plane_rows(m_state->handle.get(), m_state->file, layout, c, first_row, out.height(),
                    m_state->decoding, out.row(c, 0), out.row_stride(), nullptr);
}

void write_fits(const fs::path& file, ConstImageView pixels, const Header& header,
                SampleFormat format) {
  if (pixels.empty() || (pixels.channels() != 1 && pixels.channels() != 3)) {
    throw Error(ErrorKind::InvalidArgument, file,
                "cannot be written: FITS images here have 1 or 3 channels and at least 1 pixel.");
  }
  OutputFile out(file);
  // The header is made by CFITSIO in memory; the file is written here.
  FitsHandle handle = FitsHandle::create_in_memory(file);
  fitsfile* fits = handle.get();

  long long axes[3] = {static_cast<long long>(pixels.width()),
                       static_cast<long long>(pixels.height()),
                       static_cast<long long>(pixels.channels())};
  const int naxis = pixels.channels() == 3 ? 3 : 2;
  int status = 0;
  {
    Lock lock(cfitsio_mutex());
    // USHORT_IMG is BITPIX 16 with BZERO 32768 and BSCALE 1, as Siril writes 16-bit data.
    fits_create_imgll(fits, format == SampleFormat::UInt16 ? USHORT_IMG : FLOAT_IMG, naxis,
                      axes, &status);
    if (status != 0) fits_clear_errmsg();
  }
  if (status != 0) throw_write_error(file, status);
  remove_default_comments(fits, file);
  if (format == SampleFormat::Float32) {
    // Siril writes both on float data too.
    write_record(fits, "BZERO   =                   0. / zero point of the data", file);
    write_record(fits, "BSCALE  =                   1. / default scaling factor", file);
  }
  std::vector<Card> cards = header.to_cards();
  std::erase_if(cards, [](const Card& card) { return is_structural_keyword(card.keyword); });
  // PROGRAM goes before the closing HISTORY cards, where Siril puts it.
  auto history = cards.end();
  while (history != cards.begin() && std::prev(history)->keyword == "HISTORY") --history;
  cards.insert(history, make_card("PROGRAM", "astropack " ASTROPACK_VERSION,
                                  "Software that created this HDU"));
  for (const Card& card : cards) write_card(fits, card, file);
  const std::string block = header_block(fits, file);
  {
    // Without data the memory file closes at once (it would fill its data unit with zeros).
    Lock lock(cfitsio_mutex());
    fits_update_key_lng(fits, "NAXIS", 0, nullptr, &status);
    if (status != 0) fits_clear_errmsg();
  }
  if (status != 0) throw_write_error(file, status);
  if (const int close_status = handle.close(); close_status != 0)
    throw_write_error(file, close_status);
  write_fits_bytes(out.temporary(), block, pixels, format, file);
  out.commit();
}

bool has_fits_extension(const fs::path& file) {
  std::string name = file.filename().string();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (std::string_view extension : {".fit", ".fits", ".fts", ".fz"})
    if (name.size() > extension.size() && name.ends_with(extension)) return true;
  return false;
}

}  // namespace astropack
