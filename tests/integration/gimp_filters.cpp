// SPDX-License-Identifier: GPL-3.0-or-later
// The Filters > Astronomy plug-ins in the real gimp-console-2.10 (batch mode,
// Script-Fu, a throw-away profile and plug-in folder; the FITS plug-in moves the
// pixels in and out exactly):
//  1. star layer blend, Ha/OIII colourise and screen, green-noise removal (each
//     method) and the nebula composite (from files and from open layers), called
//     non-interactively on float images: every layer's pixels equal the core
//     function's within 1e-6, the layer modes, order, names and opacities are the
//     workflow's; also on a perceptual float image, an 8-bit one (within half a
//     level) and a grey one;
//  2. the composite as GIMP shows it (its own layer compositing) agrees with
//     astropack compose, and its "background" layer with the layers beneath the stars;
//  3. bad input (indexed image, grey where colour is needed, missing layer, layers or
//     files of different sizes, a missing file, a file and a layer for one source):
//     refused with a clear message, no crash, the image not even marked changed;
//  4. under xvfb-run, each plug-in's dialog opens; a screenshot is taken and must not
//     be blank (ASTROPACK_SCREENSHOT_DIR=<folder> keeps them, for the README).
// Usage: gimp_filters <plug-in binary>... (the FITS plug-in and the four filters).
// Exits 77 (skipped) without gimp-console-2.10 unless CI=true; part 4 likewise
// without xvfb-run.
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image.hpp"
#include "astropack/nebula_composite.hpp"
#include "astropack/scnr.hpp"
#include "check_tally.hpp"
#include "gimp_runner.hpp"

using namespace astropack;
using namespace astropack::gimp_runner;
using astropack::integration::CheckTally;
using astropack::integration::peer_missing;

namespace {

constexpr std::size_t kWidth = 37, kHeight = 23;  // odd and different: flips show

// ---- inputs -------------------------------------------------------------------------------

Image smooth_rgb(double phase, double scale, double offset) {
  Image image(kWidth, kHeight, 3);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < kHeight; ++y)
      for (std::size_t x = 0; x < kWidth; ++x)
        image.at(c, y, x) = float(offset + scale * (0.5 + 0.5 * std::sin(0.37 * double(x) +
                                                                        1.3 * double(c) +
                                                                        0.71 * double(y) + phase)));
  image.at(0, 2, 3) = 1.6f;   // above 1: never clamped
  image.at(1, 7, 5) = 1e-5f;  // tiny: not an 8-bit path
  image.at(2, 0, 0) = 0.9f;   // the first stored row
  return image;
}

Image nebula_grey(double phase) {
  Image image(kWidth, kHeight, 1);
  for (std::size_t y = 0; y < kHeight; ++y)
    for (std::size_t x = 0; x < kWidth; ++x) {
      const double dx = double(x) - 20.0, dy = double(y) - 14.0;
      image.at(0, y, x) = float(0.05 + 0.8 * std::exp(-(dx * dx + dy * dy) / 90.0) +
                                0.04 * std::sin(0.9 * double(x) + 0.4 * double(y) + phase));
    }
  return image;
}

Image star_field() {
  Image image(kWidth, kHeight, 3, 0.03f);
  const double stars[][3] = {{8, 6, 0.9}, {30, 20, 0.6}, {17, 15, 1.2}, {33, 5, 0.4}};
  for (const auto& s : stars)
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t y = 0; y < kHeight; ++y)
        for (std::size_t x = 0; x < kWidth; ++x) {
          const double dx = double(x) - s[0], dy = double(y) - s[1];
          image.at(c, y, x) +=
              float(s[2] * (1.0 - 0.1 * double(c)) * std::exp(-(dx * dx + dy * dy) / 3.0));
        }
  return image;
}

// Green noise: green above red and blue in most pixels.
Image greenish() {
  Image image = smooth_rgb(0.4, 0.6, 0.05);
  for (std::size_t y = 0; y < kHeight; ++y)
    for (std::size_t x = 0; x < kWidth; ++x)
      image.at(1, y, x) += float(0.15 + 0.05 * std::cos(0.5 * double(x * y)));
  return image;
}

// ---- the Script-Fu scenario ---------------------------------------------------------------

const char* kScript = R"SCM(
(define (show . parts) (gimp-message (apply string-append parts)))
(define (num n) (number->string n))
(define (path dir name) (string-append dir "/" name))
(define (open dir file) (car (file-astropack-fits-load RUN-NONINTERACTIVE (path dir file) file)))
(define (active img) (car (gimp-image-get-active-drawable img)))
(define (layers-of img) (vector->list (cadr (gimp-image-get-layers img))))

; A layer copied from FILE into IMG, on top, named NAME.
(define (add-layer img dir file name)
  (let* ((src (open dir file))
         (lay (car (gimp-layer-new-from-drawable (active src) img))))
    (gimp-image-insert-layer img lay 0 0)
    (gimp-item-set-name lay name)
    (gimp-image-delete src)
    lay))

(define (save img lay dir name)
  (file-astropack-fits-save RUN-NONINTERACTIVE img lay (path dir name) name 32))

; STACK tag name:mode:opacity ..., top first.
(define (stack img tag)
  (show (apply string-append "STACK " tag
               (map (lambda (l) (string-append " " (car (gimp-item-get-name l)) ":"
                                               (num (car (gimp-layer-get-mode l))) ":"
                                               (num (car (gimp-layer-get-opacity l)))))
                    (layers-of img)))))

; Runs THUNK, which must fail; reports whether it did and whether IMG changed.
(define (refused tag img thunk)
  (gimp-image-clean-all img)
  (let* ((images (car (gimp-image-list)))
         (result (catch #f (thunk))))
    (show "BAD " tag " " (if result "accepted" "refused")
          " dirty " (num (car (gimp-image-is-dirty img)))
          " layers " (num (car (gimp-image-get-layers img)))
          " new-images " (num (- (car (gimp-image-list)) images)))))

(define (star-blend img lay) (plug-in-astropack-star-blend RUN-NONINTERACTIVE img lay 0.02 1 2.0 0.8 0.0))
(define (haoiii img ha oiii) (plug-in-astropack-haoiii-screen RUN-NONINTERACTIVE img ha ha oiii -1 0 180 100 0 1.5 0 0.1 0.08))
(define (scnr img lay) (plug-in-astropack-scnr RUN-NONINTERACTIVE img lay 0 1.0 1))
(define (composite img dir stars ha oiii nebula l-stars l-ha l-oiii l-nebula)
  (car (plug-in-astropack-nebula-composite RUN-NONINTERACTIVE img (active img)
         stars ha oiii nebula l-stars l-ha l-oiii l-nebula
         0.02 0.1 0.08 0.05 1.5 0 0 180 100 0 1 2.0 0.8 0.0 1.0 0.9 1.0)))

(define (save-stack img dir prefix)
  (for-each (lambda (l) (save img l dir (string-append prefix (car (gimp-item-get-name l)) ".fits")))
            (layers-of img)))

; GIMP's own rendering of what is visible, as FILE.
(define (save-visible img dir file)
  (let ((vis (car (gimp-layer-new-from-visible img img "visible"))))
    (gimp-image-insert-layer img vis 0 0)
    (save img vis dir file)
    (gimp-image-remove-layer img vis)))

(define (filters-test dir)
  ; 1. the workflow on one linear image: Ha, stars, nebula, OIII from the top
  (let* ((img (open dir "nebula.fits"))
         (neb (active img))
         (oiii (add-layer img dir "oiii.fits" "OIII")))
    (gimp-item-set-name neb "nebula")
    (gimp-image-lower-item-to-bottom img oiii)
    (let* ((stars (add-layer img dir "stars.fits" "stars"))
           (ha (add-layer img dir "ha.fits" "Ha")))
      (stack img "before")
      (star-blend img stars)
      (stack img "after-stars")
      (haoiii img ha oiii)
      (stack img "after-haoiii")
      (save img stars dir "out-stars.fits")
      (save img ha dir "out-ha.fits")
      (save img oiii dir "out-oiii.fits")
      (plug-in-astropack-scnr RUN-NONINTERACTIVE img neb 2 0.7 1)
      (save img neb dir "out-scnr-nebula.fits")
      ; bad input on this image: a missing layer, no layer, the same layer twice
      (refused "stars-missing" img (lambda () (plug-in-astropack-star-blend RUN-NONINTERACTIVE img -1 0 1 2.0 0.8 0.0)))
      (refused "haoiii-none" img (lambda () (plug-in-astropack-haoiii-screen RUN-NONINTERACTIVE img ha -1 -1 -1 0 180 100 0 0 0 0 0)))
      (refused "haoiii-same" img (lambda () (plug-in-astropack-haoiii-screen RUN-NONINTERACTIVE img ha ha ha -1 0 180 100 0 0 0 0 0)))
      (refused "haoiii-range" img (lambda () (plug-in-astropack-haoiii-screen RUN-NONINTERACTIVE img ha ha oiii -1 400 180 100 0 0 0 0 0)))
      (stack img "after-bad")
      (let ((small (add-layer img dir "small.fits" "small")))
        (gimp-image-clean-all img)
        (refused "haoiii-sizes" img (lambda () (haoiii img ha small))))
      (gimp-image-delete img)))
  ; each SCNR method on its own copy
  (for-each
    (lambda (c)
      (let ((img (open dir "green.fits")))
        (plug-in-astropack-scnr RUN-NONINTERACTIVE img (active img) (car c) (cadr c) (caddr c))
        (save img (active img) dir (string-append "out-scnr-" (num (car c)) ".fits"))
        (gimp-image-delete img)))
    '((0 1.0 1) (1 1.0 0) (2 0.5 1) (3 0.8 0)))
  ; perceptual float and 8-bit images
  (let ((img (open dir "stars.fits")))
    (gimp-image-convert-precision img PRECISION-FLOAT-GAMMA)
    (show "PRECISION perceptual " (num (car (gimp-image-get-precision img))))
    (save img (active img) dir "gamma-before.fits")
    (plug-in-astropack-star-blend RUN-NONINTERACTIVE img (active img) 0.05 1 1.5 1.2 0.1)
    (save img (active img) dir "gamma-after.fits")
    (gimp-image-delete img))
  (let ((img (open dir "green.fits")))
    (gimp-image-convert-precision img PRECISION-U8-GAMMA)
    (show "PRECISION 8-bit " (num (car (gimp-image-get-precision img))))
    (save img (active img) dir "u8-before.fits")
    (scnr img (active img))
    (save img (active img) dir "u8-after.fits")
    (gimp-image-delete img))
  ; grey: the stars work, colour is refused
  (let ((img (open dir "ha.fits")))
    (star-blend img (active img))
    (save img (active img) dir "grey-stars.fits")
    (refused "grey-scnr" img (lambda () (scnr img (active img))))
    (refused "grey-haoiii" img (lambda () (haoiii img (active img) -1)))
    (gimp-image-delete img))
  ; indexed: refused by all three
  (let ((img (open dir "green.fits")))
    (gimp-image-convert-precision img PRECISION-U8-GAMMA)
    (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE "")
    (refused "indexed-stars" img (lambda () (star-blend img (active img))))
    (refused "indexed-scnr" img (lambda () (scnr img (active img))))
    (refused "indexed-haoiii" img (lambda () (haoiii img (active img) -1)))
    (gimp-image-delete img))
  ; 2. the composite from files, then from open layers
  (let* ((img (open dir "nebula.fits"))
         (comp (composite img dir (path dir "stars.fits") (path dir "ha.fits") (path dir "oiii.fits")
                          (path dir "nebula.fits") -1 -1 -1 -1)))
    (show "COMPOSITE precision " (num (car (gimp-image-get-precision comp)))
          " base " (num (car (gimp-image-base-type comp))))
    (stack comp "composite")
    (save-stack comp dir "comp-")
    (save-visible comp dir "comp-visible.fits")
    (for-each (lambda (l) (if (member (car (gimp-item-get-name l)) '("stars" "background"))
                              (gimp-item-set-visible l FALSE)))
              (layers-of comp))
    (save-visible comp dir "comp-beneath.fits")
    (gimp-image-delete comp)
    (let* ((s (open dir "stars.fits")) (h (open dir "ha.fits")) (o (open dir "oiii.fits"))
           (comp2 (composite img dir "" "" "" "" (active s) (active h) (active o) (active img))))
      (stack comp2 "from-layers")
      (save-stack comp2 dir "layers-")
      (gimp-image-delete comp2)
      (refused "composite-both" img (lambda () (composite img dir "" (path dir "ha.fits") "" "" -1 (active h) -1 -1)))
      (for-each gimp-image-delete (list s h o)))
    (refused "composite-sizes" img (lambda () (composite img dir "" (path dir "ha.fits") "" (path dir "small.fits") -1 -1 -1 -1)))
    (refused "composite-missing-file" img (lambda () (composite img dir (path dir "nowhere.fits") "" "" "" -1 -1 -1 -1)))
    (refused "composite-nothing" img (lambda () (composite img dir "" "" "" "" -1 -1 -1 -1)))
    (gimp-image-delete img))
  (show "ASTRO-TEST-DONE"))
)SCM";

// The dialogs, each answered by the screenshot hook.
const char* kDialogScript = R"SCM(
(define (path dir name) (string-append dir "/" name))
(define (open dir file) (car (file-astropack-fits-load RUN-NONINTERACTIVE (path dir file) file)))
(define (active img) (car (gimp-image-get-active-drawable img)))

(define (dialog-test dir)
  ; ten times larger, so that the previews show something
  (let* ((img (open dir "nebula.fits"))
         (ha (car (gimp-layer-new-from-drawable (active (open dir "ha.fits")) img))))
    (gimp-image-insert-layer img ha 0 0)
    (gimp-image-scale img 370 230)
    (gimp-item-set-name ha "Ha")
    (plug-in-astropack-scnr RUN-INTERACTIVE img (active img) 0 1.0 1)
    (plug-in-astropack-haoiii-screen RUN-INTERACTIVE img ha ha -1 -1 0 180 100 0 0 0 0 0)
    (plug-in-astropack-star-blend RUN-INTERACTIVE img ha 0 1 3.0 0.5 0)
    ; no sources chosen: the dialog shows, then the run is refused
    (catch #f (plug-in-astropack-nebula-composite RUN-INTERACTIVE img ha "" "" "" "" -1 -1 -1 -1
                0 0 0 0 0 0 0 180 100 0 1 3 0.5 0 1 1 1))
    (gimp-message (string-append "DIALOG STACK " (car (gimp-item-get-name (aref (cadr (gimp-image-get-layers img)) 0)))
                                 ":" (number->string (car (gimp-layer-get-mode (aref (cadr (gimp-image-get-layers img)) 0))))))
    (for-each gimp-image-delete (vector->list (cadr (gimp-image-list)))))
  (gimp-message "DIALOG-TEST-DONE"))
)SCM";

// ---- comparisons --------------------------------------------------------------------------

// The largest difference, scaled by the value above 1 (babl's float paths are
// relative there); infinity for a size mismatch.
double worst_difference(const Image& got, const Image& expected) {
  if (got.width() != expected.width() || got.height() != expected.height() ||
      got.channels() != expected.channels())
    return INFINITY;
  double worst = 0.0;
  for (std::size_t i = 0; i < got.samples().size(); ++i) {
    const double g = got.samples()[i], e = expected.samples()[i];
    const double d = std::fabs(g - e) / std::max(1.0, std::fabs(e));
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

void expect_close(CheckTally& check, const std::filesystem::path& file, const Image& expected,
                  double tolerance, const std::string& what) {
  try {
    const double worst = worst_difference(read_fits(file), expected);
    char text[64];
    std::snprintf(text, sizeof text, " (max |diff| %.2g, tolerance %.2g)", worst, tolerance);
    check(worst <= tolerance, what + text);
    std::printf("%-58s max |diff| %.2g\n", what.c_str(), worst);
  } catch (const Error& e) {
    check(false, what + ": " + e.what());
  }
}

// Rounded to 8-bit levels.
double quantised(double v) { return std::round(std::clamp(v, 0.0, 1.0) * 255.0) / 255.0; }

bool has_line(const std::string& log, const std::string& text) {
  return log.find(text) != std::string::npos;
}

// A PNG that shows something: a real size and many distinct colours.
void check_screenshot(CheckTally& check, const std::filesystem::path& file,
                      const std::string& what) {
  cairo_surface_t* surface = cairo_image_surface_create_from_png(file.c_str());
  const bool read = cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS;
  int width = 0, height = 0;
  std::set<std::uint32_t> colours;
  if (read) {
    cairo_surface_flush(surface);
    width = cairo_image_surface_get_width(surface);
    height = cairo_image_surface_get_height(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    const unsigned char* data = cairo_image_surface_get_data(surface);
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        colours.insert(*reinterpret_cast<const std::uint32_t*>(data + y * stride + x * 4) &
                       0xffffffu);
  }
  cairo_surface_destroy(surface);
  check(read && width >= 200 && height >= 150 && colours.size() >= 16,
        what + ": the screenshot shows a dialog (" + std::to_string(width) + "x" +
            std::to_string(height) + ", " + std::to_string(colours.size()) + " colours)");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::printf("usage: gimp_filters <fits> <star-blend> <haoiii> <scnr> <composite> plug-ins\n");
    return 1;
  }
  const std::string gimp = find_program("gimp-console-2.10");
  if (gimp.empty()) return peer_missing("gimp-console-2.10");
  char pattern[] = "/tmp/astropack-gimp-filters-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path dir = pattern;
  CheckTally check;
  try {
    install_plugins(dir, std::vector<std::string>(argv + 1, argv + argc));
    const Image nebula = smooth_rgb(4.0, 0.3, 0.02);
    const Image ha = nebula_grey(0.3), oiii = nebula_grey(1.7);
    const Image stars = star_field(), green = greenish();
    const Image small(20, 15, 3, 0.2f);
    const struct {
      const char* name;
      const Image* image;
    } inputs[] = {{"nebula.fits", &nebula}, {"ha.fits", &ha},       {"oiii.fits", &oiii},
                  {"stars.fits", &stars},   {"green.fits", &green}, {"small.fits", &small}};
    for (const auto& input : inputs)
      write_fits(dir / input.name, *input.image, SampleFormat::Float32);

    const GimpRun run = run_gimp(gimp, dir, "filters", kScript,
                                 "(filters-test \"" + dir.string() + "\")");
    check(run.ok(), "gimp-console ran the whole scenario");
    const std::string& log = run.log;

    // --- 1. layer order, modes, names --------------------------------------------------------
    check(has_line(log, "STACK before Ha:28:100.0 stars:28:100.0 nebula:28:100.0 OIII:28:100.0"),
          "the test stack starts as Ha, stars, nebula, OIII");
    check(has_line(log, "STACK after-stars stars:36:100.0 Ha:28:100.0 nebula:28:100.0 "
                        "OIII:28:100.0"),
          "star blend: the stars layer is on top in lighten only (36)");
    check(has_line(log, "STACK after-haoiii stars:36:100.0 OIII:31:100.0 Ha:31:100.0 "
                        "nebula:28:100.0"),
          "Ha/OIII: OIII then Ha in screen (31) beneath the stars, above the nebula");
    check(has_line(log, "STACK after-bad stars:36:100.0 OIII:31:100.0 Ha:31:100.0 "
                        "nebula:28:100.0"),
          "refused calls leave the stack as it was");
    check(has_line(log, "PRECISION perceptual 650") && has_line(log, "PRECISION 8-bit 150"),
          "the perceptual float and 8-bit test images have the intended precision");

    // --- pixels ------------------------------------------------------------------------------
    constexpr double kExact = 1e-6;
    NebulaCompositeParams stars_params;  // the star blend call of the script
    stars_params.stars.black_point = 0.02;
    stars_params.stars_sharpening.radius = 2.0;
    stars_params.stars_sharpening.amount = 0.8;
    stars_params.storage = Trc::Linear;
    expect_close(check, dir / "out-stars.fits", stars_layer(stars.view(), stars_params), kExact,
                 "star blend on linear float = stars_layer");
    NebulaCompositeParams colour;  // the Ha/OIII call
    colour.ha.black_point = 0.1;
    colour.ha.blur = 1.5;
    colour.oiii.black_point = 0.08;
    colour.storage = Trc::Linear;
    expect_close(check, dir / "out-ha.fits",
                 coloured_layer(ha.view(), colour.ha, colour.ha_hue, colour), kExact,
                 "Ha colourised red = coloured_layer");
    expect_close(check, dir / "out-oiii.fits",
                 coloured_layer(oiii.view(), colour.oiii, colour.oiii_hue, colour), kExact,
                 "OIII colourised cyan = coloured_layer");
    auto scnr_of = [](const Image& in, int method, double amount, bool preserve) {
      ScnrParams p;
      p.method = static_cast<ScnrMethod>(method);
      p.amount = amount;
      p.preserve_lightness = preserve;
      Image out = in;
      scnr(in.view(), out.view(), p);
      return out;
    };
    expect_close(check, dir / "out-scnr-nebula.fits", scnr_of(nebula, 2, 0.7, true), kExact,
                 "SCNR of a layer in the stack = scnr");
    const struct {
      int method;
      double amount;
      bool preserve;
    } methods[] = {{0, 1.0, true}, {1, 1.0, false}, {2, 0.5, true}, {3, 0.8, false}};
    for (const auto& m : methods)
      expect_close(check, dir / ("out-scnr-" + std::to_string(m.method) + ".fits"),
                   scnr_of(green, m.method, m.amount, m.preserve), kExact,
                   "SCNR method " + std::string(to_string(ScnrMethod(m.method))) + " = scnr");
    try {
      NebulaCompositeParams gamma = stars_params;
      gamma.stars.black_point = 0.05;
      gamma.stars_sharpening = {1.5, 1.2, 0.1, Trc::Perceptual};
      gamma.storage = Trc::Perceptual;
      expect_close(check, dir / "gamma-after.fits",
                   stars_layer(read_fits(dir / "gamma-before.fits").view(), gamma), kExact,
                   "star blend on perceptual float = stars_layer (perceptual)");
      Image eight = scnr_of(read_fits(dir / "u8-before.fits"), 0, 1.0, true);
      for (float& v : eight.samples()) v = float(quantised(v));
      expect_close(check, dir / "u8-after.fits", eight, 0.5 / 255 + kExact,
                   "SCNR on an 8-bit image = scnr to half a level");
    } catch (const Error& e) {
      check(false, std::string("perceptual / 8-bit: ") + e.what());
    }
    expect_close(check, dir / "grey-stars.fits", stars_layer(ha.view(), stars_params), kExact,
                 "star blend on a grey image = stars_layer");

    // --- the composite -----------------------------------------------------------------------
    check(has_line(log, "COMPOSITE precision 600 base 0"),
          "the composite is a new RGB float linear image");
    check(has_line(log, "STACK composite stars:36:100.0 background:28:100.0 OIII:31:100.0 "
                        "Ha:31:90.0 nebula:28:100.0"),
          "the composite's stack: stars, background, OIII, Ha (90 %), nebula");
    check(has_line(log, "STACK from-layers stars:36:100.0 background:28:100.0 OIII:31:100.0 "
                        "Ha:31:90.0 nebula:28:100.0"),
          "the composite from open layers has the same stack");
    NebulaCompositeParams cp;  // the composite call of the script
    cp.stars.black_point = 0.02;
    cp.ha.black_point = 0.1;
    cp.oiii.black_point = 0.08;
    cp.nebula.black_point = 0.05;
    cp.ha.blur = 1.5;
    cp.ha.opacity = 0.9;
    cp.stars_sharpening.radius = 2.0;
    cp.stars_sharpening.amount = 0.8;
    cp.storage = Trc::Linear;
    NebulaLayers all;
    all.nebula = ConstImageView(nebula.view());
    all.ha = ConstImageView(ha.view());
    all.oiii = ConstImageView(oiii.view());
    NoProgress quiet;
    const Image background = compose_nebula(all, cp, quiet);
    all.stars = ConstImageView(stars.view());
    const Image whole = compose_nebula(all, cp, quiet);
    const struct {
      const char* layer;
      Image expected;
    } layers[] = {
        {"stars", stars_layer(stars.view(), cp)},
        {"background", background},
        {"OIII", coloured_layer(oiii.view(), cp.oiii, cp.oiii_hue, cp)},
        {"Ha", coloured_layer(ha.view(), cp.ha, cp.ha_hue, cp)},
        {"nebula", prepared_layer(nebula.view(), cp.nebula, cp.storage)},
    };
    for (const auto& l : layers) {
      expect_close(check, dir / ("comp-" + std::string(l.layer) + ".fits"), l.expected, kExact,
                   std::string("composite from files: layer '") + l.layer + "'");
      expect_close(check, dir / ("layers-" + std::string(l.layer) + ".fits"), l.expected, kExact,
                   std::string("composite from layers: layer '") + l.layer + "'");
    }
    // GIMP's own compositing: the agreement gimp_compose measures (1e-4).
    expect_close(check, dir / "comp-visible.fits", whole, 1e-4,
                 "GIMP's rendering of the stack = compose_nebula");
    expect_close(check, dir / "comp-beneath.fits", background, 1e-4,
                 "GIMP's rendering beneath the stars = the background layer");

    // --- 3. bad input ------------------------------------------------------------------------
    const struct {
      const char* tag;
      const char* message;
    } refusals[] = {
        {"stars-missing", "The stars layer is missing"},
        {"haoiii-none", "Choose the Ha layer, the OIII layer or both"},
        {"haoiii-same", "are the same layer"},
        {"haoiii-range", "hue must be between 0 and 360"},
        {"haoiii-sizes", "The Ha layer is 37 x 23 pixels but the OIII layer is 20 x 15"},
        {"grey-scnr", "Green-noise removal needs colour, and this image is grey"},
        {"grey-haoiii", "Colourising Ha and OIII needs colour, and this image is grey"},
        {"indexed-stars", "Indexed images have too few colours"},
        {"indexed-scnr", "Indexed images have too few colours"},
        {"indexed-haoiii", "Indexed images have too few colours"},
        {"composite-both", "Both a file and a layer were given for the Ha"},
        {"composite-sizes", "all layers must have the same size"},
        {"composite-missing-file", "nowhere.fits"},
        {"composite-nothing", "Give at least one source"},
    };
    for (const auto& r : refusals) {
      const std::vector<std::string> lines = tagged_lines(log, std::string("BAD ") + r.tag + " ");
      const bool refused = lines.size() == 1 && lines[0].find(" refused dirty 0 ") != std::string::npos;
      check(refused, std::string(r.tag) + ": refused, the image not changed (" +
                         (lines.empty() ? std::string("no report") : lines[0]) + ")");
      check(has_line(log, r.message), std::string(r.tag) + ": the message says \"" + r.message +
                                          "\"");
    }
    for (const auto& r : refusals) {
      const std::vector<std::string> lines = tagged_lines(log, std::string("BAD ") + r.tag + " ");
      check(!lines.empty() && lines[0].find(" new-images 0") != std::string::npos,
            std::string(r.tag) + ": no image was left behind");
    }

    // --- 4. the dialogs ----------------------------------------------------------------------
    const std::string xvfb = find_program("xvfb-run");
    if (xvfb.empty()) {
      check(peer_missing("xvfb-run") == 77, "xvfb-run is installed (CI=true)");
    } else {
      const std::filesystem::path shots = dir / "screenshots";
      std::filesystem::create_directories(shots);
      GimpOptions options;
      options.xvfb = xvfb;
      options.environment = "ASTROPACK_DIALOG_SCREENSHOT='" + shots.string() + "'";
      options.marker = "DIALOG-TEST-DONE";
      const GimpRun dialogs = run_gimp(gimp, dir, "dialogs", kDialogScript,
                                       "(dialog-test \"" + dir.string() + "\")", options);
      check(dialogs.ok(), "the four dialogs ran under xvfb-run");
      check(has_line(dialogs.log, "DIALOG STACK Ha:36"),
            "after the dialogs the Ha layer went through the star blend (OK pressed)");
      const char* const dialogs_shown[] = {"astropack-scnr", "astropack-star-blend",
                                           "astropack-haoiii-screen",
                                           "astropack-nebula-composite"};
      const char* keep = std::getenv("ASTROPACK_SCREENSHOT_DIR");
      for (const char* name : dialogs_shown) {
        const std::filesystem::path shot = shots / (std::string(name) + ".png");
        check_screenshot(check, shot, name);
        if (keep != nullptr && *keep != '\0' && std::filesystem::exists(shot))
          std::filesystem::copy_file(shot, std::filesystem::path(keep) / shot.filename(),
                                     std::filesystem::copy_options::overwrite_existing);
      }
    }
  } catch (const std::exception& e) {
    check(false, std::string("test error: ") + e.what());
  }
  return check.finish(dir);
}
