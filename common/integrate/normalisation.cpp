// SPDX-License-Identifier: GPL-3.0-or-later
// Location/scale estimators for normalisation and the -norm= maps. One copy of
// the accepted values is made; later passes refill it from the input rather
// than keeping a second copy.
#include "astropack/normalisation.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace astropack {

namespace {

bool usable(float v) { return v != 0.0f && std::isfinite(v); }

// Median of v (reorders it); even counts average the two middle values.
double median_in(std::vector<float>& v) {
  const std::size_t n = v.size();
  if (n == 0) return 0.0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(v.begin(), mid, v.end());
  const double upper = *mid;
  if (n % 2 == 1) return upper;
  return 0.5 * (double(*std::max_element(v.begin(), mid)) + upper);
}

// Fills `out` with the usable values of `values` within [lo, hi].
void collect(std::span<const float> values, double lo, double hi, std::vector<float>& out) {
  out.clear();
  for (float v : values)
    if (usable(v) && double(v) >= lo && double(v) <= hi) out.push_back(v);
}

void collect_all(std::span<const float> values, std::vector<float>& out) {
  collect(values, -HUGE_VAL, HUGE_VAL, out);
}

// MAD of `v` around `center`; overwrites v with the deviations.
double mad_in(std::vector<float>& v, double center) {
  for (float& x : v) x = float(std::fabs(double(x) - center));
  return median_in(v);
}

std::vector<float> channel_values(ConstImageView channel) {
  std::vector<float> out;
  if (channel.channels() == 0) return out;
  for (std::size_t y = 0; y < channel.height(); ++y) {
    const float* row = channel.row(0, y);
    for (std::size_t x = 0; x < channel.width(); ++x)
      if (usable(row[x])) out.push_back(row[x]);
  }
  return out;
}

}  // namespace

LocationScale median_mad_estimate(std::span<const float> values) {
  std::vector<float> v;
  v.reserve(values.size());
  collect_all(values, v);
  LocationScale out;
  out.count = v.size();
  if (v.empty()) return out;
  out.location = median_in(v);
  out.scale = mad_in(v, out.location);
  return out;
}

LocationScale median_mad_estimate(ConstImageView channel) {
  const std::vector<float> v = channel_values(channel);
  return median_mad_estimate(std::span<const float>(v));
}

double biweight_midvariance(std::span<const float> values, double center, double mad) {
  if (!(mad > 0.0) || values.empty()) return 0.0;
  double num = 0.0, den = 0.0;
  for (float x : values) {
    const double d = double(x) - center;
    const double u = d / (9.0 * mad);
    const double u2 = u * u;
    if (u2 >= 1.0) continue;
    const double w = 1.0 - u2;
    num += d * d * w * w * w * w;
    den += w * (1.0 - 5.0 * u2);
  }
  if (den == 0.0) return 0.0;
  return double(values.size()) * num / (den * den);
}

LocationScale ikss_estimate(std::span<const float> values) {
  std::vector<float> v;
  v.reserve(values.size());
  collect_all(values, v);
  LocationScale out;
  if (v.empty()) return out;
  const double m = median_in(v);
  const double mad = mad_in(v, m);
  const double lo = m - 6.0 * mad, hi = m + 6.0 * mad;

  collect(values, lo, hi, v);  // the kept values
  out.count = v.size();
  out.location = median_in(v);
  const double mad_kept = mad_in(v, out.location);
  collect(values, lo, hi, v);  // again, the deviations overwrote them
  out.scale = 0.991 * std::sqrt(biweight_midvariance(v, out.location, mad_kept));
  return out;
}

LocationScale ikss_estimate(ConstImageView channel) {
  const std::vector<float> v = channel_values(channel);
  return ikss_estimate(std::span<const float>(v));
}

NormalisationMap normalisation_map(Normalisation how, const LocationScale& frame,
                                   const LocationScale& reference) {
  const double s = frame.scale != 0.0 ? reference.scale / frame.scale : 1.0;
  const double ratio = frame.location != 0.0 ? reference.location / frame.location : 1.0;
  NormalisationMap map;
  switch (how) {
    case Normalisation::None:
      break;
    case Normalisation::Additive:
      map.offset = -(frame.location - reference.location);
      break;
    case Normalisation::AdditiveScale:
      map.multiplier = s;
      map.offset = -(s * frame.location - reference.location);
      break;
    case Normalisation::Multiplicative:
      map.multiplier = ratio;
      break;
    case Normalisation::MultiplicativeScale:
      map.multiplier = s * ratio;
      break;
  }
  return map;
}

}  // namespace astropack
