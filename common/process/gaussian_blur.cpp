// SPDX-License-Identifier: GPL-3.0-or-later
// GEGL's separable Gaussian blur: FIR kernel or Young / van Vliet IIR filter,
// "Recursive Gaussian derivative filters" (Signal Processing 44 (1995) 139-151),
// with the right-boundary initialisation of Triggs and Sdika (2006), as GEGL 0.4's
// gblur-1d computes them. The pixels are handled in strips of columns ("lanes")
// so the vertical pass runs over contiguous memory.
#include "astropack/gaussian_blur.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "astropack/error.hpp"
#include "describe_number.hpp"

namespace astropack {

void GaussianBlurParams::validate() const {
  if (!(std_dev_x >= 0.0 && std_dev_x <= 1500.0) || !(std_dev_y >= 0.0 && std_dev_y <= 1500.0))
    throw Error(ErrorKind::InvalidArgument,
                "the blur standard deviation must be between 0 and 1500 pixels.");
}

namespace {

constexpr std::size_t kLanes = 64;  // columns blurred together in the vertical pass

struct IirCoefficients {
  double b[4];
  double m[3][3];
};

IirCoefficients iir_coefficients(float sigma) {
  const double k1 = 2.44413, k2 = 1.4281, k3 = 0.422205;
  const double q =
      sigma >= 2.5 ? 0.98711 * sigma - 0.96330 : 3.97156 - 4.14554 * std::sqrt(1 - 0.26891 * sigma);
  const double b0 = 1.57825 + q * (k1 + q * (k2 + q * k3));
  const double b1 = q * (k1 + q * (2 * k2 + q * 3 * k3));
  const double b2 = (-k2 * q * q) + (-k3 * 3 * q * q * q);
  const double b3 = q * q * q * k3;
  const double a1 = b1 / b0, a2 = b2 / b0, a3 = b3 / b0;
  const double c = 1. / ((1 + a1 - a2 + a3) * (1 + a2 + (a1 - a3) * a3));
  IirCoefficients k;
  // Triggs and Sdika's matrix: the filter's state past the right edge for a
  // signal that continues with the boundary value.
  k.m[0][0] = c * (-a3 * (a1 + a3) - a2 + 1);
  k.m[0][1] = c * (a3 + a1) * (a2 + a3 * a1);
  k.m[0][2] = c * a3 * (a1 + a3 * a2);
  k.m[1][0] = c * (a1 + a3 * a2);
  k.m[1][1] = c * (1 - a2) * (a2 + a3 * a1);
  k.m[1][2] = c * a3 * (1 - a3 * a1 - a3 * a3 - a2);
  k.m[2][0] = c * (a3 * a1 + a2 + a1 * a1 - a2 * a2);
  k.m[2][1] = c * (a1 * a2 + a3 * a2 * a2 - a1 * a3 * a3 - a3 * a3 * a3 - a3 * a2 + a3);
  k.m[2][2] = c * a3 * (a1 + a3 * a2);
  k.b[0] = 1. - (b1 + b2 + b3) / b0;
  k.b[1] = a1;
  k.b[2] = a2;
  k.b[3] = a3;
  return k;
}

std::vector<float> fir_kernel(float sigma) {
  int length = sigma > 1e-5f ? static_cast<int>(std::ceil(sigma * 6.5)) : 1;
  length += (length + 1) % 2;
  std::vector<float> kernel(static_cast<std::size_t>(length), 1.0f);
  if (length == 1) return kernel;
  const int half = length / 2;
  double sum = 0;
  for (int i = 0; i < length; ++i) {
    const float x = static_cast<float>(i - half);
    kernel[static_cast<std::size_t>(i)] = static_cast<float>(
        (1.0 / (sigma * std::sqrt(2.0 * M_PI))) * std::exp(-(x * x) / (2.0 * sigma * sigma)));
    sum += kernel[static_cast<std::size_t>(i)];
  }
  for (float& w : kernel) w = static_cast<float>(w / sum);
  return kernel;
}

bool use_iir(BlurFilter filter, float sigma) {
  if (filter == BlurFilter::Auto) return sigma >= 1.0f;
  return filter == BlurFilter::Iir;
}

// One pass over `len` samples of `lanes` independent signals stored as
// data[i * lanes + lane]. `work` is scratch space the caller keeps.
class LineBlur {
 public:
  LineBlur(float sigma, const GaussianBlurParams& params)
      : m_iir(use_iir(params.filter, sigma)), m_black(params.edges == BlurEdges::Black) {
    if (m_iir)
      m_k = iir_coefficients(sigma);
    else
      m_kernel = fir_kernel(sigma);
  }

  bool is_identity() const noexcept { return !m_iir && m_kernel.size() == 1; }

  void run(float* data, std::size_t len, std::size_t lanes, std::vector<double>& work,
           std::vector<float>& padded) const {
    if (m_iir)
      run_iir(data, len, lanes, work);
    else
      run_fir(data, len, lanes, padded);
  }

 private:
  void run_iir(float* data, std::size_t len, std::size_t lanes, std::vector<double>& work) const {
    const double* b = m_k.b;
    work.resize((len + 6) * lanes);
    double* tmp = work.data();
    for (std::size_t lane = 0; lane < lanes; ++lane) {
      const double iminus = m_black ? 0.0 : data[lane];
      for (std::size_t i = 0; i < 3; ++i) tmp[i * lanes + lane] = iminus;
    }
    // Causal pass.
    for (std::size_t i = 3; i < len + 3; ++i) {
      double* t = tmp + i * lanes;
      const float* in = data + (i - 3) * lanes;
      for (std::size_t lane = 0; lane < lanes; ++lane) {
        double v = b[0] * in[lane];
        v += b[1] * (t - lanes)[lane];
        v += b[2] * (t - 2 * lanes)[lane];
        v += b[3] * (t - 3 * lanes)[lane];
        t[lane] = v;
      }
    }
    // State beyond the right edge, then the anti-causal pass.
    for (std::size_t lane = 0; lane < lanes; ++lane) {
      const double uplus = m_black ? 0.0 : data[(len - 1) * lanes + lane];
      double u[3];
      for (std::size_t k = 0; k < 3; ++k) u[k] = tmp[(len + 2 - k) * lanes + lane] - uplus;
      for (std::size_t i = 0; i < 3; ++i) {
        double v = 0.0;
        for (std::size_t k = 0; k < 3; ++k) v += m_k.m[i][k] * u[k];
        tmp[(len + 3 + i) * lanes + lane] = v + uplus;
      }
    }
    for (std::size_t i = len + 3; i-- > 3;) {
      double* t = tmp + i * lanes;
      float* out = data + (i - 3) * lanes;
      for (std::size_t lane = 0; lane < lanes; ++lane) {
        double v = t[lane] * b[0];
        v += b[1] * t[lane + lanes];
        v += b[2] * t[lane + 2 * lanes];
        v += b[3] * t[lane + 3 * lanes];
        t[lane] = v;
        out[lane] = static_cast<float>(v);
      }
    }
  }

  void run_fir(float* data, std::size_t len, std::size_t lanes, std::vector<float>& padded) const {
    const std::size_t taps = m_kernel.size();
    const std::size_t half = taps / 2;
    padded.resize((len + taps - 1) * lanes);
    for (std::size_t i = 0; i < len + taps - 1; ++i) {
      float* p = padded.data() + i * lanes;
      const bool before = i < half, after = i >= len + half;
      const std::size_t source = before ? 0 : after ? len - 1 : i - half;
      for (std::size_t lane = 0; lane < lanes; ++lane)
        p[lane] = (m_black && (before || after)) ? 0.0f : data[source * lanes + lane];
    }
    for (std::size_t i = 0; i < len; ++i) {
      float* out = data + i * lanes;
      for (std::size_t lane = 0; lane < lanes; ++lane) {
        float acc = 0.0f;
        for (std::size_t m = 0; m < taps; ++m) acc += padded[(i + m) * lanes + lane] * m_kernel[m];
        out[lane] = acc;
      }
    }
  }

  bool m_iir;
  bool m_black;
  IirCoefficients m_k{};
  std::vector<float> m_kernel;
};

void horizontal_pass(ImageView image, const LineBlur& blur) {
  const std::size_t width = image.width();
  const long rows = static_cast<long>(image.height() * image.channels());
  const std::size_t height = image.height();
#pragma omp parallel default(none) shared(image, blur) \
    firstprivate(width, rows, height) if (image.pixel_count() > 16384)
  {
    std::vector<double> work;
    std::vector<float> padded;
#pragma omp for schedule(static)
    for (long r = 0; r < rows; ++r) {
      const std::size_t index = static_cast<std::size_t>(r);
      blur.run(image.row(index / height, index % height), width, 1, work, padded);
    }
  }
}

void vertical_pass(ImageView image, const LineBlur& blur) {
  const std::size_t width = image.width(), height = image.height();
  const std::size_t strips = (width + kLanes - 1) / kLanes;
  const long jobs = static_cast<long>(strips * image.channels());
#pragma omp parallel default(none) shared(image, blur, kLanes) \
    firstprivate(width, height, strips, jobs) if (image.pixel_count() > 16384)
  {
    std::vector<double> work;
    std::vector<float> padded;
    std::vector<float> strip;
#pragma omp for schedule(static)
    for (long job = 0; job < jobs; ++job) {
      const std::size_t c = static_cast<std::size_t>(job) / strips;
      const std::size_t x0 = (static_cast<std::size_t>(job) % strips) * kLanes;
      const std::size_t lanes = std::min(kLanes, width - x0);
      // GEGL runs down the picture, from the last stored row to the first; the
      // recursive filter is not symmetric near the edges, so the direction matters.
      strip.resize(height * lanes);
      for (std::size_t y = 0; y < height; ++y)
        std::copy_n(image.row(c, height - 1 - y) + x0, lanes, strip.data() + y * lanes);
      blur.run(strip.data(), height, lanes, work, padded);
      for (std::size_t y = 0; y < height; ++y)
        std::copy_n(strip.data() + y * lanes, lanes, image.row(c, height - 1 - y) + x0);
    }
  }
}

void convert_all(ImageView image, Trc from, Trc to) {
  if (from == to) return;
  const std::size_t width = image.width(), channels = image.channels();
  const long height = static_cast<long>(image.height());
#pragma omp parallel for schedule(static) default(none) shared(image) \
    firstprivate(width, channels, height, from, to) if (image.pixel_count() > 65536)
  for (long y = 0; y < height; ++y)
    for (std::size_t c = 0; c < channels; ++c) {
      float* row = image.row(c, static_cast<std::size_t>(y));
      for (std::size_t x = 0; x < width; ++x) row[x] = convert_trc(row[x], from, to);
    }
}

}  // namespace

void gaussian_blur(ImageView image, const GaussianBlurParams& params) {
  params.validate();
  if (image.empty()) return;
  // GEGL keeps the standard deviation in a float.
  const LineBlur horizontal(static_cast<float>(params.std_dev_x), params);
  const LineBlur vertical(static_cast<float>(params.std_dev_y), params);
  if (horizontal.is_identity() && vertical.is_identity()) return;
  convert_all(image, params.storage, params.working);
  if (!horizontal.is_identity()) horizontal_pass(image, horizontal);
  if (!vertical.is_identity()) vertical_pass(image, vertical);
  convert_all(image, params.working, params.storage);
}

std::string describe(const GaussianBlurParams& p) {
  using compositing_detail::number_text;
  std::string text = "gaussian-blur std-dev=";
  text.append(number_text(p.std_dev_x)).append("x").append(number_text(p.std_dev_y));
  text.append(p.filter == BlurFilter::Auto  ? " filter=auto"
              : p.filter == BlurFilter::Fir ? " filter=fir"
                                            : " filter=iir");
  text.append(p.edges == BlurEdges::Clamp ? " edges=clamp" : " edges=black");
  text.append(" working=")
      .append(to_string(p.working))
      .append(" trc=")
      .append(to_string(p.storage));
  return text;
}

}  // namespace astropack
