// SPDX-License-Identifier: GPL-3.0-or-later
// A progress bar with elapsed time and ETA on standard error, drawn only when
// standard error is a terminal; Ctrl-C requests cancellation instead of
// killing the process, so outputs are never left half-written.
#pragma once

#include <chrono>
#include <string>

#include "astropack/progress.hpp"

namespace astropack::cli {

class TerminalProgress final : public Progress {
 public:
  explicit TerminalProgress(bool enabled);
  ~TerminalProgress() override;
  void report(double fraction, std::string_view stage) override;
  bool cancelled() const override;

 private:
  void finish_line();

  bool m_enabled;
  std::string m_stage;
  std::chrono::steady_clock::time_point m_stage_start;
  std::chrono::steady_clock::time_point m_last_draw;
  bool m_line_open = false;
};

// Installs the SIGINT/SIGTERM handler that TerminalProgress::cancelled() reads.
void install_interrupt_handler();

}  // namespace astropack::cli
