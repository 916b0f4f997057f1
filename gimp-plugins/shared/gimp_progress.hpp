// SPDX-License-Identifier: GPL-3.0-or-later
// astropack::Progress shown in GIMP's progress bar (the status bar of the image
// window, or nothing in batch mode). GIMP 2.10 gives a plug-in no way to learn
// that the user pressed cancel, so cancelled() stays false.
#pragma once

#include <string>
#include <string_view>

#include "astropack/progress.hpp"

namespace astropack::gimp {

class GimpProgress final : public Progress {
 public:
  // Starts the bar with a first stage name.
  explicit GimpProgress(std::string_view stage);
  void report(double fraction, std::string_view stage) override;

 private:
  std::string m_stage;
  int m_last_percent = -1;
};

}  // namespace astropack::gimp
