// SPDX-License-Identifier: GPL-3.0-or-later
// Combination of one pixel stack without rejection: mean, median, sum,
// minimum, maximum. Every finite value given takes part (filter "no data"
// zeros first if they should not; Siril's median stacking, for one, keeps
// zeros); NaN and infinities are dropped as no data.
// Accumulation is in double; the median of an even count averages the two
// middle values.
#pragma once

#include <span>
#include <string_view>

namespace astropack {

enum class Combination { Mean, Median, Sum, Minimum, Maximum };

// Reorders `values`. An empty stack (or one without a finite value) gives 0.
double combine(Combination how, std::span<float> values);

// Lower-case name for logs and HISTORY cards ("average", "median"...).
std::string_view combination_name(Combination how);

}  // namespace astropack
