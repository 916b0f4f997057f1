// SPDX-License-Identifier: GPL-3.0-or-later
// Writes N synthetic 16-bit bias frames for the integration benchmarks, fast and
// deterministic: a bias level with a fixed column pattern, Gaussian read noise
// and a few cosmic-ray hits per frame. Frame i depends only on (seed, i), so the
// files are the same whatever the thread count.
//
//   make_bench_frames OUT_DIR COUNT WIDTH HEIGHT [SEED]
//
// Files are OUT_DIR/bias_0001.fit ... (BITPIX 16, BZERO 32768, as Siril writes them).
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

constexpr double kBiasAdu = 2048.0;
constexpr double kReadNoiseAdu = 12.0;
constexpr double kColumnPatternAdu = 6.0;
constexpr double kCosmicsPerMegapixel = 20.0;

// splitmix64: small, fast, and good enough for benchmark noise.
struct Random {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in (0, 1].
  double uniform() { return (double(next() >> 11) + 1.0) * (1.0 / 9007199254740992.0); }
};

std::size_t parse_count(const char* text, const char* what) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || value == 0) {
    std::fprintf(stderr, "make_bench_frames: %s must be a positive whole number, not '%s'.\n",
                 what, text);
    std::exit(2);
  }
  return static_cast<std::size_t>(value);
}

void make_frame(astropack::Image& image, std::uint64_t seed, std::size_t index,
                const std::vector<float>& columns) {
  Random random{seed * 0x2545F4914F6CDD1Dull + index};
  const std::size_t width = image.width(), height = image.height();
  for (std::size_t y = 0; y < height; ++y) {
    float* row = image.row(0, y);
    for (std::size_t x = 0; x < width; x += 2) {
      // Box-Muller: two Gaussian values per pair of uniforms.
      const double r = std::sqrt(-2.0 * std::log(random.uniform())) * kReadNoiseAdu;
      const double phi = 6.283185307179586 * random.uniform();
      row[x] = float((columns[x] + r * std::cos(phi)) / 65535.0);
      if (x + 1 < width) row[x + 1] = float((columns[x + 1] + r * std::sin(phi)) / 65535.0);
    }
  }
  const double megapixels = double(width) * double(height) / 1e6;
  const auto hits = static_cast<std::size_t>(megapixels * kCosmicsPerMegapixel) + 1;
  for (std::size_t h = 0; h < hits; ++h) {
    const std::size_t x = random.next() % width, y = random.next() % height;
    const double peak = 2000.0 + 40000.0 * random.uniform();
    // A short streak of 1 to 3 pixels.
    const std::size_t length = 1 + random.next() % 3;
    for (std::size_t k = 0; k < length && x + k < width; ++k)
      image.at(0, y, x + k) += float(peak / double(k + 1) / 65535.0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6) {
    std::fprintf(stderr, "usage: make_bench_frames OUT_DIR COUNT WIDTH HEIGHT [SEED]\n");
    return 2;
  }
  const std::filesystem::path out_dir = argv[1];
  const std::size_t count = parse_count(argv[2], "COUNT");
  const std::size_t width = parse_count(argv[3], "WIDTH");
  const std::size_t height = parse_count(argv[4], "HEIGHT");
  const std::uint64_t seed = argc == 6 ? parse_count(argv[5], "SEED") : 1;
  std::filesystem::create_directories(out_dir);

  // The fixed pattern every frame shares (what a master bias is for).
  std::vector<float> columns(width);
  Random pattern{seed};
  for (float& c : columns) c = float(kBiasAdu + kColumnPatternAdu * (pattern.uniform() - 0.5));

  int status = 0;
#pragma omp parallel
  {
    astropack::Image image(width, height, 1);
    image.header().image_type = "Bias Frame";
    image.header().exposure = 0.001;
    image.header().temperature = -10.0;
#pragma omp for schedule(dynamic)
    for (std::size_t i = 0; i < count; ++i) {
      try {
        make_frame(image, seed, i, columns);
        char name[32];
        std::snprintf(name, sizeof name, "bias_%04zu.fit", i + 1);
        astropack::write_fits(out_dir / name, image, astropack::SampleFormat::UInt16);
      } catch (const std::exception& e) {
#pragma omp critical(make_bench_frames_error)
        {
          std::fprintf(stderr, "make_bench_frames: %s\n", e.what());
          status = 1;
        }
      }
    }
  }
  return status;
}
