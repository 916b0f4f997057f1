// SPDX-License-Identifier: GPL-3.0-or-later
// Progress and cancellation are passed into long operations. The CLI draws a
// bar, GIMP calls gimp_progress_update, tests pass nothing.
#pragma once

#include <string_view>

namespace astropack {

class Progress {
 public:
  virtual ~Progress() = default;
  // fraction in [0, 1] of the named stage.
  virtual void report(double fraction, std::string_view stage) = 0;
  virtual bool cancelled() const { return false; }
};

// Reports nowhere, never cancels.
class NoProgress final : public Progress {
 public:
  void report(double, std::string_view) override {}
};

// Throws Error(Cancelled) when the user asked to stop.
void throw_if_cancelled(const Progress& progress);

}  // namespace astropack
