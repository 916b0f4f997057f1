// SPDX-License-Identifier: GPL-3.0-or-later
// Writes a synthetic calibration set for the light-calibration benchmark, fast
// and deterministic, masters in OUT_DIR/masters, lights in OUT_DIR/lights:
//   master_bias.fit  float, 2048 ADU with a fixed column pattern
//   master_dark.fit  float, bias-free thermal signal: 30 ADU with 20 % spread and
//                    1e-4 hot pixels of 3000..30000 ADU
//   master_flat.fit  float, vignetting to 70 % in the corners x 1 % PRNU, mean 0.45
//   light_00001.fit ... 16-bit: bias + thermal + sky (1500 ADU with a gradient and a
//                    few hundred stars) x flat + Gaussian noise
// Frame i depends only on (seed, i), so the files are the same whatever the
// thread count.
//
//   make_calibration_frames OUT_DIR COUNT WIDTH HEIGHT [SEED]
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/image.hpp"

namespace {

using astropack::Image;

constexpr double kAdu = 65535.0;

// splitmix64 keyed by position: the value of a pixel does not depend on the order.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
double uniform(std::uint64_t key) { return (double(mix(key) >> 11) + 1.0) / 9007199254740992.0; }
double gaussian(std::uint64_t key) {
  return std::sqrt(-2.0 * std::log(uniform(key))) * std::cos(6.283185307179586 * uniform(key ^ 0xABCDEFull));
}

std::size_t parse_count(const char* text, const char* what) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || value == 0) {
    std::fprintf(stderr, "make_calibration_frames: %s must be a positive whole number, not '%s'.\n",
                 what, text);
    std::exit(2);
  }
  return static_cast<std::size_t>(value);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6) {
    std::fprintf(stderr, "usage: make_calibration_frames OUT_DIR COUNT WIDTH HEIGHT [SEED]\n");
    return 2;
  }
  try {
    const std::filesystem::path out = argv[1];
    const std::size_t count = parse_count(argv[2], "COUNT");
    const std::size_t w = parse_count(argv[3], "WIDTH"), h = parse_count(argv[4], "HEIGHT");
    const std::uint64_t seed = argc == 6 ? parse_count(argv[5], "SEED") : 1;
    std::filesystem::create_directories(out / "masters");
    std::filesystem::create_directories(out / "lights");
    const long rows = static_cast<long>(h);

    Image bias(w, h, 1), dark(w, h, 1), flat(w, h, 1);
    const double cx = 0.5 * double(w), cy = 0.5 * double(h);
    const double corner = cx * cx + cy * cy;
#pragma omp parallel for schedule(static)
    for (long yl = 0; yl < rows; ++yl) {
      const std::size_t y = static_cast<std::size_t>(yl);
      for (std::size_t x = 0; x < w; ++x) {
        const std::uint64_t key = (seed << 48) ^ (y * w + x);
        bias.at(0, y, x) = float((2048.0 + 6.0 * gaussian(mix(seed * 7 + x))) / kAdu);
        double thermal = 30.0 * (1.0 + 0.2 * gaussian(key * 3 + 1));
        if (uniform(key * 5 + 2) < 1e-4) thermal = 3000.0 + 27000.0 * uniform(key * 7 + 3);
        dark.at(0, y, x) = float(thermal / kAdu);
        const double r2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / corner;
        flat.at(0, y, x) = float(0.45 * (1.0 - 0.3 * r2) * (1.0 + 0.01 * gaussian(key * 11 + 4)));
      }
    }
    for (Image* image : {&bias, &dark, &flat}) image->header().exposure = 120.0;
    bias.header().exposure = 0.001;
    flat.header().exposure = 2.0;
    astropack::write_fits(out / "masters" / "master_bias.fit", bias, astropack::SampleFormat::Float32);
    astropack::write_fits(out / "masters" / "master_dark.fit", dark, astropack::SampleFormat::Float32);
    astropack::write_fits(out / "masters" / "master_flat.fit", flat, astropack::SampleFormat::Float32);

    // A few hundred stars, the same in every light.
    std::vector<double> sx, sy, peak;
    for (int s = 0; s < 400; ++s) {
      sx.push_back(uniform(seed * 1000 + s * 3) * double(w));
      sy.push_back(uniform(seed * 1000 + s * 3 + 1) * double(h));
      peak.push_back(200.0 + 20000.0 * std::pow(uniform(seed * 1000 + s * 3 + 2), 4));
    }
    Image light(w, h, 1);
    for (std::size_t i = 0; i < count; ++i) {
      std::fill(light.samples().begin(), light.samples().end(), 0.0f);
      for (std::size_t s = 0; s < sx.size(); ++s)
        for (long dy = -6; dy <= 6; ++dy)
          for (long dx = -6; dx <= 6; ++dx) {
            const long x = long(sx[s]) + dx, y = long(sy[s]) + dy;
            if (x < 0 || y < 0 || x >= long(w) || y >= long(h)) continue;
            const double ddx = double(x) - sx[s], ddy = double(y) - sy[s];
            light.at(0, std::size_t(y), std::size_t(x)) +=
                float(peak[s] * std::exp(-(ddx * ddx + ddy * ddy) / (2 * 1.3 * 1.3)));
          }
#pragma omp parallel for schedule(static)
      for (long yl = 0; yl < rows; ++yl) {
        const std::size_t y = static_cast<std::size_t>(yl);
        for (std::size_t x = 0; x < w; ++x) {
          const std::uint64_t key = ((seed + i + 1) << 40) ^ (y * w + x);
          const double sky = 1500.0 * (1.0 + 0.1 * double(x) / double(w)) + light.at(0, y, x);
          const double signal = sky * flat.at(0, y, x) / 0.45 + dark.at(0, y, x) * kAdu;
          const double noise = std::sqrt(signal * 2.0 + 49.0);
          const double adu = bias.at(0, y, x) * kAdu + signal + noise * gaussian(key * 13 + 5);
          light.at(0, y, x) = float(std::min(65535.0, std::max(0.0, std::round(adu))) / kAdu);
        }
      }
      light.header().exposure = 120.0;
      char name[32];
      std::snprintf(name, sizeof name, "light_%05zu.fit", i + 1);
      astropack::write_fits(out / "lights" / name, light, astropack::SampleFormat::UInt16);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_calibration_frames: %s\n", e.what());
    return 1;
  }
}
