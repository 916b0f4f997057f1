// SPDX-License-Identifier: GPL-3.0-or-later
// Writes N synthetic 16-bit star fields for the star and selection benchmarks,
// fast and deterministic: a sky of 600 ADU with a gentle gradient, Moffat stars
// (FWHM 2.8 px, beta 3, averaged over each pixel near the core) with fluxes from
// a power law, photon and read noise, frames dithered by up to 15 px. Frame 4
// has 1.9 x wider seeing and frame 8 trailed stars (7 px), as in the simulated
// sessions.
//
//   make_star_frames OUT_DIR COUNT WIDTH HEIGHT [SEED]
//
// Files: OUT_DIR/light_00001.fit ... (BITPIX 16, BZERO 32768, XPIXSZ 3.76 um,
// FOCALLEN 480 mm, CVF 0.5), OUT_DIR/stars.csv (x, y in frame 1's stored pixels,
// 0-based; flux in ADU; snr, the star's own signal-to-noise in an optimal
// aperture) and OUT_DIR/frames.csv (number, dx, dy, fwhm, trail_dx, trail_dy: frame
// n shows the star at (x + dx, y + dy)).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image.hpp"

namespace {

constexpr double kSkyAdu = 600.0, kReadNoiseAdu = 7.0, kElectronsPerAdu = 0.5;
constexpr double kSeeing = 2.8, kBeta = 3.0, kStarsPerMegapixel = 500.0;

// A counter-based generator: the draws of a stream depend only on its key and
// their index, so rows can be filled in parallel with the same result.
class Stream {
 public:
  explicit Stream(std::uint64_t key) : m_key(key) {}
  double uniform() {  // in (0, 1]
    std::uint64_t z = m_key + 0x9E3779B97F4A7C15ull * ++m_count;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double((z ^ (z >> 31)) >> 11) + 1.0) / 9007199254740992.0;
  }
  double normal() {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  }

 private:
  std::uint64_t m_key, m_count = 0;
};

struct Star {
  double x, y, flux;  // frame 1, ADU
};

struct Frame {
  double dx = 0, dy = 0, fwhm = kSeeing, trail_dx = 0, trail_dy = 0;
};

// A positive whole number from the command line, or the program stops with a message.
std::size_t positive(const char* text, const char* what) {
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || text[used] != '\0' || value == 0) {
    std::fprintf(stderr, "make_star_frames: %s is '%s', not a positive whole number.\n", what,
                 text);
    std::exit(2);
  }
  return std::size_t(value);
}

// Adds a Moffat star of `flux` ADU at (cx, cy), drawn along its trail in half-pixel steps.
void add_star(std::vector<double>& signal, std::size_t w, std::size_t h, double cx, double cy,
              double flux, const Frame& f) {
  const double alpha = f.fwhm / (2 * std::sqrt(std::pow(2.0, 1 / kBeta) - 1));
  const double peak = flux * (kBeta - 1) / (M_PI * alpha * alpha);
  const double reach = alpha * std::sqrt(std::pow(peak / 0.5, 1 / kBeta) - 1);  // 0.5 ADU
  const double radius = std::clamp(reach, 2 * f.fwhm, 60.0) +
                        0.5 * std::hypot(f.trail_dx, f.trail_dy);
  const double trail = std::hypot(f.trail_dx, f.trail_dy);
  const int steps = trail > 0 ? int(std::ceil(trail / 0.5)) + 1 : 1;
  const long x0 = std::max(0L, long(cx - radius)), x1 = std::min(long(w) - 1, long(cx + radius));
  const long y0 = std::max(0L, long(cy - radius)), y1 = std::min(long(h) - 1, long(cy + radius));
  for (long y = y0; y <= y1; ++y)
    for (long x = x0; x <= x1; ++x) {
      double value = 0;
      for (int s = 0; s < steps; ++s) {
        const double t = steps > 1 ? double(s) / (steps - 1) - 0.5 : 0.0;
        const double ddx = double(x) - cx - t * f.trail_dx, ddy = double(y) - cy - t * f.trail_dy;
        const bool core = ddx * ddx + ddy * ddy < 4 * f.fwhm * f.fwhm;
        const int n = core ? 4 : 1;
        double sum = 0;
        for (int j = 0; j < n; ++j)
          for (int i = 0; i < n; ++i) {
            const double ox = core ? (i + 0.5) / n - 0.5 : 0, oy = core ? (j + 0.5) / n - 0.5 : 0;
            const double q = ((ddx + ox) * (ddx + ox) + (ddy + oy) * (ddy + oy)) / (alpha * alpha);
            sum += 1 / ((1 + q) * (1 + q) * (1 + q));
          }
        value += sum / (n * n);
      }
      signal[std::size_t(y) * w + std::size_t(x)] += peak * value / steps;
    }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6) {
    std::fprintf(stderr, "usage: make_star_frames OUT_DIR COUNT WIDTH HEIGHT [SEED]\n");
    return 2;
  }
  try {
    const std::filesystem::path folder = argv[1];
    const std::size_t count = positive(argv[2], "COUNT");
    const std::size_t width = positive(argv[3], "WIDTH");
    const std::size_t height = positive(argv[4], "HEIGHT");
    const std::uint64_t seed = argc == 6 ? positive(argv[5], "SEED") : 1;
    std::filesystem::create_directories(folder);

    // Stars over an area a dither larger than the frame; fluxes dN/dF ~ F^-1.5 from 300 ADU.
    Stream random(seed * 0x2545F4914F6CDD1Dull);
    const double margin = 20;
    const auto n_stars = std::size_t(kStarsPerMegapixel * double(width) * double(height) / 1e6);
    std::vector<Star> stars;
    for (std::size_t i = 0; i < n_stars; ++i) {
      const double x = -margin + random.uniform() * (double(width) + 2 * margin);
      const double y = -margin + random.uniform() * (double(height) + 2 * margin);
      double flux = 300.0 * std::pow(random.uniform(), -1 / 0.5);
      // Few saturated stars, as in a well-exposed light: one in twenty above 250000 ADU
      // (a peak of about 40000 ADU) is kept, the others are drawn again.
      while (flux > 2.5e5 && random.uniform() > 0.05)
        flux = 300.0 * std::pow(random.uniform(), -1 / 0.5);
      stars.push_back({x, y, std::min(flux, 3e6)});
    }
    std::vector<Frame> frames(count);
    for (std::size_t k = 1; k < count; ++k) {
      frames[k].dx = std::round((random.uniform() - 0.5) * 30 * 100) / 100;
      frames[k].dy = std::round((random.uniform() - 0.5) * 30 * 100) / 100;
      frames[k].fwhm = kSeeing * (1 + 0.04 * random.normal());
    }
    if (count >= 4) frames[3].fwhm = kSeeing * 1.9;
    if (count >= 8) {
      frames[7].trail_dx = 7 * std::cos(0.6);
      frames[7].trail_dy = 7 * std::sin(0.6);
    }

    // Truth files.
    const double sigma = kSeeing / 2.3548;
    std::string text = "x,y,flux,snr\n";
    for (const Star& s : stars) {
      if (s.x < 0 || s.y < 0 || s.x > double(width) - 1 || s.y > double(height) - 1) continue;
      const double noise2 = kReadNoiseAdu * kReadNoiseAdu + kSkyAdu / kElectronsPerAdu;
      const double snr = s.flux / std::sqrt(s.flux / kElectronsPerAdu +
                                            4 * M_PI * sigma * sigma * noise2);
      char line[96];
      std::snprintf(line, sizeof line, "%.4f,%.4f,%.3f,%.2f\n", s.x, s.y, s.flux, snr);
      text.append(line);
    }
    std::FILE* out = std::fopen((folder / "stars.csv").c_str(), "w");
    if (!out) throw astropack::Error(astropack::ErrorKind::Unwritable, folder / "stars.csv",
                                     "cannot be written.");
    std::fputs(text.c_str(), out);
    std::fclose(out);
    out = std::fopen((folder / "frames.csv").c_str(), "w");
    if (!out) throw astropack::Error(astropack::ErrorKind::Unwritable, folder / "frames.csv",
                                     "cannot be written.");
    std::fputs("number,dx,dy,fwhm,trail_dx,trail_dy\n", out);
    for (std::size_t k = 0; k < count; ++k)
      std::fprintf(out, "%zu,%.2f,%.2f,%.4f,%.4f,%.4f\n", k + 1, frames[k].dx, frames[k].dy,
                   frames[k].fwhm, frames[k].trail_dx, frames[k].trail_dy);
    std::fclose(out);

    astropack::Image image(width, height, 1);
    astropack::Header& header = image.header();
    header.exposure = 120.0;
    header.pixel_size_x = header.pixel_size_y = 3.76;
    header.focal_length = 480.0;
    header.electrons_per_adu = kElectronsPerAdu;
    header.image_type = "Light Frame";
    std::vector<double> signal(width * height);
    for (std::size_t k = 0; k < count; ++k) {
      const Frame& f = frames[k];
      for (std::size_t y = 0; y < height; ++y)
        for (std::size_t x = 0; x < width; ++x)
          signal[y * width + x] = kSkyAdu * (1 + 0.05 * double(x) / double(width));
      for (const Star& s : stars) add_star(signal, width, height, s.x + f.dx, s.y + f.dy, s.flux, f);
#pragma omp parallel for schedule(static)
      for (std::size_t y = 0; y < height; ++y) {
        Stream row(((seed * 1000003 + k) << 32) + y);
        float* pixels = image.row(0, y);
        for (std::size_t x = 0; x < width; ++x) {
          const double s = signal[y * width + x];
          const double noise = std::sqrt(s / kElectronsPerAdu + kReadNoiseAdu * kReadNoiseAdu);
          const double adu = std::clamp(std::round(s + noise * row.normal()), 0.0, 65535.0);
          pixels[x] = float(adu / 65535.0);
        }
      }
      char name[32];
      std::snprintf(name, sizeof name, "light_%05zu.fit", k + 1);
      astropack::write_fits(folder / name, image, astropack::SampleFormat::UInt16);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_star_frames: %s\n", e.what());
    return 1;
  }
}
