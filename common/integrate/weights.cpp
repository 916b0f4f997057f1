// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/weights.hpp"

#include <cmath>
#include <string>

#include "astropack/error.hpp"

namespace astropack {

namespace {

void require_positive(double v, std::size_t frame, const char* what) {
  if (!(v > 0.0) || !std::isfinite(v)) {
    std::string sentence = "frame ";
    sentence.append(std::to_string(frame + 1))
        .append(" has no usable ")
        .append(what)
        .append(" for weighting; leave it out or integrate without weights.");
    throw Error(ErrorKind::InvalidArgument, sentence);
  }
}

std::vector<float> normalised(const std::vector<double>& raw) {
  double sum = 0;
  for (double w : raw) sum += w;
  std::vector<float> out(raw.size());
  if (raw.empty()) return out;
  const double mean = sum / double(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) out[i] = float(raw[i] / mean);
  return out;
}

}  // namespace

std::vector<float> noise_weights(std::span<const double> noise,
                                 std::span<const double> scale_factors) {
  if (!scale_factors.empty() && scale_factors.size() != noise.size()) {
    throw Error(ErrorKind::Internal, "noise weights need one scale factor per frame.");
  }
  std::vector<double> raw(noise.size());
  for (std::size_t i = 0; i < noise.size(); ++i) {
    require_positive(noise[i], i, "background noise");
    const double s = scale_factors.empty() ? 1.0 : scale_factors[i];
    require_positive(s, i, "scale factor");
    raw[i] = 1.0 / (s * s * noise[i] * noise[i]);
  }
  return normalised(raw);
}

std::vector<float> exposure_weights(std::span<const double> exposures) {
  std::vector<double> raw(exposures.begin(), exposures.end());
  for (std::size_t i = 0; i < raw.size(); ++i) require_positive(raw[i], i, "exposure time");
  return normalised(raw);
}

}  // namespace astropack
