// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/combination.hpp"

#include <algorithm>
#include <cmath>

namespace astropack {

double combine(Combination how, std::span<float> values) {
  // NaN and infinities are no data: they would turn a sum into NaN and break
  // the ordering nth_element relies on.
  const auto finite_end =
      std::remove_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); });
  values = values.first(static_cast<std::size_t>(finite_end - values.begin()));
  const std::size_t n = values.size();
  if (n == 0) return 0.0;
  switch (how) {
    case Combination::Mean:
    case Combination::Sum: {
      double sum = 0.0;
      for (float v : values) sum += v;
      return how == Combination::Sum ? sum : sum / double(n);
    }
    case Combination::Median: {
      auto mid = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
      std::nth_element(values.begin(), mid, values.end());
      const double upper = *mid;
      if (n % 2 == 1) return upper;
      return 0.5 * (double(*std::max_element(values.begin(), mid)) + upper);
    }
    case Combination::Minimum:
      return *std::min_element(values.begin(), values.end());
    case Combination::Maximum:
      return *std::max_element(values.begin(), values.end());
  }
  return 0.0;
}

std::string_view combination_name(Combination how) {
  switch (how) {
    case Combination::Mean: return "average";
    case Combination::Median: return "median";
    case Combination::Sum: return "sum";
    case Combination::Minimum: return "minimum";
    case Combination::Maximum: return "maximum";
  }
  return "unknown combination";
}

}  // namespace astropack
