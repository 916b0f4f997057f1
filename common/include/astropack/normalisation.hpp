// SPDX-License-Identifier: GPL-3.0-or-later
// Frame normalisation before combination: robust location/scale estimators of
// a frame (or one channel of it) and the linear maps of Siril's -norm= modes
// (siril-compat.md sections 4.1 and 4.2). As everywhere in Siril, pixels equal
// to 0 are "no data": the estimators skip them (and non-finite values) and the
// maps leave them at 0.
#pragma once

#include <cstddef>
#include <span>

#include "astropack/image.hpp"

namespace astropack {

struct LocationScale {
  double location = 0;
  double scale = 0;
  std::size_t count = 0;  // values that took part
};

// Median and MAD (no 1.4826 factor: only ratios of scales matter below).
LocationScale median_mad_estimate(std::span<const float> values);
LocationScale median_mad_estimate(ConstImageView channel);

// Siril's IKSS-lite: M and MAD of all values; keep those within M +- 6 MAD;
// location = their median; MAD' = their MAD around it;
// scale = 0.991 * sqrt(BWMV(kept, location, MAD')).
LocationScale ikss_estimate(std::span<const float> values);
LocationScale ikss_estimate(ConstImageView channel);

// Biweight midvariance around `center` with u = (x - center) / (9 mad); values
// with |u| >= 1 add nothing, n counts every value:
// n * sum (x-c)^2 (1-u^2)^4 / [sum (1-u^2)(1-5u^2)]^2. 0 when mad is 0.
double biweight_midvariance(std::span<const float> values, double center, double mad);

enum class Normalisation { None, Additive, Multiplicative, AdditiveScale, MultiplicativeScale };

// x' = multiplier * x + offset; 0 stays 0 (no data).
struct NormalisationMap {
  double multiplier = 1.0;
  double offset = 0.0;
  double apply(double x) const { return x == 0.0 ? 0.0 : multiplier * x + offset; }
};

// With L, S of the frame and Lr, Sr of the reference frame and s = Sr / S
// (1 when S is 0): add x - (L - Lr); addscale x s - (s L - Lr); mul x Lr / L;
// mulscale x s Lr / L (Lr / L taken as 1 when L is 0).
NormalisationMap normalisation_map(Normalisation how, const LocationScale& frame,
                                   const LocationScale& reference);

}  // namespace astropack
