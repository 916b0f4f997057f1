// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/seq.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>

#include "astropack/error.hpp"
#include "astropack/output_file.hpp"

namespace astropack {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Sequence

int Sequence::first_number() const {
  if (frames.empty()) return 0;
  return std::min_element(frames.begin(), frames.end(),
                          [](const SeqFrame& a, const SeqFrame& b) {
                            return a.file_number < b.file_number;
                          })
      ->file_number;
}

int Sequence::selected_count() const {
  return static_cast<int>(std::count_if(frames.begin(), frames.end(),
                                        [](const SeqFrame& f) { return f.included; }));
}

std::string Sequence::frame_file_name(std::size_t index, std::string_view ext) const {
  if (index >= frames.size()) {
    throw Error(ErrorKind::InvalidArgument,
                "frame " + std::to_string(index) + " does not exist in sequence " + name + ".");
  }
  std::string file_name = name;
  if (type != SeqType::FitsCube) {
    std::string digits = std::to_string(frames[index].file_number);
    if (fixed_digits > 0 && digits.size() < static_cast<std::size_t>(fixed_digits)) {
      file_name.append(static_cast<std::size_t>(fixed_digits) - digits.size(), '0');
    }
    file_name.append(digits);
  }
  file_name.append(ext);
  return file_name;
}

fs::path seq_path(const fs::path& folder, const std::string& name) {
  std::string file_name = name;
  file_name.append(".seq");
  return folder / file_name;
}

namespace {

// astropack's registration transform of frame <index> (0-based, I-line order),
// reference -> frame coordinates, row-major (transform.hpp).
constexpr std::string_view kTransformPrefix = "#astropack-H";
constexpr std::string_view kTransformComment =
    "#astropack-H index h00 h01 h02 h10 h11 h12 h20 h21 h22: homography from reference to "
    "frame pixels (x = column, y = stored row, pixel centres at integers)\n";

// ---------------------------------------------------------------------------------------------
// Writing

// printf("%f") and printf("%g") in the C locale, whatever the process locale is.
std::string fixed6(double value) {
  std::array<char, 64> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value,
                                    std::chars_format::fixed, 6);
  return std::string(text.data(), result.ptr);
}

// The shortest text that reads back as exactly the same double.
std::string exact(double value) {
  std::array<char, 64> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  return std::string(text.data(), result.ptr);
}

std::string general6(double value) {
  std::array<char, 64> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value,
                                    std::chars_format::general, 6);
  return std::string(text.data(), result.ptr);
}

[[noreturn]] void refuse(const fs::path& file, std::string sentence) {
  throw Error(ErrorKind::InvalidArgument, file, std::move(sentence));
}

void validate(const fs::path& file, const Sequence& seq) {
  if (seq.name.empty()) refuse(file, "cannot be written: the sequence has no name.");
  for (const char c : seq.name) {
    if (c == '\'' || c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      refuse(file, "cannot be written: the sequence name '" + seq.name +
                       "' contains a quote, a slash or a control character, which Siril "
                       "cannot read back; choose a plain name.");
    }
  }
  if (seq.frames.empty()) refuse(file, "cannot be written: the sequence has no frames.");
  const auto count = static_cast<long long>(seq.frames.size());
  if (seq.reference < -1 || seq.reference >= count) {
    refuse(file, "cannot be written: the reference frame index " + std::to_string(seq.reference) +
                     " is outside the sequence (0 to " + std::to_string(count - 1) +
                     ", or -1 for none).");
  }
  if (seq.layers != -1 && seq.layers != 1 && seq.layers != 3) {
    refuse(file, "cannot be written: a sequence has 1 or 3 layers (or -1 if unknown), not " +
                     std::to_string(seq.layers) + ".");
  }
  if (seq.fixed_digits < 0) {
    refuse(file, "cannot be written: the number of digits in the file names is negative.");
  }
  if (!(seq.upscale > 0.0) || !std::isfinite(seq.upscale)) {
    refuse(file, "cannot be written: the upscale factor must be a positive number.");
  }
  std::set<int> numbers;
  const bool registered = !seq.frames.front().registration.empty();
  for (std::size_t i = 0; i < seq.frames.size(); ++i) {
    const SeqFrame& frame = seq.frames[i];
    if (frame.file_number < 0) {
      refuse(file, "cannot be written: frame " + std::to_string(i) +
                       " has a negative file number.");
    }
    if (!numbers.insert(frame.file_number).second) {
      refuse(file, "cannot be written: file number " + std::to_string(frame.file_number) +
                       " appears twice.");
    }
    const std::size_t entries = frame.registration.size();
    if (registered && (seq.layers < 1 || entries != static_cast<std::size_t>(seq.layers))) {
      refuse(file, "cannot be written: frame " + std::to_string(i) + " has registration data for " +
                       std::to_string(entries) + " layers, but every frame needs one entry per "
                       "layer of the sequence (" + std::to_string(seq.layers) + ").");
    }
    if (!registered && entries != 0) {
      refuse(file, "cannot be written: some frames have registration data and others do not.");
    }
    for (const SeqRegistration& r : frame.registration) {
      if (!std::isfinite(r.shift_x) || !std::isfinite(r.shift_y)) {
        refuse(file, "cannot be written: frame " + std::to_string(i) +
                         " has a shift that is not a finite number.");
      }
    }
    if (frame.transform) {
      for (const double h : frame.transform->matrix()) {
        if (!std::isfinite(h)) {
          refuse(file, "cannot be written: frame " + std::to_string(i) +
                           " has a registration transform that is not finite.");
        }
      }
    }
  }
}

std::string seq_text(const Sequence& seq) {
  std::string text;
  text.append("#Siril sequence file. Contains list of files (images), selection, and "
              "registration data\n");
  text.append("#S 'sequence_name' start_index nb_images nb_selected fixed_len reference_image "
              "version\n");
  text.append("S '").append(seq.name).append("' ");
  text.append(std::to_string(seq.first_number())).append(" ");
  text.append(std::to_string(seq.frames.size())).append(" ");
  text.append(std::to_string(seq.selected_count())).append(" ");
  text.append(std::to_string(seq.fixed_digits)).append(" ");
  text.append(std::to_string(seq.reference)).append(" 3\n");
  switch (seq.type) {
    case SeqType::Regular: break;
    case SeqType::FitsCube: text.append("TF\n"); break;
    case SeqType::Ser: text.append("TS\n"); break;
    case SeqType::Film: text.append("TA\n"); break;
  }
  if (seq.upscale != 1.0) text.append("U ").append(fixed6(seq.upscale)).append("\n");
  text.append("L ").append(std::to_string(seq.layers)).append("\n");
  for (const SeqFrame& frame : seq.frames) {
    text.append("I ").append(std::to_string(frame.file_number));
    text.append(frame.included ? " 1\n" : " 0\n");
  }
  if (!seq.frames.front().registration.empty()) {
    for (int layer = 0; layer < seq.layers; ++layer) {
      for (const SeqFrame& frame : seq.frames) {
        const SeqRegistration& r = frame.registration[static_cast<std::size_t>(layer)];
        text.append("R").append(std::to_string(layer)).append(" ");
        text.append(fixed6(r.shift_x)).append(" ").append(fixed6(r.shift_y)).append(" ");
        text.append(general6(r.fwhm)).append(" ").append(general6(r.weighted_fwhm)).append(" ");
        text.append(general6(r.roundness)).append(" ").append(general6(r.quality)).append("\n");
      }
    }
  }
  // Full transforms in comment lines, which Siril skips: version 3 has no room for them.
  const bool any_transform = std::any_of(seq.frames.begin(), seq.frames.end(),
                                         [](const SeqFrame& f) { return f.transform.has_value(); });
  if (any_transform) text.append(kTransformComment);
  for (std::size_t i = 0; i < seq.frames.size(); ++i) {
    if (!seq.frames[i].transform) continue;
    text.append(kTransformPrefix).append(" ").append(std::to_string(i));
    for (const double h : seq.frames[i].transform->matrix()) text.append(" ").append(exact(h));
    text.append("\n");
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Reading

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

std::string_view without_plus(std::string_view word) {
  if (word.size() > 1 && word.front() == '+') word.remove_prefix(1);
  return word;
}

std::optional<long long> parse_integer(std::string_view word) {
  word = without_plus(word);
  long long value = 0;
  const auto result = std::from_chars(word.data(), word.data() + word.size(), value);
  if (result.ec != std::errc() || result.ptr != word.data() + word.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_real(std::string_view word) {
  word = without_plus(word);
  double value = 0.0;
  const auto result = std::from_chars(word.data(), word.data() + word.size(), value);
  if (result.ec != std::errc() || result.ptr != word.data() + word.size()) return std::nullopt;
  return value;
}

class SeqParser {
 public:
  explicit SeqParser(const fs::path& file) : m_file(file) {}

  Sequence parse(std::istream& in) {
    std::string line;
    while (std::getline(in, line)) {
      ++m_line;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.starts_with(kTransformPrefix) &&
          (line.size() == kTransformPrefix.size() || line[kTransformPrefix.size()] == ' ')) {
        parse_transform(line);
        continue;
      }
      if (line.empty() || line[0] == '#') continue;
      switch (line[0]) {
        case 'S': parse_s(line); break;
        case 'T': parse_t(line); break;
        case 'U': parse_u(line); break;
        case 'L': parse_l(line); break;
        case 'I': parse_i(line); break;
        case 'R': parse_r(line); break;
        default: break;  // M (cached statistics), D, O, E and later additions
      }
    }
    return finish();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::string sentence = "line ";
    sentence.append(std::to_string(m_line)).append(": ").append(what);
    sentence.append("; the file is not a valid Siril sequence.");
    throw Error(ErrorKind::InvalidInput, m_file, sentence);
  }
  [[noreturn]] void fail_whole(const std::string& what) const {
    std::string sentence = what;
    sentence.append("; the file is not a valid Siril sequence.");
    throw Error(ErrorKind::InvalidInput, m_file, sentence);
  }

  long long integer(std::string_view word, const char* what) const {
    const auto value = parse_integer(word);
    if (!value) fail(std::string("'").append(word).append("' is not a valid ").append(what));
    return *value;
  }
  double real(std::string_view word, const char* what) const {
    const auto value = parse_real(word);
    if (!value) fail(std::string("'").append(word).append("' is not a valid ").append(what));
    return *value;
  }
  void require_s(char letter) const {
    if (!m_have_s) {
      fail(std::string("the ").append(1, letter).append(" line comes before the S line"));
    }
  }

  void parse_s(const std::string& line) {
    if (m_have_s) fail("a second S line");
    std::string_view rest(line);
    rest.remove_prefix(1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    if (rest.empty()) fail("the S line has no sequence name");
    if (rest.front() == '\'') {
      const std::size_t close = rest.find('\'', 1);
      if (close == std::string_view::npos) fail("the sequence name has no closing quote");
      m_seq.name = std::string(rest.substr(1, close - 1));
      rest.remove_prefix(close + 1);
    } else {
      const std::size_t end = rest.find_first_of(" \t");
      m_seq.name = std::string(rest.substr(0, end));
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    const auto words = split_words(rest);
    if (words.size() < 6) {
      fail("the S line needs six numbers after the name (start, images, selected, digits, "
           "reference, version)");
    }
    integer(words[0], "start index");
    m_number = integer(words[1], "image count");
    integer(words[2], "selected count");  // recomputed from the I lines, as Siril does
    const long long fixed = integer(words[3], "number of digits");
    const long long reference = integer(words[4], "reference image");
    m_version = integer(words[5], "version");
    if (m_number <= 0) fail("the S line declares " + std::to_string(m_number) + " images");
    if (m_number > 10'000'000) fail("the S line declares an implausible number of images");
    if (fixed < 0 || fixed > 12) fail("the S line gives " + std::to_string(fixed) + " digits");
    if (reference < -1 || reference >= m_number) {
      fail("the reference image " + std::to_string(reference) + " is not one of the " +
           std::to_string(m_number) + " images");
    }
    if (m_version < 0) fail("the S line gives a negative version");
    m_seq.fixed_digits = static_cast<int>(fixed);
    m_seq.reference = static_cast<int>(reference);
    m_have_s = true;
  }

  void parse_t(const std::string& line) {
    require_s('T');
    switch (line.size() > 1 ? line[1] : '\0') {
      case 'F': m_seq.type = SeqType::FitsCube; break;
      case 'S': m_seq.type = SeqType::Ser; break;
      case 'A': m_seq.type = SeqType::Film; break;
      default: fail("unknown sequence type line '" + line + "'");
    }
  }

  void parse_u(const std::string& line) {
    const auto words = split_words(std::string_view(line).substr(1));
    if (words.empty()) fail("the U line has no value");
    const double upscale = real(words[0], "upscale factor");
    if (!(upscale > 0.0) || !std::isfinite(upscale)) fail("the U line gives a bad upscale factor");
    m_seq.upscale = upscale;
  }

  void parse_l(const std::string& line) {
    // "L1 ..." style lines are reserved by Siril for per-layer details.
    if (line.size() > 1 && line[1] >= '0' && line[1] <= '9') return;
    const auto words = split_words(std::string_view(line).substr(1));
    if (words.empty()) fail("the L line has no layer count");
    const long long layers = integer(words[0], "layer count");
    if (layers != -1 && layers != 1 && layers != 3) {
      fail("the L line gives " + std::to_string(layers) + " layers (a sequence has 1 or 3)");
    }
    m_seq.layers = static_cast<int>(layers);
    m_have_l = true;
  }

  void parse_i(const std::string& line) {
    require_s('I');
    if (static_cast<long long>(m_seq.frames.size()) >= m_number) {
      fail("more I lines than the " + std::to_string(m_number) + " images the S line declares");
    }
    // Version 4 adds "w,h" for variable sizes; old files add ten statistics.
    const auto words = split_words(std::string_view(line).substr(1));
    if (words.size() < 2) fail("the I line needs a file number and a selection flag");
    SeqFrame frame;
    const long long number = integer(words[0], "file number");
    if (number < 0 || number > 2'000'000'000) fail("the file number is out of range");
    frame.file_number = static_cast<int>(number);
    frame.included = integer(words[1], "selection flag") != 0;
    m_seq.frames.push_back(frame);
  }

  void parse_r(const std::string& line) {
    require_s('R');
    if (line.size() < 2) fail("the R line has no layer");
    if (line[1] == '*') return;  // CFA data of SER sequences, kept apart by Siril
    if (line[1] < '0' || line[1] > '9') fail("the R line has no layer digit");
    if (!m_have_l || m_seq.layers < 1) fail("R lines come before an L line with the layer count");
    const int layer = line[1] - '0';
    if (layer >= m_seq.layers) {
      fail("an R line for layer " + std::to_string(layer) + " in a sequence of " +
           std::to_string(m_seq.layers) + " layers");
    }
    std::vector<SeqRegistration>& entries = m_registration[static_cast<std::size_t>(layer)];
    if (static_cast<long long>(entries.size()) >= m_number) {
      fail("more R" + std::to_string(layer) + " lines than images");
    }
    const auto words = split_words(std::string_view(line).substr(2));
    SeqRegistration r;
    if (m_version >= 4) {
      // fwhm wfwhm roundness quality background stars H h00 .. h22
      if (words.size() < 4) fail("the R line has too few numbers");
      r.fwhm = real(words[0], "FWHM");
      r.weighted_fwhm = real(words[1], "weighted FWHM");
      r.roundness = real(words[2], "roundness");
      r.quality = real(words[3], "quality");
      const auto h = std::find(words.begin(), words.end(), std::string_view("H"));
      if (h != words.end()) {
        if (words.end() - h < 10) fail("the R line has an incomplete homography");
        std::array<double, 9> m{};
        for (std::size_t k = 0; k < 9; ++k) {
          m[k] = real(*(h + 1 + static_cast<std::ptrdiff_t>(k)), "homography value");
        }
        const bool translation = m[0] == 1.0 && m[1] == 0.0 && m[3] == 0.0 && m[4] == 1.0 &&
                                 m[6] == 0.0 && m[7] == 0.0 && m[8] == 1.0;
        if (translation) {
          // H = [[1,0,dx],[0,1,-dy],[0,0,1]] (siril-compat.md section 2.3)
          r.shift_x = m[2];
          r.shift_y = -m[5];
        }
      }
    } else if (m_version == 3) {
      if (words.size() < 6) fail("the R line needs six numbers");
      r.shift_x = real(words[0], "shift");
      r.shift_y = real(words[1], "shift");
      r.fwhm = real(words[2], "FWHM");
      r.weighted_fwhm = real(words[3], "weighted FWHM");
      r.roundness = real(words[4], "roundness");
      r.quality = real(words[5], "quality");
    } else if (m_version >= 1) {
      if (words.size() < 5) fail("the R line needs five numbers");
      r.shift_x = real(words[0], "shift");
      r.shift_y = real(words[1], "shift");
      r.fwhm = real(words[2], "FWHM");
      r.roundness = real(words[3], "roundness");
      r.quality = real(words[4], "quality");
    } else {
      // shiftx shifty quality, or shiftx shifty centre_x centre_y angle fwhm quality
      if (words.size() != 3 && words.size() < 7) fail("the R line has a wrong number of values");
      r.shift_x = real(words[0], "shift");
      r.shift_y = real(words[1], "shift");
      if (words.size() == 3) {
        r.quality = real(words[2], "quality");
      } else {
        r.fwhm = real(words[5], "FWHM");
        r.quality = real(words[6], "quality");
      }
    }
    if (!std::isfinite(r.shift_x) || !std::isfinite(r.shift_y)) fail("a shift is not a number");
    entries.push_back(r);
  }

  // "#astropack-H <index> h00 ... h22"; the explanatory comment has no index.
  void parse_transform(const std::string& line) {
    const auto words = split_words(std::string_view(line).substr(kTransformPrefix.size()));
    if (words.empty() || words[0] == "index") return;
    if (words.size() != 10) fail("an astropack transform line needs an index and nine numbers");
    const long long index = integer(words[0], "frame index");
    if (index < 0 || index >= 10'000'000) fail("the transform's frame index is out of range");
    Transform::Matrix h{};
    for (std::size_t k = 0; k < 9; ++k) {
      h[k] = real(words[k + 1], "transform value");
      if (!std::isfinite(h[k])) fail("a transform value is not a finite number");
    }
    const auto at = static_cast<std::size_t>(index);
    if (m_transforms.size() <= at) m_transforms.resize(at + 1);
    if (m_transforms[at]) fail("a second transform for frame " + std::to_string(index));
    m_transforms[at] = Transform::from_matrix(h);
  }

  Sequence finish() {
    if (!m_have_s) fail_whole("it has no S line");
    const auto declared = static_cast<std::size_t>(m_number);
    if (m_seq.frames.size() != declared) {
      fail_whole("the S line declares " + std::to_string(declared) + " images but " +
                 std::to_string(m_seq.frames.size()) + " I lines follow");
    }
    if (m_transforms.size() > declared) {
      fail_whole("it has an astropack transform for frame " +
                 std::to_string(m_transforms.size() - 1) + " of " + std::to_string(declared));
    }
    for (std::size_t i = 0; i < m_transforms.size(); ++i)
      m_seq.frames[i].transform = m_transforms[i];
    // Siril registers colour sequences on one layer; its data stand for the
    // layers without R lines, since one shift moves all channels together.
    const std::vector<SeqRegistration>* source = nullptr;
    for (std::size_t layer = 0; layer < m_registration.size(); ++layer) {
      const auto& entries = m_registration[layer];
      if (entries.empty()) continue;
      if (entries.size() != declared) {
        fail_whole("there are " + std::to_string(entries.size()) + " R" + std::to_string(layer) +
                   " lines for " + std::to_string(declared) + " images");
      }
      if (!source) source = &entries;
    }
    if (source) {
      for (std::size_t i = 0; i < declared; ++i) {
        for (int layer = 0; layer < m_seq.layers; ++layer) {
          const auto& entries = m_registration[static_cast<std::size_t>(layer)];
          m_seq.frames[i].registration.push_back(entries.empty() ? (*source)[i] : entries[i]);
        }
      }
    }
    return std::move(m_seq);
  }

  const fs::path& m_file;
  std::size_t m_line = 0;
  Sequence m_seq;
  bool m_have_s = false;
  bool m_have_l = false;
  long long m_number = 0;
  long long m_version = 0;
  std::array<std::vector<SeqRegistration>, 10> m_registration;
  std::vector<std::optional<Transform>> m_transforms;
};

}  // namespace

void write_seq(const fs::path& file, const Sequence& sequence) {
  validate(file, sequence);
  const std::string text = seq_text(sequence);
  OutputFile out(file);
  {
    std::ofstream stream(out.temporary(), std::ios::binary | std::ios::trunc);
    stream.write(text.data(), static_cast<std::streamsize>(text.size()));
    stream.close();
    if (!stream) throw Error(ErrorKind::Unwritable, file, "could not be written (disk full?).");
  }
  out.commit();
}

Sequence read_seq(const fs::path& file) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) throw Error(ErrorKind::NotFound, file, "no such file.");
  if (fs::is_directory(status)) {
    throw Error(ErrorKind::InvalidInput, file, "is a folder, not a Siril sequence file.");
  }
  std::ifstream stream(file, std::ios::binary);
  if (!stream) throw Error(ErrorKind::Unreadable, file, "cannot be read (permission denied?).");
  if (fs::file_size(file, ec) > (std::uintmax_t{1} << 30)) {
    throw Error(ErrorKind::InvalidInput, file, "is far too large to be a Siril sequence file.");
  }
  SeqParser parser(file);
  return parser.parse(stream);
}

}  // namespace astropack
