// SPDX-License-Identifier: GPL-3.0-or-later
// Harmonic inpainting by red-black SOR; see inpaint.hpp.
#include "astropack/inpaint.hpp"

#include <algorithm>
#include <cmath>

#include "astropack/error.hpp"

namespace astropack {

namespace {

constexpr double kTolerance = 1e-7;  // largest change of a sweep, of the value range

// The starting guess: the mean of the linear interpolations along the row and
// the column between the nearest usable pixels (one side only at an edge).
void initial_guess(float* p, std::size_t w, std::size_t h, const std::vector<std::uint8_t>& hole) {
  std::vector<double> sum(w * h, 0.0);
  std::vector<int> count(w * h, 0);
  auto along = [&](std::size_t n, std::size_t stride, std::size_t start) {
    std::size_t i = 0;
    while (i < n) {
      if (!hole[start + i * stride]) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < n && hole[start + j * stride]) ++j;
      const bool has_left = i > 0, has_right = j < n;
      const double left = has_left ? p[start + (i - 1) * stride] : 0.0;
      const double right = has_right ? p[start + j * stride] : 0.0;
      if (has_left || has_right)
        for (std::size_t k = i; k < j; ++k) {
          double v;
          if (has_left && has_right)
            v = left + (right - left) * double(k - i + 1) / double(j - i + 1);
          else
            v = has_left ? left : right;
          sum[start + k * stride] += v;
          ++count[start + k * stride];
        }
      i = j;
    }
  };
  for (std::size_t y = 0; y < h; ++y) along(w, 1, y * w);
  for (std::size_t x = 0; x < w; ++x) along(h, w, x);
  for (std::size_t i = 0; i < w * h; ++i)
    if (hole[i]) p[i] = count[i] ? static_cast<float>(sum[i] / count[i]) : 0.0f;
}

}  // namespace

InpaintResult inpaint_harmonic(ImageView image, const std::vector<std::uint8_t>& mask) {
  const std::size_t w = image.width(), h = image.height();
  if (mask.size() != w * h)
    throw Error(ErrorKind::InvalidArgument, "the inpainting mask must match the image size.");
  InpaintResult result;
  if (std::none_of(mask.begin(), mask.end(), [](std::uint8_t m) { return m != 0; })) return result;
  if (std::all_of(mask.begin(), mask.end(), [](std::uint8_t m) { return m != 0; }))
    throw Error(ErrorKind::InvalidArgument, "the inpainting mask covers the whole image.");

  for (std::size_t c = 0; c < image.channels(); ++c) {
    // A contiguous copy of the channel; non-finite pixels outside the mask are
    // marked 2: never a boundary value, never written back.
    std::vector<float> p(w * h);
    for (std::size_t y = 0; y < h; ++y) std::copy_n(image.row(c, y), w, p.data() + y * w);
    std::vector<std::uint8_t> hole(mask);
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < w * h; ++i) {
      if (hole[i]) continue;
      if (!std::isfinite(p[i]))
        hole[i] = 2;
      else {
        lo = std::min(lo, double(p[i]));
        hi = std::max(hi, double(p[i]));
      }
    }
    const double range = hi > lo ? hi - lo : 1.0;
    initial_guess(p.data(), w, h, hole);

    // Each hole (4-connected) is solved on its own: its over-relaxation factor is
    // the optimum for its size, it stops when it has converged, and holes run in
    // parallel (they share no pixel that changes, so the result does not depend on
    // the thread count). Non-finite pixels only got a guess, so the starting rows
    // and columns run through them; they are never updated or used.
    std::vector<std::vector<std::size_t>> holes;
    {
      std::vector<std::uint8_t> seen(w * h, 0);
      std::vector<std::size_t> stack;
      for (std::size_t start = 0; start < w * h; ++start) {
        if (hole[start] != 1 || seen[start]) continue;
        std::vector<std::size_t> pixels;
        stack.assign(1, start);
        seen[start] = 1;
        while (!stack.empty()) {
          const std::size_t i = stack.back();
          stack.pop_back();
          pixels.push_back(i);
          const std::size_t x = i % w, y = i / w;
          const std::size_t next[4] = {x > 0 ? i - 1 : i, x + 1 < w ? i + 1 : i, y > 0 ? i - w : i,
                                       y + 1 < h ? i + w : i};
          for (std::size_t j : next)
            if (hole[j] == 1 && !seen[j]) {
              seen[j] = 1;
              stack.push_back(j);
            }
        }
        std::sort(pixels.begin(), pixels.end());
        holes.push_back(std::move(pixels));
      }
    }
    const std::uint8_t* state = hole.data();
    float* data = p.data();
    const long count = static_cast<long>(holes.size());
    const double tolerance = kTolerance * range;
    int worst_sweeps = 0;
    double worst_change = 0.0;
#pragma omp parallel for schedule(dynamic, 1) default(none) shared(holes, state, data) \
    firstprivate(count, w, h, tolerance) reduction(max                                 \
                                                   : worst_sweeps, worst_change)
    for (long k = 0; k < count; ++k) {
      const std::vector<std::size_t>& pixels = holes[static_cast<std::size_t>(k)];
      std::size_t x0 = w, x1 = 0, y0 = h, y1 = 0;
      for (std::size_t i : pixels) {
        x0 = std::min(x0, i % w), x1 = std::max(x1, i % w);
        y0 = std::min(y0, i / w), y1 = std::max(y1, i / w);
      }
      // Optimal SOR factor for a square of the hole's larger side.
      const double side = double(std::max(x1 - x0, y1 - y0) + 2);
      const double omega = 2.0 / (1.0 + std::sin(M_PI / side));
      const int max_sweeps = static_cast<int>(20.0 * side) + 100;
      int sweep = 0;
      double change = 0.0;
      for (; sweep < max_sweeps; ++sweep) {
        change = 0.0;
        for (int colour = 0; colour < 2; ++colour)
          for (std::size_t i : pixels) {
            const std::size_t x = i % w, y = i / w;
            if (((x + y) & 1) != std::size_t(colour)) continue;
            double sum = 0.0;
            int n = 0;
            if (x > 0 && state[i - 1] != 2) sum += data[i - 1], ++n;
            if (x + 1 < w && state[i + 1] != 2) sum += data[i + 1], ++n;
            if (y > 0 && state[i - w] != 2) sum += data[i - w], ++n;
            if (y + 1 < h && state[i + w] != 2) sum += data[i + w], ++n;
            if (n == 0) continue;
            const double delta = omega * (sum / n - data[i]);
            data[i] = static_cast<float>(data[i] + delta);
            change = std::max(change, std::fabs(delta));
          }
        if (change <= tolerance) break;
      }
      worst_sweeps = std::max(worst_sweeps, sweep + 1);
      worst_change = std::max(worst_change, change);
    }
    const int sweep = worst_sweeps - 1;
    const double change = worst_change;
    result.iterations = std::max(result.iterations, sweep + 1);
    result.max_change = std::max(result.max_change, change / range);

    for (std::size_t y = 0; y < h; ++y) {
      float* row = image.row(c, y);
      for (std::size_t x = 0; x < w; ++x)
        if (hole[y * w + x] == 1) row[x] = p[y * w + x];
    }
  }
  return result;
}

}  // namespace astropack
