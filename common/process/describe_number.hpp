// SPDX-License-Identifier: GPL-3.0-or-later
// Short number text for the describe() lines of the compositing operations.
#pragma once

#include <cstdio>
#include <string>

namespace astropack::compositing_detail {

// "0.25", "1e-05", "3": as short as exact enough for a HISTORY card.
inline std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

}  // namespace astropack::compositing_detail
