// SPDX-License-Identifier: GPL-3.0-or-later
// SCNR after Siril 1.0's rmgreen; the colour constants are those of Siril's
// colour module (sRGB primaries with a D65 white, CIE L*a*b* with the
// 0.008856 / 7.787 linear segment).
#include "astropack/scnr.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "operation_support.hpp"

namespace astropack {

namespace {

using process_detail::format_number;

struct Lab {
  double l, a, b;
};

double srgb_decode(double v) {
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}
double srgb_encode(double v) {
  return v > 0.0031308 ? 1.055 * std::pow(v, 1.0 / 2.4) - 0.055 : 12.92 * v;
}

constexpr double kWhiteX = 95.047, kWhiteY = 100.0, kWhiteZ = 108.883;
constexpr double kEpsilon = 0.008856452;
constexpr double kKappa = 7.787037037;

double lab_f(double t) { return t > kEpsilon ? std::cbrt(t) : kKappa * t + 16.0 / 116.0; }
double lab_f_inverse(double f) {
  const double cube = f * f * f;
  return cube > kEpsilon ? cube : (f - 16.0 / 116.0) / kKappa;
}

Lab rgb_to_lab(double r, double g, double b) {
  r = srgb_decode(r) * 100.0;
  g = srgb_decode(g) * 100.0;
  b = srgb_decode(b) * 100.0;
  const double x = 0.412453 * r + 0.357580 * g + 0.180423 * b;
  const double y = 0.212671 * r + 0.715160 * g + 0.072169 * b;
  const double z = 0.019334 * r + 0.119193 * g + 0.950227 * b;
  const double fx = lab_f(x / kWhiteX), fy = lab_f(y / kWhiteY), fz = lab_f(z / kWhiteZ);
  return {116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)};
}

void lab_to_rgb(const Lab& lab, double& r, double& g, double& b) {
  const double fy = (lab.l + 16.0) / 116.0;
  const double fx = lab.a / 500.0 + fy;
  const double fz = fy - lab.b / 200.0;
  const double x = kWhiteX * lab_f_inverse(fx) / 100.0;
  const double y = kWhiteY * lab_f_inverse(fy) / 100.0;
  const double z = kWhiteZ * lab_f_inverse(fz) / 100.0;
  r = srgb_encode(3.240479 * x - 1.537150 * y - 0.498535 * z);
  g = srgb_encode(-0.969256 * x + 1.875992 * y + 0.041556 * z);
  b = srgb_encode(0.055648 * x - 0.204043 * y + 1.057311 * z);
}

double reduced_green(ScnrMethod method, double amount, double r, double g, double b) {
  switch (method) {
    case ScnrMethod::AverageNeutral: return std::min(g, 0.5 * (r + b));
    case ScnrMethod::MaximumNeutral: return std::min(g, std::max(r, b));
    case ScnrMethod::MaximumMask: {
      const double m = std::max(r, b);
      return g * (1.0 - amount) * (1.0 - m) + m * g;
    }
    case ScnrMethod::AdditiveMask: {
      const double m = std::min(1.0, r + b);
      return g * (1.0 - amount) * (1.0 - m) + m * g;
    }
  }
  return g;
}

}  // namespace

std::string_view to_string(ScnrMethod method) noexcept {
  switch (method) {
    case ScnrMethod::AverageNeutral: return "average-neutral";
    case ScnrMethod::MaximumNeutral: return "maximum-neutral";
    case ScnrMethod::MaximumMask: return "maximum-mask";
    case ScnrMethod::AdditiveMask: return "additive-mask";
  }
  return "average-neutral";
}

std::optional<ScnrMethod> parse_scnr_method(std::string_view text) noexcept {
  for (ScnrMethod m : {ScnrMethod::AverageNeutral, ScnrMethod::MaximumNeutral,
                       ScnrMethod::MaximumMask, ScnrMethod::AdditiveMask})
    if (text == to_string(m)) return m;
  return std::nullopt;
}

void ScnrParams::validate() const {
  process_detail::require_range(amount, 0.0, 1.0, "the SCNR amount");
}

ScnrResult scnr(ConstImageView in, ImageView out, const ScnrParams& params) {
  params.validate();
  process_detail::require_rgb(in, "SCNR");
  process_detail::require_same_shape(in, out, "SCNR");
  const std::size_t width = in.width();
  std::size_t above_one = 0;
  std::vector<std::size_t> row_counts(in.height(), 0);
  process_detail::for_each_row(in.height(), in.pixel_count(), [&](std::size_t y) {
    const float* rin = in.row(0, y);
    const float* gin = in.row(1, y);
    const float* bin = in.row(2, y);
    float* rout = out.row(0, y);
    float* gout = out.row(1, y);
    float* bout = out.row(2, y);
    std::size_t count = 0;
    for (std::size_t x = 0; x < width; ++x) {
      double r = rin[x], g = gin[x], b = bin[x];
      const double g2 = reduced_green(params.method, params.amount, r, g, b);
      if (params.preserve_lightness) {
        const double lightness = rgb_to_lab(r, g, b).l;
        Lab lab = rgb_to_lab(r, g2, b);
        lab.l = lightness;
        lab_to_rgb(lab, r, g, b);
      } else {
        g = g2;
      }
      rout[x] = static_cast<float>(r);
      gout[x] = static_cast<float>(g);
      bout[x] = static_cast<float>(b);
      if (r > 1.000001 || g > 1.000001 || b > 1.000001) ++count;
    }
    row_counts[y] = count;
  });
  for (std::size_t c : row_counts) above_one += c;
  return {above_one};
}

std::string describe(const ScnrParams& params) {
  std::string text = "scnr method=";
  text.append(to_string(params.method));
  if (params.method == ScnrMethod::MaximumMask || params.method == ScnrMethod::AdditiveMask)
    text.append(" amount=").append(format_number(params.amount));
  text.append(" preserve-lightness=").append(params.preserve_lightness ? "yes" : "no");
  return text;
}

}  // namespace astropack
