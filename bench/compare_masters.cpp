// SPDX-License-Identifier: GPL-3.0-or-later
// Compares two masters pixel by pixel, for the benchmarks that integrate the
// same frames with astropack and with Siril.
//
//   compare_masters A.fit B.fit
//
// Prints one line: key=value pairs with the mean and maximum absolute
// difference in ADU (normalised value x 65535) and the share of pixels that
// differ by more than 0.5 ADU. Exit status 1 when the images cannot be compared.
#include <cmath>
#include <cstdio>
#include <exception>

#include "astropack/fits.hpp"
#include "astropack/image.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: compare_masters A.fit B.fit\n");
    return 2;
  }
  try {
    const astropack::Image a = astropack::read_fits(argv[1]);
    const astropack::Image b = astropack::read_fits(argv[2]);
    if (a.width() != b.width() || a.height() != b.height() || a.channels() != b.channels()) {
      std::fprintf(stderr, "compare_masters: the two images differ in size.\n");
      return 1;
    }
    double sum = 0, max = 0;
    std::size_t over_half = 0, count = 0;
    for (std::size_t c = 0; c < a.channels(); ++c) {
      for (std::size_t y = 0; y < a.height(); ++y) {
        const float* ra = a.row(c, y);
        const float* rb = b.row(c, y);
        for (std::size_t x = 0; x < a.width(); ++x) {
          const double d = std::fabs(double(ra[x]) - double(rb[x])) * 65535.0;
          sum += d;
          if (d > max) max = d;
          if (d > 0.5) ++over_half;
          ++count;
        }
      }
    }
    std::printf("mean_abs_diff_adu=%.6g max_abs_diff_adu=%.6g pixels_over_half_adu=%.6g%%\n",
                sum / double(count), max, 100.0 * double(over_half) / double(count));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_masters: %s\n", e.what());
    return 1;
  }
  return 0;
}
