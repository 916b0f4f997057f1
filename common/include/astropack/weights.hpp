// SPDX-License-Identifier: GPL-3.0-or-later
// Per-frame weights for the weighted mean, normalised so that their mean is 1
// (as Siril does), one per frame in frame order.
#pragma once

#include <span>
#include <vector>

namespace astropack {

// Siril 1.0's -weighted: w = 1 / (s^2 noise^2), with noise the frame's
// background noise and s its normalisation scale factor (1 when
// scale_factors is empty), i.e. the inverse variance of the normalised frame.
// Throws Error(InvalidArgument) when a noise or scale is not positive and finite.
std::vector<float> noise_weights(std::span<const double> noise,
                                 std::span<const double> scale_factors = {});

// Weights proportional to the exposure time. Throws Error(InvalidArgument)
// when an exposure is not positive and finite.
std::vector<float> exposure_weights(std::span<const double> exposures);

}  // namespace astropack
