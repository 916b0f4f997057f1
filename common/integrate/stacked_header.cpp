// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/integration.hpp"

namespace astropack {

Header stacked_header(const FrameSet& frames, std::size_t reference) {
  Header header = frames.header(reference);
  int stack_count = 0;
  double live_time = 0, temperature_sum = 0;
  std::size_t temperatures = 0;
  bool live_time_known = true;
  std::string earliest;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Header& h = frames.header(i);
    stack_count += h.stack_count.value_or(1);
    if (h.live_time) live_time += *h.live_time;
    else if (h.exposure) live_time += *h.exposure;
    else live_time_known = false;
    if (h.temperature) {
      temperature_sum += *h.temperature;
      ++temperatures;
    }
    // ISO 8601 strings of one format sort in time order.
    if (!h.date_obs.empty() && (earliest.empty() || h.date_obs < earliest)) earliest = h.date_obs;
  }
  header.stack_count = stack_count;
  if (live_time_known) header.live_time = live_time;
  else header.live_time.reset();
  if (temperatures > 0) header.temperature = temperature_sum / double(temperatures);
  header.date_obs = earliest;
  return header;
}

}  // namespace astropack
