// SPDX-License-Identifier: GPL-3.0-or-later
// The FITS plug-in in the real gimp-console-2.10 (batch mode, Script-Fu, a throw-away
// profile and plug-in folder):
//  1. FITS files of every sample format (BITPIX 8, 16, 32, -32, -64, a tile-compressed
//     .fz), mono and RGB cubes, open through gimp-file-load (so the plug-in must win over
//     GIMP's bundled FITS loader) as one FLOAT_LINEAR image holding exactly the values
//     read_fits gives; checked by exporting them with the plug-in as 32-bit float (bit for
//     bit) and as 16-bit (exact), and with GIMP's own float TIFF exporter, which also
//     shows the orientation (the first stored row is the bottom row of the picture).
//  2. A NaN or infinite sample becomes 0 on its own; every other pixel keeps its value.
//  3. The header travels through GIMP as a parasite and is written back.
//  4. siril-cli loads the files GIMP saved and saves them again with the same pixels.
//  5. A FITS with no image and a truncated FITS are refused with a clear message; GIMP and
//     the plug-in keep working.
//  6. Under xvfb-run, the interactive save shows its dialog (a screenshot is taken and
//     must not be blank), saves with the dialog's values, and RUN-WITH-LAST-VALS reuses them.
// Usage: gimp_fits <plug-in binary>. Exits 77 (skipped) without gimp-console-2.10; parts 4
// and 6 are skipped without siril-cli or xvfb-run. With CI=true, anything missing fails.
#include <fitsio.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image.hpp"
#include "astropack/tiff.hpp"
#include "gimp_runner.hpp"

using namespace astropack;
using astropack::gimp_runner::find_program;
using astropack::gimp_runner::read_text;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kWidth = 37, kHeight = 23;  // odd and different: flips show

int g_checks = 0, g_failures = 0;

void check(bool ok, const std::string& what) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

// ---- inputs -------------------------------------------------------------------------------

// Distinct 16-bit levels everywhere, the first stored row marked by a ramp of its own.
Image pattern16(std::size_t channels) {
  Image image(kWidth, kHeight, channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < kHeight; ++y)
      for (std::size_t x = 0; x < kWidth; ++x) {
        const unsigned level = y == 0 ? 60000u - 97u * unsigned(x) - 5000u * unsigned(c)
                                      : (unsigned(x) * 911u + unsigned(y) * 1777u +
                                         unsigned(c) * 5003u + 17u) % 50000u;
        image.at(c, y, x) = float(level / 65535.0);
      }
  return image;
}

// Float values with what 16-bit cannot hold: above 1 (not above 2, which Siril's rule
// would take for ADU), below 0, tiny.
Image pattern32(std::size_t channels) {
  Image image(kWidth, kHeight, channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < kHeight; ++y)
      for (std::size_t x = 0; x < kWidth; ++x)
        image.at(c, y, x) = float(0.013 + 0.61 * double(x) / kWidth + 0.29 * double(y) / kHeight +
                                  0.07 * double(c) + 1e-7 * double(x * y));
  image.at(0, 0, 0) = 1.75f;
  image.at(0, 1, 2) = -0.02f;
  image.at(channels - 1, kHeight - 1, kWidth - 1) = 1e-5f;
  image.at(0, 3, 5) = 1.0f / 3.0f;
  return image;
}

void set_test_header(Header& header) {
  header.exposure = 300.0;
  header.object = "M 42";
  header.temperature = -10.5;
  header.instrument = "astropack test camera";
  header.set_other(make_card("OBSERVAT", "back garden", "with a \\ and a / in the comment"));
  header.set_other(make_card("NOTES", std::string(100, 'n') + " end", "a long string"));
  header.history = {"first history line", "second history line"};
}

void cfitsio_check(int status, const std::string& what) {
  if (status == 0) return;
  char text[FLEN_STATUS] = {};
  fits_get_errstatus(status, text);
  throw Error(ErrorKind::Internal, what + ": CFITSIO " + text);
}

// Writes stored values with CFITSIO directly, for the sample formats astropack does not
// write itself. `name_suffix` may ask for tile compression ("[compress R]").
void write_raw(const fs::path& file, int bitpix, std::size_t channels,
               const std::vector<double>& values, const char* name_suffix = "") {
  fitsfile* fits = nullptr;
  int status = 0;
  const std::string name = "!" + file.string() + name_suffix;
  fits_create_file(&fits, name.c_str(), &status);
  long naxes[3] = {long(kWidth), long(kHeight), long(channels)};
  fits_create_img(fits, bitpix, channels == 1 ? 2 : 3, naxes, &status);
  if (bitpix == USHORT_IMG) {
    // The tile compressor wants the stored type itself.
    std::vector<unsigned short> stored(values.begin(), values.end());
    fits_write_img(fits, TUSHORT, 1, LONGLONG(stored.size()), stored.data(), &status);
  } else {
    fits_write_img(fits, TDOUBLE, 1, LONGLONG(values.size()), const_cast<double*>(values.data()),
                   &status);
  }
  double exposure = 60.0;
  fits_write_key(fits, TDOUBLE, "EXPTIME", &exposure, "[s] exposure", &status);
  fits_close_file(fits, &status);
  cfitsio_check(status, file.string());
}

std::vector<double> raw_values(std::size_t channels, double low, double high) {
  std::vector<double> values(kWidth * kHeight * channels);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = std::round(low + (high - low) * double((i * 7919) % values.size()) /
                                     double(values.size() - 1));
  return values;
}

// ---- the Script-Fu scenario ---------------------------------------------------------------

const char* kScript = R"SCM(
(define (show . parts) (gimp-message (apply string-append parts)))
(define (num n) (number->string n))
(define (path dir name) (string-append dir "/" name))

(define (has-header img)
  (if (member "astropack-fits-header" (cadr (gimp-image-get-parasite-list img))) "yes" "no"))

; Opens NAME, reports what GIMP made of it, and exports it four ways as STEM.
(define (round-trip dir name stem)
  (let* ((img (car (gimp-file-load RUN-NONINTERACTIVE (path dir name) name)))
         (d (car (gimp-image-get-active-drawable img))))
    (show "LOADED " name
          " base " (num (car (gimp-image-base-type img)))
          " precision " (num (car (gimp-image-get-precision img)))
          " width " (num (car (gimp-image-width img)))
          " height " (num (car (gimp-image-height img)))
          " layers " (num (car (gimp-image-get-layers img)))
          " images " (num (car (gimp-image-list)))
          " header " (has-header img))
    (file-astropack-fits-save RUN-NONINTERACTIVE img d (path dir (string-append "g32-" stem ".fits"))
                              (string-append "g32-" stem ".fits") 32)
    (file-astropack-fits-save RUN-NONINTERACTIVE img d (path dir (string-append "g16-" stem ".fits"))
                              (string-append "g16-" stem ".fits") 16)
    ; by extension: the plug-in's save must be chosen, with its default (float)
    (if (member stem '("mono32" "rgb16"))
        (gimp-file-save RUN-NONINTERACTIVE img d (path dir (string-append "auto-" stem ".fit"))
                        (string-append "auto-" stem ".fit")))
    ; GIMP's own float TIFF exporter: values and orientation independent of the plug-in
    (gimp-file-save RUN-NONINTERACTIVE img d (path dir (string-append "tif-" stem ".tif"))
                    (string-append "tif-" stem ".tif"))
    (gimp-image-delete img)))

; A second layer, with alpha, over the opened image: saving the first layer saves it
; alone, saving the second drops its alpha; both with a message.
(define (layered dir name)
  (let* ((img (car (gimp-file-load RUN-NONINTERACTIVE (path dir name) name)))
         (base (car (gimp-image-get-active-drawable img)))
         (top (car (gimp-layer-new img (car (gimp-image-width img)) (car (gimp-image-height img))
                                   RGBA-IMAGE "white top" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img top 0 0)
    (gimp-drawable-fill top FILL-WHITE)
    (file-astropack-fits-save RUN-NONINTERACTIVE img base (path dir "layer-base.fits")
                              "layer-base.fits" 32)
    (file-astropack-fits-save RUN-NONINTERACTIVE img top (path dir "layer-top.fits")
                              "layer-top.fits" 32)
    (gimp-image-delete img)))

(define (refused dir name)
  (let ((result (catch #f (gimp-file-load RUN-NONINTERACTIVE (path dir name) name))))
    (show "BADLOAD " name " " (if result "loaded" "refused")
          " images " (num (car (gimp-image-list))))))

; INPUTS: a list of (file-name stem)
(define (astro-test dir inputs)
  (refused dir "noimage.fit")
  (refused dir "truncated.fit")
  (for-each (lambda (input) (round-trip dir (car input) (cadr input))) inputs)
  (layered dir "rgb16.fits")
  (show "ASTRO-TEST-DONE"))
)SCM";

struct Loaded {
  int base = -1, precision = -1, width = 0, height = 0, layers = 0, images = 0;
  bool header = false;
};

std::map<std::string, Loaded> parse_loaded(const std::string& log) {
  std::map<std::string, Loaded> result;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    const auto at = line.find("LOADED ");
    if (at == std::string::npos) continue;
    char name[256] = {}, header[8] = {};
    Loaded l;
    if (std::sscanf(line.c_str() + at,
                    "LOADED %255s base %d precision %d width %d height %d layers %d images %d "
                    "header %7s",
                    name, &l.base, &l.precision, &l.width, &l.height, &l.layers, &l.images,
                    header) == 8) {
      l.header = std::string(header) == "yes";
      result[name] = l;
    }
  }
  return result;
}

// ---- comparisons --------------------------------------------------------------------------

bool same_shape(const Image& a, const Image& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels();
}

// Bit for bit (a NaN would differ from everything, so none may be left).
bool identical(const Image& a, const Image& b) {
  return same_shape(a, b) && std::memcmp(a.samples().data(), b.samples().data(),
                                         a.samples().size() * sizeof(float)) == 0;
}

// Where two images first differ, for the message.
std::string first_difference(const Image& got, const Image& expected) {
  if (!same_shape(got, expected)) {
    std::ostringstream text;
    text << "size " << got.width() << "x" << got.height() << "x" << got.channels()
         << ", expected " << expected.width() << "x" << expected.height() << "x"
         << expected.channels();
    return text.str();
  }
  for (std::size_t c = 0; c < got.channels(); ++c)
    for (std::size_t y = 0; y < got.height(); ++y)
      for (std::size_t x = 0; x < got.width(); ++x)
        if (std::memcmp(got.row(c, y) + x, expected.row(c, y) + x, sizeof(float)) != 0) {
          char text[160];
          std::snprintf(text, sizeof text, "channel %zu stored row %zu column %zu: %.9g, expected %.9g",
                        c, y, x, double(got.at(c, y, x)), double(expected.at(c, y, x)));
          return text;
        }
  return "identical";
}

void expect_identical(const Image& got, const Image& expected, const std::string& what) {
  const bool ok = identical(got, expected);
  check(ok, what + " (" + first_difference(got, expected) + ")");
}

// What a 16-bit FITS holds for these values: round(v * 65535), clipped, read back / 65535.
Image quantised16(const Image& image) {
  Image out = image;
  for (float& v : out.samples()) {
    const double adu = std::isnan(v) ? 0.0 : std::clamp(std::round(double(v) * 65535.0), 0.0, 65535.0);
    v = float(adu / 65535.0);
  }
  return out;
}

int bitpix_of(const fs::path& file) { return read_fits_info(file).layout.bitpix; }

struct Input {
  std::string name;
  Image expected;       // read_fits of the input, NaN and infinities set to 0
  bool sixteen_bit;     // stored in 16 bits: the 16-bit export must be the same values
  bool with_header;     // carries set_test_header()
};

std::string stem(const Input& input) { return fs::path(input.name).stem().string(); }

void check_header(const Header& header, const std::string& what) {
  check(header.exposure && *header.exposure == 300.0, what + ": EXPTIME kept");
  check(header.object == "M 42", what + ": OBJECT kept ('" + header.object + "')");
  check(header.temperature && *header.temperature == -10.5, what + ": CCD-TEMP kept");
  check(header.instrument == "astropack test camera", what + ": INSTRUME kept");
  const Card* observat = header.find_other("OBSERVAT");
  check(observat && unquote_fits_string(observat->value) == "back garden" &&
            observat->comment == "with a \\ and a / in the comment",
        what + ": OBSERVAT and its comment kept");
  const Card* notes = header.find_other("NOTES");
  check(notes && unquote_fits_string(notes->value) == std::string(100, 'n') + " end",
        what + ": a 104-character string kept");
  check(header.history.size() >= 2 && header.history[0] == "first history line" &&
            header.history[1] == "second history line",
        what + ": HISTORY kept");
}

// Part 4: siril-cli loads what GIMP saved and saves it again.
void check_siril(const fs::path& dir, const std::vector<std::string>& files, bool in_ci) {
  const char* siril_env = std::getenv("SIRIL_CLI");
  const std::string siril = siril_env != nullptr ? siril_env : find_program("siril-cli");
  if (siril.empty()) {
    std::printf("siril-cli not found: Siril's reading of GIMP's files not checked\n");
    check(!in_ci, "siril-cli is installed (CI=true)");
    return;
  }
  const fs::path home = dir / "siril-home";
  fs::create_directories(home);
  std::ostringstream script;
  script << "requires 1.0.0\n";
  for (const std::string& file : files)
    script << "load " << file << "\nstat\nsave s-" << fs::path(file).stem().string() << "\n";
  std::ofstream(dir / "check.ssf") << script.str();
  const std::string command = "cd '" + dir.string() + "' && env HOME='" + home.string() +
                              "' XDG_CONFIG_HOME='" + (home / ".config").string() +
                              "' XDG_CACHE_HOME='" + (home / ".cache").string() +
                              "' XDG_DATA_HOME='" + (home / ".local").string() + "' '" + siril +
                              "' -d '" + dir.string() + "' -s '" + (dir / "check.ssf").string() +
                              "' > '" + (dir / "siril.log").string() + "' 2>&1";
  check(std::system(command.c_str()) == 0,
        "siril-cli ran its script (see " + (dir / "siril.log").string() + ")");
  for (const std::string& file : files) {
    const fs::path saved = dir / ("s-" + fs::path(file).stem().string() + ".fit");
    try {
      const Image ours = read_fits(dir / file);
      const Image siril_copy = read_fits(saved);
      expect_identical(siril_copy, ours, "Siril's save of " + file + " has GIMP's pixels");
      check(bitpix_of(saved) == bitpix_of(dir / file),
            "Siril kept the sample format of " + file);
      check(siril_copy.header().exposure == ours.header().exposure,
            "Siril read the header GIMP wrote in " + file);
    } catch (const Error& e) {
      check(false, std::string("Siril's copy of ") + file + ": " + e.what());
    }
  }
}

// The interactive scenario: one image, one layer (so GIMP's export dialog has nothing
// to ask), our dialog answered by the plug-in's test hook.
const char* kDialogScript = R"SCM(
(define (dialog-test dir)
  (let* ((img (car (gimp-file-load RUN-NONINTERACTIVE (string-append dir "/rgb32.fit") "rgb32.fit")))
         (d (car (gimp-image-get-active-drawable img))))
    (file-astropack-fits-save RUN-INTERACTIVE img d (string-append dir "/dialog.fits")
                              "dialog.fits" 16)
    (file-astropack-fits-save RUN-WITH-LAST-VALS img d (string-append dir "/last.fits")
                              "last.fits" 16)
    (gimp-image-delete img))
  (gimp-message "DIALOG-TEST-DONE"))
)SCM";

// Part 6.
void check_dialog(const fs::path& dir, const std::string& gimp, const Image& expected,
                  bool in_ci) {
  const std::string xvfb = find_program("xvfb-run");
  if (xvfb.empty()) {
    std::printf("xvfb-run not found: the save dialog not checked\n");
    check(!in_ci, "xvfb-run is installed (CI=true)");
    return;
  }
  std::ofstream(dir / "dialog.scm") << kDialogScript;
  const fs::path shot = dir / "dialog-screenshot.tif";
  std::string command = "env LANG=C.UTF-8 GIMP2_DIRECTORY='";
  command.append((dir / "profile").string()).append("' ASTROPACK_DIALOG_SCREENSHOT='");
  command.append(shot.string()).append("' timeout 300 '").append(xvfb);
  command.append("' -a -s '-screen 0 1280x1024x24' '").append(gimp);
  command.append("' -i -d -f --gimprc='").append((dir / "gimprc").string());
  command.append("' -b '(begin (load \"").append((dir / "dialog.scm").string());
  command.append("\") (dialog-test \"").append(dir.string());
  command.append("\"))' -b '(gimp-quit 0)' > '").append((dir / "dialog.log").string());
  command.append("' 2>&1");
  const int status = std::system(command.c_str());
  const std::string log = read_text(dir / "dialog.log");
  const bool ok = status == 0 && log.find("DIALOG-TEST-DONE") != std::string::npos &&
                  log.find("execution error") == std::string::npos &&
                  log.find("Plug-in crashed") == std::string::npos;
  check(ok, "the interactive save ran under xvfb-run");
  if (!ok) std::printf("--- dialog log ---\n%s\n------\n", log.c_str());
  try {
    const Image screenshot = read_tiff(shot);
    std::vector<float> levels(screenshot.samples());
    std::sort(levels.begin(), levels.end());
    const auto distinct = std::unique(levels.begin(), levels.end()) - levels.begin();
    check(screenshot.width() >= 100 && screenshot.height() >= 50 && distinct >= 8,
          "the dialog's screenshot shows a dialog (" + std::to_string(screenshot.width()) + "x" +
              std::to_string(screenshot.height()) + ", " + std::to_string(distinct) +
              " grey levels)");
    // The dialog starts at 32-bit float (the 16 passed in interactive mode is not used).
    check(bitpix_of(dir / "dialog.fits") == -32, "the dialog's default saves 32-bit float");
    expect_identical(read_fits(dir / "dialog.fits"), expected,
                     "the interactive save keeps the values");
    check(bitpix_of(dir / "last.fits") == -32, "RUN-WITH-LAST-VALS reuses the dialog's choice");
  } catch (const Error& e) {
    check(false, std::string("dialog: ") + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* ci = std::getenv("CI");
  const bool in_ci = ci != nullptr && std::string(ci) == "true";
  if (argc < 2) {
    std::printf("usage: gimp_fits <file-astropack-fits plug-in>\n");
    return 1;
  }
  const std::string gimp = find_program("gimp-console-2.10");
  if (gimp.empty()) {
    std::printf("gimp-console-2.10 not found\n");
    return in_ci ? 1 : 77;
  }
  char pattern[] = "/tmp/astropack-gimp-fits-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path dir = pattern;

  try {
    // The plug-in alone in a clean folder; GIMP's own plug-ins stay on the path.
    const fs::path plugin_dir = dir / "plug-ins" / "file-astropack-fits";
    fs::create_directories(plugin_dir);
    fs::copy_file(argv[1], plugin_dir / "file-astropack-fits");
    std::ofstream(dir / "gimprc") << "(plug-in-path \"${gimp_plug_in_dir}/plug-ins:"
                                  << (dir / "plug-ins").string() << "\")\n";

    // --- inputs ------------------------------------------------------------------------------
    std::vector<Input> inputs;
    auto add = [&](const std::string& name, bool sixteen, bool header) {
      Image expected = read_fits(dir / name);
      for (float& v : expected.samples())
        if (!std::isfinite(v)) v = 0.0f;
      inputs.push_back({name, std::move(expected), sixteen, header});
    };
    const struct {
      const char* name;
      std::size_t channels;
      SampleFormat format;
    } written[] = {{"mono16.fit", 1, SampleFormat::UInt16},
                   {"mono32.fits", 1, SampleFormat::Float32},
                   {"rgb16.fits", 3, SampleFormat::UInt16},
                   {"rgb32.fit", 3, SampleFormat::Float32}};
    for (const auto& w : written) {
      Image image = w.format == SampleFormat::UInt16 ? pattern16(w.channels) : pattern32(w.channels);
      set_test_header(image.header());
      write_fits(dir / w.name, image, w.format);
      add(w.name, w.format == SampleFormat::UInt16, true);
    }
    Image with_nan = pattern32(1);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    with_nan.at(0, 4, 6) = nan;
    with_nan.at(0, 15, 30) = nan;
    with_nan.at(0, 9, 11) = std::numeric_limits<float>::infinity();
    write_fits(dir / "nan32.fit", with_nan, SampleFormat::Float32);
    add("nan32.fit", false, false);

    write_raw(dir / "mono8.fts", BYTE_IMG, 1, raw_values(1, 0, 255));
    add("mono8.fts", false, false);
    write_raw(dir / "int32.fit", LONG_IMG, 1, raw_values(1, -200000, 3000000));
    add("int32.fit", false, false);
    write_raw(dir / "rgb64.fits", DOUBLE_IMG, 3, [] {
      std::vector<double> v = raw_values(3, 0, 1000);
      for (double& x : v) x = x / 1000.0 * 1.5 - 0.1;  // -0.1 .. 1.4, stays normalised
      return v;
    }());
    add("rgb64.fits", false, false);
    write_raw(dir / "comp16.fz", USHORT_IMG, 1, raw_values(1, 0, 65535), "[compress R]");
    add("comp16.fz", true, false);

    // Bad inputs: a header with no pixels, and a file cut in the middle of its pixels.
    {
      fitsfile* fits = nullptr;
      int status = 0;
      const std::string name = "!" + (dir / "noimage.fit").string();
      fits_create_file(&fits, name.c_str(), &status);
      fits_create_img(fits, FLOAT_IMG, 0, nullptr, &status);
      fits_close_file(fits, &status);
      cfitsio_check(status, "noimage.fit");
      std::ifstream whole(dir / "mono32.fits", std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(whole)), std::istreambuf_iterator<char>());
      std::ofstream(dir / "truncated.fit", std::ios::binary) << bytes.substr(0, 2880 * 2 + 1000);
    }
    std::ofstream(dir / "test.scm") << kScript;

    // --- one gimp-console run ----------------------------------------------------------------
    std::string names = " (list";
    for (const Input& input : inputs)
      names.append(" (list \"").append(input.name).append("\" \"").append(stem(input)).append("\")");
    names.append(")");
    std::string command = "env -u DISPLAY LANG=C.UTF-8 GIMP2_DIRECTORY='";
    command.append((dir / "profile").string()).append("' timeout 500 '").append(gimp);
    command.append("' -i -d -f --gimprc='").append((dir / "gimprc").string());
    command.append("' -b '(begin (load \"").append((dir / "test.scm").string());
    command.append("\") (astro-test \"").append(dir.string()).append("\"").append(names);
    command.append("))' -b '(gimp-quit 0)' > '").append((dir / "log").string()).append("' 2>&1");
    const int status = std::system(command.c_str());
    const std::string log = read_text(dir / "log");
    const bool finished = log.find("ASTRO-TEST-DONE") != std::string::npos;
    const bool failed = log.find("execution error") != std::string::npos ||
                        log.find("Plug-in crashed") != std::string::npos ||
                        log.find("terminate called") != std::string::npos;
    check(status == 0 && finished && !failed, "gimp-console ran the whole scenario");
    if (!finished || failed) std::printf("--- gimp-console log ---\n%s\n------\n", log.c_str());

    // --- 5. bad inputs -----------------------------------------------------------------------
    check(log.find("BADLOAD noimage.fit refused images 0") != std::string::npos,
          "a FITS with no image is refused and opens nothing");
    check(log.find("has no image") != std::string::npos,
          "the message for a FITS with no image says so");
    check(log.find("BADLOAD truncated.fit refused images 0") != std::string::npos,
          "a truncated FITS is refused and opens nothing");
    check(log.find("truncated.fit: is truncated") != std::string::npos,
          "the message for a truncated FITS names the file and says it is truncated");

    // --- 1.-3. the round trips ---------------------------------------------------------------
    const auto loaded = parse_loaded(log);
    for (const Input& input : inputs) {
      const std::string& name = input.name;
      const auto found = loaded.find(name);
      check(found != loaded.end(), name + ": GIMP opened it");
      if (found == loaded.end()) continue;
      const Loaded& l = found->second;
      const int expected_base = input.expected.channels() == 3 ? 0 : 1;  // RGB 0, GRAY 1
      check(l.base == expected_base, name + ": opened as " +
                                         (expected_base == 0 ? "one RGB" : "a grey") + " image");
      check(l.precision == 600, name + ": 32-bit float linear precision (600), got " +
                                    std::to_string(l.precision));
      check(l.width == int(kWidth) && l.height == int(kHeight) && l.layers == 1,
            name + ": the file's size, one layer");
      check(l.images == 1, name + ": exactly one image opened (" + std::to_string(l.images) + ")");
      check(l.header, name + ": the header parasite is attached");

      const fs::path g32 = dir / ("g32-" + stem(input) + ".fits");
      const fs::path g16 = dir / ("g16-" + stem(input) + ".fits");
      const fs::path automatic = dir / ("auto-" + stem(input) + ".fit");
      const bool by_extension = stem(input) == "mono32" || stem(input) == "rgb16";
      const fs::path tif = dir / ("tif-" + stem(input) + ".tif");
      try {
        check(bitpix_of(g32) == -32, name + ": the float export is BITPIX -32");
        expect_identical(read_fits(g32), input.expected,
                         name + ": the float export holds the loaded values bit for bit");
        check(bitpix_of(g16) == 16, name + ": the 16-bit export is BITPIX 16");
        const Image back16 = read_fits(g16);
        expect_identical(back16, quantised16(input.expected),
                         name + ": the 16-bit export holds round(value x 65535)");
        if (input.sixteen_bit)
          expect_identical(back16, input.expected,
                           name + ": 16-bit data come back unchanged from a 16-bit export");
        if (by_extension) {
          check(bitpix_of(automatic) == -32,
                name + ": gimp-file-save to .fit uses the plug-in (float by default)");
          expect_identical(read_fits(automatic), input.expected,
                           name + ": gimp-file-save to .fit keeps the values");
        }
        expect_identical(read_tiff(tif), input.expected,
                         name + ": GIMP's own TIFF export has the values with the first stored "
                                "row at the bottom");
        if (input.with_header) {
          check_header(read_fits(g32).header(), name + " (float export)");
          check_header(read_fits(g16).header(), name + " (16-bit export)");
        }
      } catch (const Error& e) {
        check(false, name + ": " + e.what());
      }
    }

    // --- 2. NaN stays local ------------------------------------------------------------------
    check(log.find("nan32.fit: 3 samples had no value (NaN or infinite) and were set to 0.") !=
              std::string::npos,
          "the NaN file's message counts its 3 non-finite samples");
    try {
      const Image original = read_fits(dir / "nan32.fit");
      const Image gimp_copy = read_fits(dir / "g32-nan32.fits");
      std::size_t zeroed = 0, kept = 0, changed = 0;
      for (std::size_t i = 0; i < original.samples().size(); ++i) {
        const float a = original.samples()[i], b = gimp_copy.samples()[i];
        if (!std::isfinite(a)) zeroed += b == 0.0f;
        else if (std::memcmp(&a, &b, sizeof a) == 0) ++kept;
        else ++changed;
      }
      check(zeroed == 3 && changed == 0 && kept == original.samples().size() - 3,
            "NaN: the 3 non-finite samples are 0, the " + std::to_string(kept) +
                " others unchanged (" + std::to_string(changed) + " changed)");
    } catch (const Error& e) {
      check(false, std::string("NaN file: ") + e.what());
    }
    check(log.find("g16-mono32.fits: 2 samples lay outside 0..1 and were clipped") !=
              std::string::npos,
          "the 16-bit export of float data counts its 2 clipped samples");
    check(log.find("g16-mono16.fits: ") == std::string::npos,
          "the 16-bit export of 16-bit data clips nothing");

    // --- several layers, alpha -----------------------------------------------------------------
    try {
      const Input& rgb16 = inputs[2];
      expect_identical(read_fits(dir / "layer-base.fits"), rgb16.expected,
                       "saving the lower of two layers saves that layer alone");
      check(log.find("layer-base.fits: only the layer 'rgb16.fits' was saved") != std::string::npos,
            "a message says only that layer was saved");
      const Image top = read_fits(dir / "layer-top.fits");
      check(top.channels() == 3 &&
                std::all_of(top.samples().begin(), top.samples().end(),
                            [](float v) { return v == 1.0f; }),
            "saving a white layer with alpha gives white RGB, no alpha plane");
      check(log.find("layer-top.fits: FITS has no transparency") != std::string::npos,
            "a message says the alpha channel was not saved");
    } catch (const Error& e) {
      check(false, std::string("layers: ") + e.what());
    }

    // --- 6. the save dialog ------------------------------------------------------------------
    check_dialog(dir, gimp, inputs[3].expected, in_ci);

    // --- 4. Siril reads GIMP's files ---------------------------------------------------------
    check_siril(dir,
                {"g32-mono32.fits", "g32-rgb32.fits", "g16-mono16.fits", "g16-rgb16.fits"},
                in_ci);
  } catch (const std::exception& e) {
    check(false, std::string("test error: ") + e.what());
  }

  std::printf("%d of %d checks passed\n", g_checks - g_failures, g_checks);
  if (g_failures == 0) {
    fs::remove_all(dir);
    return 0;
  }
  std::printf("files kept in %s\n", dir.c_str());
  return 1;
}
