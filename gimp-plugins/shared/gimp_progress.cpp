// SPDX-License-Identifier: GPL-3.0-or-later
#include "gimp_progress.hpp"

#include <libgimp/gimp.h>

#include <algorithm>

namespace astropack::gimp {

GimpProgress::GimpProgress(std::string_view stage) : m_stage(stage) {
  gimp_progress_init(m_stage.c_str());
}

void GimpProgress::report(double fraction, std::string_view stage) {
  if (!stage.empty() && stage != m_stage) {
    m_stage.assign(stage);
    gimp_progress_set_text(m_stage.c_str());
  }
  // Each update is a round trip to GIMP: send whole percents only.
  const int percent = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 100.0);
  if (percent == m_last_percent) return;
  m_last_percent = percent;
  gimp_progress_update(percent / 100.0);
}

}  // namespace astropack::gimp
