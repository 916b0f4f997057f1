// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/asinh_stretch.hpp"

#include <algorithm>
#include <cmath>

#include "operation_support.hpp"

namespace astropack {

void AsinhParams::validate() const {
  process_detail::require_range(stretch, 0.0, 10000.0, "the asinh stretch factor");
  process_detail::require_range(black_point, 0.0, 0.99, "the asinh black point");
}

void asinh_stretch(ConstImageView in, ImageView out, const AsinhParams& params) {
  params.validate();
  process_detail::require_same_shape(in, out, "asinh stretch");
  const double beta = params.stretch;
  const double asinh_beta = std::asinh(beta);
  const double o = params.black_point;
  const double scale = 1.0 / (1.0 - o);
  auto prime = [o, scale](float v) { return std::max(0.0, (double(v) - o) * scale); };
  auto factor = [beta, asinh_beta](double luminance) {
    if (luminance == 0.0) return 0.0;
    if (beta == 0.0) return 1.0;
    return std::asinh(beta * luminance) / (luminance * asinh_beta);
  };
  auto clip = [](double v) { return static_cast<float>(std::clamp(v, 0.0, 1.0)); };
  const std::size_t width = in.width();

  if (in.channels() == 3) {
    const double wr = params.rgb_working_space ? 0.2126 : 0.3333;
    const double wg = params.rgb_working_space ? 0.7152 : 0.3333;
    const double wb = params.rgb_working_space ? 0.0722 : 0.3333;
    process_detail::for_each_row(in.height(), in.pixel_count() * 3, [&](std::size_t y) {
      const float *r = in.row(0, y), *g = in.row(1, y), *b = in.row(2, y);
      float *ro = out.row(0, y), *go = out.row(1, y), *bo = out.row(2, y);
      for (std::size_t x = 0; x < width; ++x) {
        const double rp = prime(r[x]), gp = prime(g[x]), bp = prime(b[x]);
        const double k = factor(wr * rp + wg * gp + wb * bp);
        ro[x] = clip(rp * k);
        go[x] = clip(gp * k);
        bo[x] = clip(bp * k);
      }
    });
    return;
  }
  for (std::size_t c = 0; c < in.channels(); ++c) {
    process_detail::for_each_row(in.height(), in.pixel_count(), [&](std::size_t y) {
      const float* row = in.row(c, y);
      float* dst = out.row(c, y);
      for (std::size_t x = 0; x < width; ++x) {
        const double p = prime(row[x]);
        dst[x] = clip(p * factor(p));
      }
    });
  }
}

std::string describe(const AsinhParams& params) {
  std::string text = "asinh stretch=";
  text.append(process_detail::format_number(params.stretch));
  text.append(" black-point=").append(process_detail::format_number(params.black_point));
  if (params.rgb_working_space) text.append(" rgb-working-space");
  return text;
}

}  // namespace astropack
