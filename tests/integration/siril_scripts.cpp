// SPDX-License-Identifier: GPL-3.0-or-later
// The workflow's Siril scripts (siril-scripts/*.ssf) run by the real siril-cli
// on the simulated sample sessions, as a user runs them: `astropack simulate`
// (small = mono, osc = colour), `astropack master` for the dark and the flat
// (dark-flat corrected) in masters/, the lights in lights/.
//
// Each script's files are read back with astropack's readers and checked
// against what they must be, computed here independently:
//  - the stacks hold every light (STACKCNT) and line up with the noise-free
//    sky of light 1 (the registration reference), and averaging lowered the
//    noise against a single calibrated light;
//  - background extraction flattened the stack, the colour balance made the
//    channels' background and signal alike, SCNR left little green excess;
//  - the stretched TIFFs equal Siril's asinh formula (siril-compat.md 4.7)
//    applied to the linear files the same script wrote;
//  - Ha and OIII follow the red and the green+blue sites of the true sky;
//  - the JPEG of the finishing script has less green than its input.
// Then scripts run on folders missing a frame type must fail with Siril's
// error and write nothing.
// Exit status: 0 pass, 1 fail, 77 skip (siril-cli missing and CI is not "true").
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "check_tally.hpp"
#include "siril_runner.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image.hpp"
#include "astropack/statistics.hpp"
#include "astropack/tiff.hpp"

using namespace astropack;
namespace fs = std::filesystem;
using astropack::integration::CheckTally;
using astropack::siril_runner::find_siril;
using astropack::siril_runner::run_siril;

namespace {

CheckTally check;

// Joins text without operator+ chains (g++ 12 warns falsely on them at -O3).
std::string join(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (std::string_view part : parts) text.append(part);
  return text;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

struct Tools {
  fs::path astropack, scripts, work, home;
  std::string siril;
};

// Runs the astropack CLI with `arguments` (already quoted), its output in log.
bool run_astropack(const Tools& t, const std::string& arguments, const fs::path& log) {
  const std::string command =
      join({"'", t.astropack.string(), "' ", arguments, " > '", log.string(), "' 2>&1"});
  return std::system(command.c_str()) == 0;
}

// Runs the shipped script `name` (siril-scripts/<name>.ssf) in `dir`; its log is
// dir/<name>.log. Returns siril-cli's exit status.
int run_script(const Tools& t, const fs::path& dir, const std::string& name) {
  const std::string script = read_text(t.scripts / join({name, ".ssf"}));
  if (script.empty()) {
    check(false, join({"siril-scripts/", name, ".ssf exists"}));
    return -1;
  }
  return run_siril(t.siril, dir, t.home, name, script);
}

struct Session {
  fs::path dir;     // lights/, masters/ as the scripts expect
  fs::path truth;   // the simulation's ground truth
  std::size_t lights = 0;
};

// A simulated session laid out as the scripts expect, masters by `astropack master`.
Session make_session(const Tools& t, const std::string& preset) {
  Session s;
  const fs::path sim = t.work / join({"sim-", preset});
  s.dir = t.work / preset;
  s.truth = sim / "truth";
  const std::string q_sim = join({"'", sim.string(), "'"});
  check(run_astropack(t, join({"simulate --preset ", preset, " ", q_sim}), t.work / "simulate.log"),
        join({"astropack simulate --preset ", preset}));
  fs::create_directories(s.dir / "lights");
  fs::create_directories(s.dir / "masters");
  for (const auto& entry : fs::directory_iterator(sim / "lights")) {
    fs::copy_file(entry.path(), s.dir / "lights" / entry.path().filename());
    ++s.lights;
  }
  const fs::path masters = s.dir / "masters";
  const std::string darkflat = (sim / "master_darkflat.fit").string();
  const std::string jobs[] = {
      join({"master --type dark -o '", (masters / "master_dark.fit").string(), "' ", q_sim, "/darks"}),
      join({"master --type darkflat -o '", darkflat, "' ", q_sim, "/darkflats"}),
      join({"master --type flat --darkflat '", darkflat, "' -o '",
            (masters / "master_flat.fit").string(), "' ", q_sim, "/flats"}),
  };
  for (const std::string& job : jobs)
    check(run_astropack(t, job, t.work / "master.log"), join({"astropack ", job}));
  return s;
}

// --- measurements ---------------------------------------------------------------------

bool all_finite(const Image& image) {
  return std::all_of(image.samples().begin(), image.samples().end(),
                     [](float v) { return std::isfinite(v); });
}

// Pearson correlation of two equally long planes.
double correlation(const float* a, const float* b, std::size_t n) {
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < n; ++i) ma += a[i], mb += b[i];
  ma /= double(n);
  mb /= double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// Correlation over the inner part (a margin of 12 pixels, where every frame
// overlaps after registration).
double inner_correlation(const Image& a, std::size_t ca, const Image& b, std::size_t cb) {
  const std::size_t margin = 12;
  std::vector<float> va, vb;
  for (std::size_t y = margin; y + margin < a.height(); ++y)
    for (std::size_t x = margin; x + margin < a.width(); ++x) {
      va.push_back(a.at(ca, y, x));
      vb.push_back(b.at(cb, y, x));
    }
  return correlation(va.data(), vb.data(), va.size());
}

double percentile(const float* plane, std::size_t n, double fraction) {
  std::vector<float> values(plane, plane + n);
  const auto k = static_cast<std::ptrdiff_t>(fraction * double(n - 1));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[std::size_t(k)];
}

// Noise against signal of a channel: Siril's background noise over the spread
// from the median to the 99th percentile. Averaging N frames lowers it ~sqrt(N).
double noise_to_signal(const Image& image, std::size_t channel) {
  const float* p = image.plane(channel);
  const std::size_t n = image.pixel_count();
  const double span = percentile(p, n, 0.99) - percentile(p, n, 0.5);
  return background_noise(image.view().plane(channel)) / span;
}

// How far the background strays: the spread (max - min) of the medians of
// 40 x 40 boxes in the four corners, where the simulated nebula is faint and the
// light-pollution gradient shows.
double corner_spread(const Image& image, std::size_t channel) {
  const std::size_t box = 40, inset = 8;
  double low = 1e30, high = -1e30;
  for (const std::size_t y0 : {inset, image.height() - box - inset})
    for (const std::size_t x0 : {inset, image.width() - box - inset}) {
      std::vector<float> values;
      for (std::size_t y = y0; y < y0 + box; ++y)
        for (std::size_t x = x0; x < x0 + box; ++x) values.push_back(image.at(channel, y, x));
      const double m = median_in_place(values);
      low = std::min(low, m);
      high = std::max(high, m);
    }
  return high - low;
}

// Means of 4 x 4 pixel blocks of channel 0, minus their least-squares plane and
// scaled to zero mean and unit variance: the nebula's shape, without stars'
// sub-pixel positions, without the background gradient and without the scale.
std::vector<double> nebula_shape(const Image& image) {
  const std::size_t k = 4, bw = image.width() / k, bh = image.height() / k;
  std::vector<double> v(bw * bh);
  for (std::size_t j = 0; j < bh; ++j)
    for (std::size_t i = 0; i < bw; ++i) {
      double sum = 0;
      for (std::size_t y = 0; y < k; ++y)
        for (std::size_t x = 0; x < k; ++x) sum += image.at(0, j * k + y, i * k + x);
      v[j * bw + i] = sum / double(k * k);
    }
  // Plane a + b i + c j by least squares: the normal equations, solved by Cramer's rule.
  double s[3][3] = {}, r[3] = {};
  for (std::size_t j = 0; j < bh; ++j)
    for (std::size_t i = 0; i < bw; ++i) {
      const double f[3] = {1.0, double(i), double(j)};
      for (int p = 0; p < 3; ++p) {
        r[p] += f[p] * v[j * bw + i];
        for (int q = 0; q < 3; ++q) s[p][q] += f[p] * f[q];
      }
    }
  const auto det = [](const double m[3][3]) {
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  };
  double coefficient[3];
  for (int p = 0; p < 3; ++p) {
    double m[3][3];
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) m[a][b] = b == p ? r[a] : s[a][b];
    coefficient[p] = det(m) / det(s);
  }
  double mean = 0, square = 0;
  for (std::size_t j = 0; j < bh; ++j)
    for (std::size_t i = 0; i < bw; ++i) {
      double& x = v[j * bw + i];
      x -= coefficient[0] + coefficient[1] * double(i) + coefficient[2] * double(j);
      mean += x;
      square += x * x;
    }
  mean /= double(v.size());
  const double sd = std::sqrt(square / double(v.size()) - mean * mean);
  for (double& x : v) x = (x - mean) / sd;
  return v;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<float> fa(a.begin(), a.end()), fb(b.begin(), b.end());
  return correlation(fa.data(), fb.data(), fa.size());
}

// Siril 1.0's asinh (siril-compat.md 4.7, black point 0): mono y = asinh(b x) /
// asinh(b); colour: every channel times asinh(b Y) / (Y asinh(b)), clipped to
// [0, 1], with Y = 0.3333 (r + g + b) (Siril's weights, not exactly 1/3).
Image siril_asinh(const Image& in, double strength) {
  Image out(in.width(), in.height(), in.channels());
  const double norm = std::asinh(strength);
  for (std::size_t i = 0; i < in.pixel_count(); ++i) {
    double y = 0;
    for (std::size_t c = 0; c < in.channels(); ++c) y += std::max(0.0f, in.plane(c)[i]);
    y *= in.channels() == 1 ? 1.0 : 0.3333;
    const double k = y > 0 ? std::asinh(strength * y) / (y * norm) : 0.0;
    for (std::size_t c = 0; c < in.channels(); ++c)
      out.plane(c)[i] = float(std::clamp(std::max(0.0f, in.plane(c)[i]) * k, 0.0, 1.0));
  }
  return out;
}

double largest_difference(const Image& a, const Image& b) {
  if (a.samples().size() != b.samples().size()) return 1e30;
  double worst = 0;
  for (std::size_t i = 0; i < a.samples().size(); ++i)
    worst = std::max(worst, double(std::fabs(a.samples()[i] - b.samples()[i])));
  return worst;
}

// Mean over the pixels of g - (r + b) / 2: the green excess SCNR removes.
double green_excess(const Image& rgb) {
  double sum = 0;
  for (std::size_t i = 0; i < rgb.pixel_count(); ++i)
    sum += rgb.plane(1)[i] - 0.5 * (rgb.plane(0)[i] + rgb.plane(2)[i]);
  return sum / double(rgb.pixel_count());
}

// The share of pixels whose green exceeds (r + b) / 2 by more than 1e-5, what
// SCNR average neutral (rmgreen 0) leaves almost none of.
double green_pixels(const Image& rgb) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < rgb.pixel_count(); ++i)
    if (rgb.plane(1)[i] > 0.5 * (rgb.plane(0)[i] + rgb.plane(2)[i]) + 1e-5) ++n;
  return double(n) / double(rgb.pixel_count());
}

// Reads a file the script promised; a missing or unreadable one fails the check.
bool read_output(const fs::path& file, Image& image) {
  try {
    image = file.extension() == ".tif" ? read_tiff(file) : read_fits(file);
    return true;
  } catch (const Error& e) {
    check(false, join({file.filename().string(), " can be read: ", e.what()}));
    return false;
  }
}

void check_sane(const Image& image, const std::string& name, std::size_t width,
                std::size_t height, std::size_t channels) {
  check(image.width() == width && image.height() == height && image.channels() == channels,
        join({name, " is ", std::to_string(width), " x ", std::to_string(height), " with ",
              std::to_string(channels), " channel(s)"}));
  check(all_finite(image), join({name, ": every pixel is finite"}));
  const auto stats = compute_statistics(image.view());
  for (std::size_t c = 0; c < stats.size(); ++c) {
    const auto& s = stats[c];
    std::printf("  %-16s ch%zu median %.5f mean %.5f sigma %.5f min %.5f max %.5f bgnoise %.3g\n",
                name.c_str(), c, s.median, s.mean, s.sigma, s.min, s.max, s.background_noise);
    check(s.sigma > 10 * s.background_noise && s.max > s.min,
          join({name, ": channel ", std::to_string(c), " is not constant (structure above noise)"}));
    check(s.median > 0 && s.median < 0.3 && s.median < s.mean + 0.05,
          join({name, ": channel ", std::to_string(c), " has a plausible background (median ",
                number(s.median), ")"}));
  }
}

// The stack `file`: every light in it, aligned with the true sky of light 1 and
// less noisy than one calibrated light.
void check_stack(const Session& s, const Image& stack, const std::string& name,
                 const Image& truth, const fs::path& single_light) {
  check(stack.header().stack_count == int(s.lights),
        join({name, ": STACKCNT ", std::to_string(stack.header().stack_count.value_or(-1)),
              " = every light registered and stacked (", std::to_string(s.lights), ")"}));
  for (std::size_t c = 0; c < stack.channels(); ++c) {
    const double r = inner_correlation(stack, c, truth, c);
    std::printf("  %s ch%zu: correlation with the true sky of light 1 %.4f\n", name.c_str(), c, r);
    check(r > 0.95, join({name, ": channel ", std::to_string(c),
                          " lines up with the true sky of light 1 (correlation ", number(r), ")"}));
  }
  Image single;
  if (!read_output(single_light, single)) return;
  const double ns_single = noise_to_signal(single, 0), ns_stack = noise_to_signal(stack, 0);
  std::printf("  %s: noise/signal %.4g, one calibrated light %.4g (ratio %.2f, sqrt(N) %.2f)\n",
              name.c_str(), ns_stack, ns_single, ns_single / ns_stack, std::sqrt(double(s.lights)));
  check(ns_stack < ns_single / 2,
        join({name, ": averaging lowered the noise against one light (", number(ns_single / ns_stack),
              " times)"}));
}

// stars.tif = Siril's asinh 50 of cropped.fit; cropped.tif = cropped.fit.
void check_post_stack(const Session& s, const Image& stack, std::size_t channels) {
  Image cropped, cropped_tif, stars;
  if (!read_output(s.dir / "cropped.fit", cropped) ||
      !read_output(s.dir / "cropped.tif", cropped_tif) || !read_output(s.dir / "stars.tif", stars))
    return;
  check_sane(cropped, "cropped.fit", stack.width(), stack.height(), channels);
  check_sane(stars, "stars.tif", stack.width(), stack.height(), channels);
  check(largest_difference(cropped, cropped_tif) < 1e-7,
        "cropped.tif holds the pixels of cropped.fit (32-bit float, same orientation)");
  for (std::size_t c = 0; c < channels; ++c) {
    const double before = corner_spread(stack, c), after = corner_spread(cropped, c);
    std::printf("  corner background spread ch%zu: stack %.3g, cropped %.3g\n", c, before, after);
    check(after < before / 4,
          join({"background extraction flattened channel ", std::to_string(c), " (spread ",
                number(before), " -> ", number(after), ")"}));
  }
  const double d = largest_difference(stars, siril_asinh(cropped, 50.0));
  std::printf("  stars.tif against asinh 50 of cropped.fit: max |difference| %.3g\n", d);
  check(d < 1e-6, "stars.tif is Siril's asinh 50 of cropped.fit");
}

// --- the scripts ----------------------------------------------------------------------

struct Stacked {
  Session s;
  Image stack, truth;  // result.fit and the true sky of light 1
  bool ok = false;
};

// A simulated session preprocessed by `script`, its result.fit checked.
Stacked preprocess(const Tools& t, const std::string& preset, const std::string& script,
                   const std::string& truth_file, std::size_t channels) {
  std::printf("\n== %s (simulate --preset %s)\n", channels == 1 ? "mono" : "colour",
              preset.c_str());
  Stacked r;
  r.s = make_session(t, preset);
  check(run_script(t, r.s.dir, script) == 0, join({script, " ran"}));
  if (!read_output(r.s.dir / "result.fit", r.stack) ||
      !read_output(r.s.truth / truth_file, r.truth))
    return r;
  check_sane(r.stack, "result.fit", r.truth.width(), r.truth.height(), channels);
  check_stack(r.s, r.stack, "result.fit", r.truth, r.s.dir / "process" / "pp_light_00001.fit");
  r.ok = true;
  return r;
}

void mono_workflow(const Tools& t) {
  const Stacked mono = preprocess(t, "small", "Astropack_Mono_Preprocessing", "sky.fit", 1);
  if (!mono.ok) return;
  const Session& s = mono.s;
  const Image& stack = mono.stack;

  check(run_script(t, s.dir, "Astropack_Poststack_Mono") == 0, "Astropack_Poststack_Mono ran");
  check_post_stack(s, stack, 1);

  // A frame type missing: no master flat.
  const fs::path broken = t.work / "mono-without-flat";
  fs::create_directories(broken / "masters");
  fs::copy(s.dir / "lights", broken / "lights");
  fs::copy_file(s.dir / "masters" / "master_dark.fit", broken / "masters" / "master_dark.fit");
  const int code = run_script(t, broken, "Astropack_Mono_Preprocessing");
  const std::string log = read_text(broken / "Astropack_Mono_Preprocessing.log");
  check(code != 0, "without masters/master_flat.fit the mono script exits non-zero");
  check(log.find("master_flat") != std::string::npos && log.find("not found") != std::string::npos &&
            log.find("Error in line") != std::string::npos,
        "... with Siril's error naming the missing master_flat");
  check(!fs::exists(broken / "result.fit"), "... and writes no result.fit");
}

void haoiii_workflow(const Tools& t, const Session& s, const Image& truth) {
  check(run_script(t, s.dir, "Astropack_OSC_HaOIII") == 0, "Astropack_OSC_HaOIII ran");
  for (const char* stack_name : {"haoiii_00001.fit", "haoiii_00002.fit"}) {
    Image stack;
    if (!read_output(s.dir / "process" / stack_name, stack)) continue;
    check(stack.header().stack_count == int(s.lights),
          join({"process/", stack_name, ": STACKCNT ",
                std::to_string(stack.header().stack_count.value_or(-1)),
                " = every light registered and stacked"}));
  }
  // The true Ha and OIII: the red site, and the mean of two green and one blue site.
  Image true_ha(truth.width(), truth.height(), 1), true_oiii(truth.width(), truth.height(), 1);
  for (std::size_t i = 0; i < truth.pixel_count(); ++i) {
    true_ha.plane(0)[i] = truth.plane(0)[i];
    true_oiii.plane(0)[i] = (2 * truth.plane(1)[i] + truth.plane(2)[i]) / 3;
  }
  Image linear[2];
  const char* const names[2] = {"ha", "oiii"};
  const Image* const truths[2] = {&true_ha, &true_oiii};
  for (int band = 0; band < 2; ++band) {
    Image stretched;
    const std::string linear_name = join({names[band], "_linear.tif"});
    const std::string stretched_name = join({names[band], ".tif"});
    if (!read_output(s.dir / linear_name, linear[band]) ||
        !read_output(s.dir / stretched_name, stretched))
      return;
    check_sane(linear[band], linear_name, truth.width(), truth.height(), 1);
    check_sane(stretched, stretched_name, truth.width(), truth.height(), 1);
    const double r = correlation(nebula_shape(linear[band]), nebula_shape(*truths[band]));
    std::printf("  %s: nebula shape against its true band: correlation %.4f\n", linear_name.c_str(),
                r);
    check(r > 0.9, join({linear_name, " follows its band of the true sky (correlation ",
                         number(r), ")"}));
    const double d = largest_difference(stretched, siril_asinh(linear[band], 20.0));
    std::printf("  %s against asinh 20 of %s: max |difference| %.3g\n", stretched_name.c_str(),
                linear_name.c_str(), d);
    check(d < 1e-6, join({stretched_name, " is Siril's asinh 20 of ", linear_name}));
  }
  // Both bands share stars and most of the nebula; what tells them apart is where
  // Ha and OIII differ. Swapped bands would give a negative correlation.
  const auto difference = [](const Image& ha, const Image& oiii) {
    std::vector<double> d = nebula_shape(ha);
    const std::vector<double> o = nebula_shape(oiii);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] -= o[i];
    return d;
  };
  const double r = correlation(difference(linear[0], linear[1]), difference(true_ha, true_oiii));
  std::printf("  Ha - OIII against the true Ha - OIII: correlation %.4f\n", r);
  check(r > 0.25, join({"ha_linear.tif and oiii_linear.tif differ where the true bands do "
                        "(correlation ", number(r), ")"}));
}

// The GIMP result stands in as stars.tif with a green cast; Siril's JPEG must
// have lost most of it.
void finishing(const Tools& t, const Session& s) {
  Image picture;
  if (!read_output(s.dir / "stars.tif", picture)) return;
  for (std::size_t i = 0; i < picture.pixel_count(); ++i)
    picture.plane(1)[i] = std::min(1.0f, picture.plane(1)[i] * 1.25f);
  write_tiff(s.dir / "final.tif", picture.view(), Header{}, SampleFormat::Float32);
  check(run_script(t, s.dir, "Astropack_Finishing") == 0, "Astropack_Finishing ran");
  std::ifstream jpeg(s.dir / "final.jpg", std::ios::binary);
  unsigned char magic[3] = {0, 0, 0};
  jpeg.read(reinterpret_cast<char*>(magic), 3);
  check(magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF, "final.jpg is a JPEG");
  // Decoded by Siril itself, into a TIFF astropack reads.
  check(run_siril(t.siril, s.dir, t.home, "decode_jpeg",
                  "requires 1.0.0\nload final.jpg\nsavetif final_jpeg\n") == 0,
        "siril-cli decodes final.jpg");
  Image decoded;
  if (!read_output(s.dir / "final_jpeg.tif", decoded)) return;
  check_sane(decoded, "final.jpg", picture.width(), picture.height(), 3);
  const double before = green_excess(picture), after = green_excess(decoded);
  std::printf("  green excess g - (r+b)/2: final.tif %.4f, final.jpg %.4f\n", before, after);
  check(before > 0.005 && after < before / 4,
        join({"final.jpg: green removed (mean g - (r+b)/2 ", number(before), " -> ", number(after),
              ")"}));
  const double r = inner_correlation(decoded, 0, picture, 0);
  check(r > 0.95, join({"final.jpg: red follows the picture (correlation ", number(r), ")"}));

  // A frame type missing: no GIMP result.
  const fs::path broken = t.work / "finishing-without-picture";
  fs::create_directories(broken);
  check(run_script(t, broken, "Astropack_Finishing") != 0,
        "without final.tif the finishing script exits non-zero");
  check(!fs::exists(broken / "final.jpg"), "... and writes no final.jpg");
}

void colour_workflow(const Tools& t) {
  const Stacked colour = preprocess(t, "osc", "Astropack_OSC_Preprocessing", "sky_rgb.fit", 3);
  if (!colour.ok) return;
  const Session& s = colour.s;
  const Image& stack = colour.stack;
  const Image& truth = colour.truth;

  check(run_script(t, s.dir, "Astropack_Poststack_Colour") == 0, "Astropack_Poststack_Colour ran");
  check_post_stack(s, stack, 3);
  Image cropped;
  if (read_output(s.dir / "cropped.fit", cropped)) {
    const auto before = compute_statistics(stack.view()), after = compute_statistics(cropped.view());
    std::array<double, 3> bg{}, signal{}, bg0{}, signal0{};
    for (std::size_t c = 0; c < 3; ++c) {
      bg0[c] = before[c].median;
      signal0[c] = before[c].mean - before[c].median;
      bg[c] = after[c].median;
      signal[c] = after[c].mean - after[c].median;
    }
    const auto ratio = [](const std::array<double, 3>& v) {
      return *std::max_element(v.begin(), v.end()) / *std::min_element(v.begin(), v.end());
    };
    std::printf("  channel backgrounds max/min: stack %.3f, cropped %.3f; signals: stack %.3f, "
                "cropped %.3f\n", ratio(bg0), ratio(bg), ratio(signal0), ratio(signal));
    check(ratio(bg) < 1.03, join({"cropped.fit: neutral background (channel medians within ",
                                  number((ratio(bg) - 1) * 100), " %)"}));
    check(ratio(signal) < 1.15 && ratio(signal) < ratio(signal0),
          join({"cropped.fit: colour balanced (channel signals max/min ", number(ratio(signal0)),
                " -> ", number(ratio(signal)), ")"}));
    const double before_green = green_pixels(stack), after_green = green_pixels(cropped);
    std::printf("  pixels with g > (r+b)/2: stack %.4f, cropped %.4f\n", before_green, after_green);
    check(after_green < 0.01,
          join({"cropped.fit: green noise removed (pixels with g > (r+b)/2: ",
                number(after_green * 100), " %)"}));
  }

  haoiii_workflow(t, s, truth);
  finishing(t, s);

  // A frame type missing: the Ha/OIII script in a folder without lights.
  const fs::path broken = t.work / "osc-without-lights";
  fs::create_directories(broken);
  fs::copy(s.dir / "masters", broken / "masters");
  const int code = run_script(t, broken, "Astropack_OSC_HaOIII");
  const std::string log = read_text(broken / "Astropack_OSC_HaOIII.log");
  check(code != 0, "without lights/ the Ha/OIII script exits non-zero");
  check(log.find("Error in line") != std::string::npos, "... with Siril's error line");
  check(!fs::exists(broken / "ha.tif"), "... and writes no ha.tif");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cout << "usage: siril_scripts PATH-TO-ASTROPACK SIRIL-SCRIPTS-FOLDER\n";
    return 1;
  }
  Tools t;
  t.siril = find_siril();
  if (t.siril.empty()) return astropack::integration::peer_missing("siril-cli");
  t.astropack = fs::absolute(argv[1]);
  t.scripts = fs::absolute(argv[2]);
  char pattern[] = "/tmp/astropack-siril-scripts-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::cout << "cannot create a temporary folder\n";
    return 1;
  }
  t.work = pattern;
  t.home = t.work / "home";
  fs::create_directories(t.home);
  try {
    mono_workflow(t);
    colour_workflow(t);
  } catch (const std::exception& e) {
    check(false, join({"unexpected error: ", e.what()}));
  }
  return check.finish(t.work);
}
