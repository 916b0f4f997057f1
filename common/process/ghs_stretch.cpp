// SPDX-License-Identifier: GPL-3.0-or-later
// The generalised hyperbolic stretch family (D. Payne and M. Cranfield, GHS
// for PixInsight, as adopted by Siril 1.2), written from its defining
// properties: the base curve, tangent protection and normalisation. The
// inverse solves each piece in closed form.
#include "astropack/ghs_stretch.hpp"

#include <algorithm>
#include <cmath>

#include "operation_support.hpp"

namespace astropack {

using process_detail::format_number;

std::string_view to_string(GhsColourModel model) noexcept {
  switch (model) {
    case GhsColourModel::Independent: return "independent";
    case GhsColourModel::EvenLuminance: return "even";
    case GhsColourModel::HumanLuminance: return "human";
  }
  return "independent";
}

std::optional<GhsColourModel> parse_ghs_colour_model(std::string_view text) noexcept {
  for (GhsColourModel m : {GhsColourModel::Independent, GhsColourModel::EvenLuminance,
                           GhsColourModel::HumanLuminance})
    if (text == to_string(m)) return m;
  return std::nullopt;
}

void GhsParams::validate() const {
  process_detail::require_range(stretch, 0.0, 10.0, "the GHS stretch factor D");
  process_detail::require_range(local_intensity, -5.0, 15.0, "the GHS local intensity b");
  process_detail::require_range(symmetry_point, 0.0, 1.0, "the GHS symmetry point SP");
  process_detail::require_range(shadow_protection, 0.0, symmetry_point,
                                "the GHS shadow protection LP (at most SP)");
  process_detail::require_range(highlight_protection, symmetry_point, 1.0,
                                "the GHS highlight protection HP (at least SP)");
}

GhsCurve::GhsCurve(const GhsParams& params) {
  params.validate();
  m_identity = params.stretch == 0.0;
  m_d = std::expm1(params.stretch);
  m_b = params.local_intensity;
  m_sp = params.symmetry_point;
  m_lp = params.shadow_protection;
  m_hp = params.highlight_protection;
  if (m_identity) return;
  m_f_lp = -g(m_sp - m_lp);
  m_slope_lp = g_slope(m_sp - m_lp);
  m_f_hp = g(m_hp - m_sp);
  m_slope_hp = g_slope(m_hp - m_sp);
  m_f0 = base(0.0);
  m_scale = 1.0 / (base(1.0) - m_f0);
}

double GhsCurve::g(double u) const noexcept {
  const double d = m_d, b = m_b;
  if (b > 0.0) return 1.0 - std::pow(1.0 + d * b * u, -1.0 / b);
  if (b == 0.0) return -std::expm1(-d * u);
  if (b == -1.0) return std::log1p(d * u);
  const double q = -b;
  return (std::pow(1.0 + d * q * u, (q - 1.0) / q) - 1.0) / (q - 1.0);
}

double GhsCurve::g_slope(double u) const noexcept {
  const double d = m_d, b = m_b;
  if (b > 0.0) return d * std::pow(1.0 + d * b * u, -(1.0 + b) / b);
  if (b == 0.0) return d * std::exp(-d * u);
  if (b == -1.0) return d / (1.0 + d * u);
  const double q = -b;
  return d * std::pow(1.0 + d * q * u, -1.0 / q);
}

double GhsCurve::g_inverse(double v) const noexcept {
  const double d = m_d, b = m_b;
  if (b > 0.0) return (std::pow(1.0 - v, -b) - 1.0) / (d * b);
  if (b == 0.0) return -std::log1p(-v) / d;
  if (b == -1.0) return std::expm1(v) / d;
  const double q = -b;
  return (std::pow(1.0 + (q - 1.0) * v, q / (q - 1.0)) - 1.0) / (d * q);
}

double GhsCurve::base(double x) const noexcept {
  if (x < m_lp) return m_f_lp + m_slope_lp * (x - m_lp);
  if (x > m_hp) return m_f_hp + m_slope_hp * (x - m_hp);
  return x < m_sp ? -g(m_sp - x) : g(x - m_sp);
}

double GhsCurve::forward(double x) const noexcept {
  if (m_identity) return x;
  return (base(x) - m_f0) * m_scale;
}

double GhsCurve::inverse(double y) const noexcept {
  if (m_identity) return y;
  const double f = y / m_scale + m_f0;
  if (f < m_f_lp) return m_lp + (f - m_f_lp) / m_slope_lp;
  if (f > m_f_hp) return m_hp + (f - m_f_hp) / m_slope_hp;
  // Where the curve saturates in double precision, g_inverse can overshoot (or
  // return inf); the answer lies within the protected range by construction.
  if (f < 0.0) return m_sp - std::min(g_inverse(-f), m_sp - m_lp);
  return m_sp + std::min(g_inverse(f), m_hp - m_sp);
}

namespace {

template <typename Transfer>
void apply(ConstImageView in, ImageView out, const GhsParams& params, const Transfer& transfer) {
  process_detail::require_same_shape(in, out, "GHS stretch");
  const std::size_t width = in.width();
  auto clip01 = [](float v) { return std::clamp(static_cast<double>(v), 0.0, 1.0); };
  auto single = [&](double v) { return v == 0.0 ? 0.0 : transfer(v); };

  if (in.channels() != 3 || params.colour == GhsColourModel::Independent) {
    for (std::size_t c = 0; c < in.channels(); ++c) {
      process_detail::for_each_row(in.height(), in.pixel_count(), [&](std::size_t y) {
        const float* src = in.row(c, y);
        float* dst = out.row(c, y);
        for (std::size_t x = 0; x < width; ++x)
          dst[x] = std::isnan(src[x]) ? src[x] : static_cast<float>(single(clip01(src[x])));
      });
    }
    return;
  }
  const bool human = params.colour == GhsColourModel::HumanLuminance;
  const double w[3] = {human ? 0.2126 : 1.0 / 3.0, human ? 0.7152 : 1.0 / 3.0,
                       human ? 0.0722 : 1.0 / 3.0};
  process_detail::for_each_row(in.height(), in.pixel_count() * 3, [&](std::size_t y) {
    const float* src[3] = {in.row(0, y), in.row(1, y), in.row(2, y)};
    float* dst[3] = {out.row(0, y), out.row(1, y), out.row(2, y)};
    for (std::size_t x = 0; x < width; ++x) {
      double v[3], lum_stretched[3], independent[3];
      for (int c = 0; c < 3; ++c) v[c] = clip01(src[c][x]);
      const double luminance = w[0] * v[0] + w[1] * v[1] + w[2] * v[2];
      const double factor = luminance == 0.0 ? 0.0 : transfer(luminance) / luminance;
      for (int c = 0; c < 3; ++c) {
        lum_stretched[c] = v[c] * factor;
        independent[c] = single(v[c]);
      }
      // Blend towards the independent stretch only as far as needed to stay <= 1.
      const double smax = std::max({lum_stretched[0], lum_stretched[1], lum_stretched[2]});
      const double tmax = std::max({independent[0], independent[1], independent[2]});
      const double d = smax - tmax;
      double k = 1.0;
      if (smax > 1.0 && d != 0.0) k = std::min(1.0, (1.0 - tmax) / d);
      for (int c = 0; c < 3; ++c)
        dst[c][x] = static_cast<float>((1.0 - k) * independent[c] + k * lum_stretched[c]);
    }
  });
}

}  // namespace

void ghs_stretch(ConstImageView in, ImageView out, const GhsParams& params) {
  const GhsCurve curve(params);
  apply(in, out, params, [&curve](double x) { return curve.forward(x); });
}

void inverse_ghs_stretch(ConstImageView in, ImageView out, const GhsParams& params) {
  const GhsCurve curve(params);
  apply(in, out, params, [&curve](double x) { return curve.inverse(x); });
}

std::string describe(const GhsParams& params, bool inverse) {
  std::string text = inverse ? "inverse-ghs D=" : "ghs D=";
  text.append(format_number(params.stretch)).append(" b=").append(format_number(params.local_intensity));
  text.append(" SP=").append(format_number(params.symmetry_point));
  text.append(" LP=").append(format_number(params.shadow_protection));
  text.append(" HP=").append(format_number(params.highlight_protection));
  text.append(" colour=").append(to_string(params.colour));
  return text;
}

}  // namespace astropack
