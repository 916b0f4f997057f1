// SPDX-License-Identifier: GPL-3.0-or-later
// GIMP agreement of the compositing operations: gimp-console-2.10 runs each layer
// mode (with opacity, on perceptual and on linear images), Colorize, Levels,
// plug-in-gauss, plug-in-unsharp-mask and the whole nebula layer stack on float
// TIFFs written here, exports float TIFFs (which GIMP writes exactly), and each is
// compared with astropack's function on the same input. GIMP's pixels are the
// reference; every case must agree within 1e-4.
// Exits 77 (skipped) without gimp-console-2.10, unless CI=true.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "astropack/blend.hpp"
#include "astropack/colourise.hpp"
#include "astropack/error.hpp"
#include "astropack/gaussian_blur.hpp"
#include "astropack/levels.hpp"
#include "astropack/nebula_composite.hpp"
#include "astropack/tiff.hpp"
#include "gimp_runner.hpp"
#include "astropack/unsharp_mask.hpp"

using namespace astropack;
using astropack::gimp_runner::find_program;
namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-4;
constexpr std::size_t kWidth = 40, kHeight = 30;

// The Script-Fu scenario: one function, run in one gimp-console start.
const char* kScript = R"SCM(
(define (save-merged img name dir)
  (let ((d (car (gimp-image-merge-visible-layers img CLIP-TO-IMAGE))))
    (gimp-file-save RUN-NONINTERACTIVE img d (string-append dir "/out-" name ".tif")
                    (string-append "out-" name ".tif"))))

(define (load-image dir file)
  (let ((img (car (gimp-file-load RUN-NONINTERACTIVE (string-append dir "/" file) file))))
    (if (= (car (gimp-image-base-type img)) GRAY) (gimp-image-convert-rgb img))
    img))

; Core calls only (no file plug-in) from here: a copy of a loaded image, a layer
; copied from a loaded one.
(define (copy-of img linear)
  (let ((dup (car (gimp-image-duplicate img))))
    (if linear (gimp-image-convert-precision dup PRECISION-FLOAT-LINEAR))
    dup))

(define (add-copy img source mode opacity)
  (let ((lay (car (gimp-layer-new-from-drawable source img))))
    (gimp-image-insert-layer img lay 0 0)
    (gimp-layer-set-mode lay mode)
    (gimp-layer-set-opacity lay opacity)
    lay))

(define (active img) (car (gimp-image-get-active-drawable img)))

(define (astro-test dir)
  (let* ((a (load-image dir "a.tif"))
         (b (active (load-image dir "b.tif")))
         (ha-img (load-image dir "ha.tif"))
         (oiii-img (load-image dir "oiii.tif"))
         (stars (active (load-image dir "stars.tif")))
         (nebula (load-image dir "nebula.tif")))
    (gimp-message (string-append "PRECISION " (number->string (car (gimp-image-get-precision a)))))
    (for-each
      (lambda (linear)
        (for-each
          (lambda (c)
            (let ((img (copy-of a linear)))
              (add-copy img b (cadr c) (caddr c))
              (save-merged img (string-append (car c) (if linear "-linear" "")) dir)
              (gimp-image-delete img)))
          (list (list "normal60" LAYER-MODE-NORMAL 60)
                (list "lighten100" LAYER-MODE-LIGHTEN-ONLY 100)
                (list "lighten70" LAYER-MODE-LIGHTEN-ONLY 70)
                (list "screen100" LAYER-MODE-SCREEN 100)
                (list "screen40" LAYER-MODE-SCREEN 40)
                (list "addition50" LAYER-MODE-ADDITION 50)
                (list "multiply80" LAYER-MODE-MULTIPLY 80))))
      (list #f #t))
    (let ((op (lambda (source name fn)
                (let ((img (copy-of source #f)))
                  (fn img (active img))
                  (save-merged img name dir)
                  (gimp-image-delete img)))))
      (op a "colorize-a" (lambda (i d) (gimp-drawable-colorize-hsl d 200 70 20)))
      (op ha-img "colorize-red" (lambda (i d) (gimp-drawable-colorize-hsl d 0 100 0)))
      (op oiii-img "colorize-cyan" (lambda (i d) (gimp-drawable-colorize-hsl d 180 100 -30)))
      (op a "levels" (lambda (i d)
        (gimp-drawable-levels d HISTOGRAM-VALUE 0.1 0.8 FALSE 1.7 0.0 1.0 FALSE)))
      (op a "levels-clamped" (lambda (i d)
        (gimp-drawable-levels d HISTOGRAM-VALUE 0.05 0.9 TRUE 0.6 0.1 0.9 TRUE)))
      (op a "gauss-fir" (lambda (i d) (plug-in-gauss RUN-NONINTERACTIVE i d 2.5 2.5 0)))
      (op a "gauss-iir" (lambda (i d) (plug-in-gauss RUN-NONINTERACTIVE i d 10 6 0)))
      (op a "unsharp" (lambda (i d) (plug-in-unsharp-mask RUN-NONINTERACTIVE i d 3.0 1.5 0)))
      (op a "unsharp-threshold" (lambda (i d)
        (plug-in-unsharp-mask RUN-NONINTERACTIVE i d 2.0 0.8 20))))
    ; The workflow's stack: nebula, Ha red and OIII cyan in screen, stars in lighten only.
    (let* ((img (copy-of nebula #f))
           (base (active img))
           (ha (add-copy img (active ha-img) LAYER-MODE-SCREEN 90))
           (oiii (add-copy img (active oiii-img) LAYER-MODE-SCREEN 100))
           (st (add-copy img stars LAYER-MODE-LIGHTEN-ONLY 100)))
      (gimp-drawable-levels base HISTOGRAM-VALUE 0.05 1.0 FALSE 1.0 0.0 1.0 FALSE)
      (gimp-drawable-levels ha HISTOGRAM-VALUE 0.1 1.0 FALSE 1.0 0.0 1.0 FALSE)
      (plug-in-gauss RUN-NONINTERACTIVE img ha 5.0 5.0 0)
      (gimp-drawable-colorize-hsl ha 0 100 0)
      (gimp-drawable-levels oiii HISTOGRAM-VALUE 0.08 1.0 FALSE 1.0 0.0 1.0 FALSE)
      (gimp-drawable-colorize-hsl oiii 180 100 0)
      (gimp-drawable-levels st HISTOGRAM-VALUE 0.02 1.0 FALSE 1.0 0.0 1.0 FALSE)
      (plug-in-unsharp-mask RUN-NONINTERACTIVE img st 3.0 0.5 0)
      (save-merged img "compose" dir)
      (gimp-image-delete img))
    (for-each (lambda (i) (gimp-image-delete i)) (vector->list (cadr (gimp-image-list)))))
  (gimp-message "ASTRO-TEST-DONE"))
)SCM";

// Smooth structure, values above 1, tiny values and small negatives, as stretched
// astro data can hold.
Image make_rgb(double phase, double scale, double offset) {
  Image image(kWidth, kHeight, 3);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < kHeight; ++y)
      for (std::size_t x = 0; x < kWidth; ++x)
        image.at(c, y, x) = static_cast<float>(
            offset + scale * (0.5 + 0.5 * std::sin(0.37 * x + 1.3 * c + 0.71 * y + phase)));
  image.at(0, 2, 3) = 2.5f;
  image.at(1, 7, 5) = 1e-5f;
  image.at(2, 11, 9) = -0.02f;
  return image;
}

Image make_grey(double phase) {
  Image image(kWidth, kHeight, 1);
  for (std::size_t y = 0; y < kHeight; ++y)
    for (std::size_t x = 0; x < kWidth; ++x)
      image.at(0, y, x) = static_cast<float>(
          0.05 + 0.8 * std::exp(-((x - 20.0) * (x - 20.0) + (y - 14.0) * (y - 14.0)) / 90.0) +
          0.04 * std::sin(0.9 * x + 0.4 * y + phase));
  return image;
}

Image make_stars() {
  Image image(kWidth, kHeight, 3, 0.03f);
  const double stars[][3] = {{8, 6, 0.9}, {30, 20, 0.6}, {17, 25, 1.0}, {33, 5, 0.4}};
  for (const auto& s : stars)
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t y = 0; y < kHeight; ++y)
        for (std::size_t x = 0; x < kWidth; ++x)
          image.at(c, y, x) += static_cast<float>(
              s[2] * (1.0 - 0.1 * c) *
              std::exp(-((x - s[0]) * (x - s[0]) + (y - s[1]) * (y - s[1])) / 3.0));
  return image;
}

Image to_linear(const Image& image) {
  Image out = image;
  for (float& v : out.samples()) v = srgb_to_linear(v);
  return out;
}

struct Outcome {
  int failures = 0;
  int cases = 0;
};

void compare(Outcome& outcome, const fs::path& dir, const std::string& name,
             const Image& expected) {
  ++outcome.cases;
  const fs::path file = dir / ("out-" + name + ".tif");
  Image gimp;
  try {
    gimp = read_tiff(file);
  } catch (const Error& e) {
    std::printf("FAIL %-22s GIMP wrote no usable output: %s\n", name.c_str(), e.what());
    ++outcome.failures;
    return;
  }
  if (gimp.width() != expected.width() || gimp.height() != expected.height() ||
      gimp.channels() != expected.channels()) {
    std::printf("FAIL %-22s GIMP's output is %zu x %zu x %zu, expected %zu x %zu x %zu\n",
                name.c_str(), gimp.width(), gimp.height(), gimp.channels(), expected.width(),
                expected.height(), expected.channels());
    ++outcome.failures;
    return;
  }
  // babl's float conversions are exact to about 1e-7 on 0..1 and to a relative
  // 2e-5 far above 1 (sRGB-encoded 2.5 is 8.4 in linear light), so values above 1
  // are held to 1e-4 of their size.
  double worst = 0.0, worst_unit = 0.0, worst_scaled = 0.0;
  std::size_t where[3] = {0, 0, 0};
  for (std::size_t c = 0; c < gimp.channels(); ++c)
    for (std::size_t y = 0; y < gimp.height(); ++y)
      for (std::size_t x = 0; x < gimp.width(); ++x) {
        const double g = gimp.at(c, y, x);
        const double d = std::fabs(g - expected.at(c, y, x));
        if (std::fabs(g) <= 1.0 && !(d <= worst_unit)) worst_unit = d;
        worst_scaled = std::max(worst_scaled, d / std::max(1.0, std::fabs(g)));
        if (!(d <= worst)) {
          worst = d;
          where[0] = c, where[1] = y, where[2] = x;
        }
      }
  const bool ok = worst_scaled <= kTolerance && std::isfinite(worst);
  if (!ok) ++outcome.failures;
  std::printf("%s %-20s max |diff| %.2g on 0..1, %.2g overall (GIMP %.7g, astropack %.7g)\n",
              ok ? "ok  " : "FAIL", name.c_str(), worst_unit, worst,
              gimp.at(where[0], where[1], where[2]), expected.at(where[0], where[1], where[2]));
}

Image blended(const Image& backdrop, const Image& layer, BlendMode mode, double opacity,
              Trc storage) {
  Image out = backdrop;
  BlendParams p;
  p.mode = mode;
  p.opacity = opacity;
  p.storage = storage;
  blend(out.view(), layer.view(), p);
  return out;
}

Image coloured(const Image& image, double hue, double saturation, double lightness) {
  ColouriseParams p;
  p.hue = hue;
  p.saturation = saturation;
  p.lightness = lightness;
  return colourise(image.view(), p);
}

Image with_levels(const Image& image, const LevelsParams& p) {
  Image out = image;
  levels(out.view(), p);
  return out;
}

Image blurred(const Image& image, double radius_x, double radius_y) {
  Image out = image;
  GaussianBlurParams p;  // plug-in-gauss: the stored numbers, radius x 0.32
  p.std_dev_x = gimp_radius_to_std_dev(radius_x);
  p.std_dev_y = gimp_radius_to_std_dev(radius_y);
  gaussian_blur(out.view(), p);
  return out;
}

Image sharpened(const Image& image, double radius, double amount, int threshold) {
  Image out = image;
  UnsharpMaskParams p;
  p.radius = radius;
  p.amount = amount;
  p.threshold = threshold / 255.0;
  unsharp_mask(out.view(), p);
  return out;
}

}  // namespace

int main() {
  const std::string gimp = find_program("gimp-console-2.10");
  const char* ci = std::getenv("CI");
  if (gimp.empty()) {
    std::printf("gimp-console-2.10 not found\n");
    return ci && std::string(ci) == "true" ? 1 : 77;
  }
  char pattern[] = "/tmp/astropack-gimp-XXXXXX";
  if (!::mkdtemp(pattern)) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path dir = pattern;

  const Image a = make_rgb(0.0, 1.2, -0.05);
  const Image b = make_rgb(2.1, 0.9, 0.02);
  const Image ha = make_grey(0.3);
  const Image oiii = make_grey(1.7);
  const Image stars = make_stars();
  const Image nebula = make_rgb(4.0, 0.3, 0.02);
  const struct {
    const char* name;
    const Image* image;
  } inputs[] = {{"a.tif", &a},       {"b.tif", &b},         {"ha.tif", &ha},
                {"oiii.tif", &oiii}, {"stars.tif", &stars}, {"nebula.tif", &nebula}};
  for (const auto& input : inputs)
    write_tiff(dir / input.name, input.image->view(), Header{}, SampleFormat::Float32);
  std::ofstream(dir / "test.scm") << kScript;

  std::string command = "env -u DISPLAY LANG=C.UTF-8 GIMP2_DIRECTORY='";
  command.append((dir / "profile").string()).append("' timeout 500 '").append(gimp);
  command.append("' -i -d -f -b '(begin (load \"").append((dir / "test.scm").string());
  command.append("\") (astro-test \"").append(dir.string()).append("\"))' -b '(gimp-quit 0)' > '");
  command.append((dir / "log").string()).append("' 2>&1");
  const int status = std::system(command.c_str());

  std::ifstream log_file(dir / "log");
  const std::string log((std::istreambuf_iterator<char>(log_file)),
                        std::istreambuf_iterator<char>());
  const bool finished = log.find("ASTRO-TEST-DONE") != std::string::npos;
  const bool script_error = log.find("execution error") != std::string::npos ||
                            log.find("Plug-in crashed") != std::string::npos;
  if (status != 0 || !finished || script_error) {
    std::printf("gimp-console failed (status %d):\n%s\n", status, log.c_str());
    return 1;
  }
  if (log.find("PRECISION 650") == std::string::npos)
    std::printf("note: GIMP did not open the float TIFF as perceptual float (650)\n");

  Outcome outcome;
  const struct {
    const char* name;
    BlendMode mode;
    double opacity;
  } blends[] = {
      {"normal60", BlendMode::Normal, 0.6},       {"lighten100", BlendMode::LightenOnly, 1.0},
      {"lighten70", BlendMode::LightenOnly, 0.7}, {"screen100", BlendMode::Screen, 1.0},
      {"screen40", BlendMode::Screen, 0.4},       {"addition50", BlendMode::Addition, 0.5},
      {"multiply80", BlendMode::Multiply, 0.8}};
  for (const auto& c : blends)
    compare(outcome, dir, c.name, blended(a, b, c.mode, c.opacity, Trc::Perceptual));
  // The same on a linear-light image: GIMP converted the numbers on the way in.
  const Image a_linear = to_linear(a), b_linear = to_linear(b);
  for (const auto& c : blends)
    compare(outcome, dir, std::string(c.name) + "-linear",
            blended(a_linear, b_linear, c.mode, c.opacity, Trc::Linear));

  compare(outcome, dir, "colorize-a", coloured(a, 200, 70, 20));
  compare(outcome, dir, "colorize-red", coloured(ha, 0, 100, 0));
  compare(outcome, dir, "colorize-cyan", coloured(oiii, 180, 100, -30));
  LevelsParams lv;
  lv.black_point = 0.1;
  lv.white_point = 0.8;
  lv.gamma = 1.7;
  compare(outcome, dir, "levels", with_levels(a, lv));
  lv.black_point = 0.05;
  lv.white_point = 0.9;
  lv.gamma = 0.6;
  lv.output_black = 0.1;
  lv.output_white = 0.9;
  lv.clamp_input = lv.clamp_output = true;
  compare(outcome, dir, "levels-clamped", with_levels(a, lv));
  compare(outcome, dir, "gauss-fir", blurred(a, 2.5, 2.5));
  compare(outcome, dir, "gauss-iir", blurred(a, 10, 6));
  compare(outcome, dir, "unsharp", sharpened(a, 3.0, 1.5, 0));
  compare(outcome, dir, "unsharp-threshold", sharpened(a, 2.0, 0.8, 20));

  NebulaCompositeParams cp;
  cp.nebula.black_point = 0.05;
  cp.ha.black_point = 0.1;
  cp.ha.blur = gimp_radius_to_std_dev(5.0);
  cp.ha.opacity = 0.9;
  cp.oiii.black_point = 0.08;
  cp.stars.black_point = 0.02;
  cp.stars_sharpening.radius = 3.0;
  cp.stars_sharpening.amount = 0.5;
  NebulaLayers layers;
  layers.nebula = ConstImageView(nebula.view());
  layers.ha = ConstImageView(ha.view());
  layers.oiii = ConstImageView(oiii.view());
  layers.stars = ConstImageView(stars.view());
  NoProgress quiet;
  compare(outcome, dir, "compose", compose_nebula(layers, cp, quiet));

  std::printf("%d of %d cases within %g of GIMP 2.10 (relative above 1)\n",
              outcome.cases - outcome.failures, outcome.cases, kTolerance);
  if (outcome.failures == 0)
    fs::remove_all(dir);
  else
    std::printf("files kept in %s\n", dir.c_str());
  return outcome.failures == 0 ? 0 : 1;
}
