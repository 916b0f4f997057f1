// SPDX-License-Identifier: GPL-3.0-or-later
// Levels as gimp:levels computes them; see levels.hpp.
#include "astropack/levels.hpp"

#include <algorithm>
#include <cmath>

#include "astropack/error.hpp"
#include "describe_number.hpp"

namespace astropack {

void LevelsParams::validate() const {
  auto in_unit = [](double v) { return v >= 0.0 && v <= 1.0; };
  if (!in_unit(black_point) || !in_unit(white_point))
    throw Error(ErrorKind::InvalidArgument,
                "the levels black and white points must be between 0 and 1.");
  if (!(white_point > black_point))
    throw Error(ErrorKind::InvalidArgument,
                "the levels white point must be above the black point.");
  if (!(gamma >= 0.1 && gamma <= 10.0))
    throw Error(ErrorKind::InvalidArgument, "the levels gamma must be between 0.1 and 10.");
  if (!in_unit(output_black) || !in_unit(output_white))
    throw Error(ErrorKind::InvalidArgument,
                "the levels output black and white must be between 0 and 1.");
}

bool LevelsParams::is_identity() const noexcept {
  return black_point == 0.0 && white_point == 1.0 && gamma == 1.0 && output_black == 0.0 &&
         output_white == 1.0 && !clamp_input && !clamp_output;
}

double levels_map(double v, const LevelsParams& p) noexcept {
  // GIMP first maps each channel through its own (here neutral) levels, which
  // still applies the clamps, then through the Value levels.
  if (p.clamp_input || p.clamp_output) v = std::clamp(v, 0.0, 1.0);
  if (p.white_point != p.black_point)
    v = (v - p.black_point) / (p.white_point - p.black_point);
  else
    v = v - p.black_point;
  if (p.clamp_input) v = std::clamp(v, 0.0, 1.0);
  const double inv_gamma = static_cast<float>(1.0 / p.gamma);  // GIMP keeps it in a float
  if (inv_gamma != 1.0 && v > 0) v = std::pow(v, inv_gamma);
  if (p.output_white >= p.output_black)
    v = v * (p.output_white - p.output_black) + p.output_black;
  else
    v = p.output_black - v * (p.output_black - p.output_white);
  if (p.clamp_output) v = std::clamp(v, 0.0, 1.0);
  return v;
}

void levels(ImageView image, const LevelsParams& params) {
  params.validate();
  if (params.is_identity()) return;
  const std::size_t width = image.width();
  const std::size_t channels = image.channels();
  const long height = static_cast<long>(image.height());
#pragma omp parallel for schedule(static) default(none) shared(image, params) \
    firstprivate(width, channels, height) if (image.pixel_count() > 65536)
  for (long y = 0; y < height; ++y) {
    for (std::size_t c = 0; c < channels; ++c) {
      float* row = image.row(c, static_cast<std::size_t>(y));
      for (std::size_t x = 0; x < width; ++x) {
        const float v = convert_trc(row[x], params.storage, params.working);
        const float mapped = static_cast<float>(levels_map(v, params));
        row[x] = convert_trc(mapped, params.working, params.storage);
      }
    }
  }
}

std::string describe(const LevelsParams& p) {
  using compositing_detail::number_text;
  std::string text = "levels black=";
  text.append(number_text(p.black_point)).append(" white=").append(number_text(p.white_point));
  text.append(" gamma=").append(number_text(p.gamma));
  text.append(" output=").append(number_text(p.output_black)).append("..");
  text.append(number_text(p.output_white));
  if (p.clamp_input) text.append(" clamp-input");
  if (p.clamp_output) text.append(" clamp-output");
  text.append(" working=")
      .append(to_string(p.working))
      .append(" trc=")
      .append(to_string(p.storage));
  return text;
}

}  // namespace astropack
