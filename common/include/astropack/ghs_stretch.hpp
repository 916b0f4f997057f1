// SPDX-License-Identifier: GPL-3.0-or-later
// Generalised hyperbolic stretch and its inverse, as Siril 1.2's ght / invght
// (siril-compat.md section 4.9; Siril 1.0 has no such command).
//
// The user's stretch D in [0, 10] becomes D' = e^D - 1. With u = |x - SP| the
// base curve rises through the symmetry point SP with slope D' there:
//   f(x) = sign(x - SP) g(u),  where
//   b > 0:        g = 1 - (1 + D' b u)^(-1/b)            (hyperbolic)
//   b = 0:        g = 1 - e^(-D' u)                      (exponential)
//   b = -1:       g = ln(1 + D' u)                       (logarithmic)
//   other b < 0:  g = ((1 + D' q u)^((q-1)/q) - 1)/(q-1), q = -b  (slope D'(1 + D' q u)^(-1/q))
// Below LP and above HP, f is replaced by its tangent line at LP and at HP
// (shadow and highlight protection). The output is (f(x) - f(0)) / (f(1) - f(0)),
// so 0 -> 0 and 1 -> 1. D = 0 is the identity.
// As in Siril, inputs are clipped to [0, 1] first (and 0 stays 0), so the
// stretch and its inverse are exact inverses on [0, 1].
//
// Colour models for RGB: independent (each channel on its own curve), or a
// stretch factor T(Y)/Y from the luminance Y = weights . (r, g, b) (even: 1/3
// each; human: 0.2126/0.7152/0.0722) applied to every channel; where that
// pushes the largest channel above 1, the pixel is blended towards the
// independent result just enough to bring it back to 1 (Siril's RGB blend).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "astropack/image.hpp"

namespace astropack {

enum class GhsColourModel { Independent, EvenLuminance, HumanLuminance };

std::string_view to_string(GhsColourModel model) noexcept;  // "independent", "even", "human"
std::optional<GhsColourModel> parse_ghs_colour_model(std::string_view text) noexcept;

struct GhsParams {
  double stretch = 0.0;             // D, [0, 10]; 0 = identity
  double local_intensity = 0.0;     // b, [-5, 15]; negative values are Siril's GUI-only variants
  double symmetry_point = 0.0;      // SP, [0, 1]
  double shadow_protection = 0.0;   // LP, [0, SP]
  double highlight_protection = 1.0;  // HP, [SP, 1]
  GhsColourModel colour = GhsColourModel::Independent;

  void validate() const;  // throws Error(InvalidArgument) naming the valid range
};

// The one-dimensional curve, prepared once.
class GhsCurve {
 public:
  explicit GhsCurve(const GhsParams& params);
  // Forward transfer of a value in [0, 1] (not clipped here).
  double forward(double x) const noexcept;
  // The inverse of forward() on [0, 1].
  double inverse(double y) const noexcept;

 private:
  double base(double x) const noexcept;  // f without normalisation
  double g(double u) const noexcept;
  double g_slope(double u) const noexcept;
  double g_inverse(double value) const noexcept;

  bool m_identity = false;
  double m_d = 0, m_b = 0, m_sp = 0, m_lp = 0, m_hp = 1;
  double m_f_lp = 0, m_slope_lp = 0, m_f_hp = 0, m_slope_hp = 0;
  double m_f0 = 0, m_scale = 1;  // output = (f - f0) * scale
};

// `in` and `out` have the same geometry and may be the same view.
void ghs_stretch(ConstImageView in, ImageView out, const GhsParams& params);
void inverse_ghs_stretch(ConstImageView in, ImageView out, const GhsParams& params);

std::string describe(const GhsParams& params, bool inverse = false);

}  // namespace astropack
