// SPDX-License-Identifier: GPL-3.0-or-later
// Colourise with GIMP 2.10's HSL semantics; see colourise.hpp.
#include "astropack/colourise.hpp"

#include "astropack/error.hpp"
#include "describe_number.hpp"

namespace astropack {

void ColouriseParams::validate() const {
  if (!(hue >= 0.0 && hue <= 360.0))
    throw Error(ErrorKind::InvalidArgument, "the colourise hue must be between 0 and 360 degrees.");
  if (!(saturation >= 0.0 && saturation <= 100.0))
    throw Error(ErrorKind::InvalidArgument,
                "the colourise saturation must be between 0 and 100 %.");
  if (!(lightness >= -100.0 && lightness <= 100.0))
    throw Error(ErrorKind::InvalidArgument,
                "the colourise lightness must be between -100 and 100 %.");
}

namespace {

// libgimpcolor's HSL helper: one RGB component from the two HSL extremes and a
// hue position in sixths of the circle.
double hsl_component(double m1, double m2, double hue) noexcept {
  if (hue > 6.0)
    hue -= 6.0;
  else if (hue < 0.0)
    hue += 6.0;
  if (hue < 1.0) return m1 + (m2 - m1) * hue;
  if (hue < 3.0) return m2;
  if (hue < 4.0) return m1 + (m2 - m1) * (4.0 - hue);
  return m1;
}

}  // namespace

void colourise_pixel(float& r, float& g, float& b, const ColouriseParams& p) noexcept {
  // GIMP works on sRGB-encoded numbers (its point filters read "R'G'B'A float").
  const float er = convert_trc(r, p.storage, Trc::Perceptual);
  const float eg = convert_trc(g, p.storage, Trc::Perceptual);
  const float eb = convert_trc(b, p.storage, Trc::Perceptual);
  const double hue = p.hue / 360.0;
  const double s = p.saturation / 100.0;
  const double l = p.lightness / 100.0;
  // GIMP_RGB_LUMINANCE in double, kept in a float as GIMP does.
  float lum = static_cast<float>(er * 0.22248840 + eg * 0.71690369 + eb * 0.06060791);
  if (l > 0) {
    lum = static_cast<float>(lum * (1.0 - l));
    lum = static_cast<float>(lum + (1.0 - (1.0 - l)));
  } else if (l < 0) {
    lum = static_cast<float>(lum * (l + 1.0));
  }
  double out_r = lum, out_g = lum, out_b = lum;
  if (s != 0.0) {
    const double m2 = lum <= 0.5 ? lum * (1.0 + s) : lum + s - lum * s;
    const double m1 = 2.0 * lum - m2;
    out_r = hsl_component(m1, m2, hue * 6.0 + 2.0);
    out_g = hsl_component(m1, m2, hue * 6.0);
    out_b = hsl_component(m1, m2, hue * 6.0 - 2.0);
  }
  r = convert_trc(static_cast<float>(out_r), Trc::Perceptual, p.storage);
  g = convert_trc(static_cast<float>(out_g), Trc::Perceptual, p.storage);
  b = convert_trc(static_cast<float>(out_b), Trc::Perceptual, p.storage);
}

Image colourise(ConstImageView in, const ColouriseParams& params) {
  params.validate();
  if (in.channels() != 1 && in.channels() != 3)
    throw Error(ErrorKind::InvalidArgument, "colourise needs a grey or RGB image.");
  Image out(in.width(), in.height(), 3);
  const std::size_t width = in.width();
  const long height = static_cast<long>(in.height());
  const bool grey = in.channels() == 1;
  ImageView view = out.view();
#pragma omp parallel for schedule(static) default(none) shared(in, view, params) \
    firstprivate(width, height, grey) if (in.pixel_count() > 65536)
  for (long y = 0; y < height; ++y) {
    const std::size_t row = static_cast<std::size_t>(y);
    const float* r_in = in.row(0, row);
    const float* g_in = in.row(grey ? 0 : 1, row);
    const float* b_in = in.row(grey ? 0 : 2, row);
    float* r_out = view.row(0, row);
    float* g_out = view.row(1, row);
    float* b_out = view.row(2, row);
    for (std::size_t x = 0; x < width; ++x) {
      float r = r_in[x], g = g_in[x], b = b_in[x];
      colourise_pixel(r, g, b, params);
      r_out[x] = r;
      g_out[x] = g;
      b_out[x] = b;
    }
  }
  return out;
}

std::string describe(const ColouriseParams& p) {
  using compositing_detail::number_text;
  std::string text = "colourise hue=";
  text.append(number_text(p.hue)).append(" saturation=").append(number_text(p.saturation));
  text.append(" lightness=").append(number_text(p.lightness));
  text.append(" trc=").append(to_string(p.storage));
  return text;
}

}  // namespace astropack
