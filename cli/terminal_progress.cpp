// SPDX-License-Identifier: GPL-3.0-or-later
#include "terminal_progress.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace astropack::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) {
  if (g_interrupted.exchange(true)) {
    // A second Ctrl-C means "now": restore the default action and re-raise.
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
}

std::string format_duration(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (total >= 3600) std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  else std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  return buffer;
}

}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

TerminalProgress::TerminalProgress(bool enabled) : m_enabled(enabled && ::isatty(STDERR_FILENO)) {}

TerminalProgress::~TerminalProgress() { finish_line(); }

bool TerminalProgress::cancelled() const { return g_interrupted.load(); }

void TerminalProgress::finish_line() {
  if (m_line_open) std::fputc('\n', stderr);
  m_line_open = false;
}

void TerminalProgress::report(double fraction, std::string_view stage) {
  if (!m_enabled) return;
  const auto now = std::chrono::steady_clock::now();
  if (stage != m_stage) {
    finish_line();
    m_stage = std::string(stage);
    m_stage_start = now;
  } else if (fraction < 1.0 && now - m_last_draw < std::chrono::milliseconds(100)) {
    return;  // redrawing more often only costs time
  }
  m_last_draw = now;
  if (fraction < 0) fraction = 0;
  if (fraction > 1) fraction = 1;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth + 0.5);
  const double elapsed = std::chrono::duration<double>(now - m_stage_start).count();
  std::string eta = "--:--";
  if (fraction > 0.02) eta = format_duration(elapsed / fraction - elapsed);
  std::fprintf(stderr, "\r%-24.24s [%s%s] %3d%%  %s elapsed, ETA %s ", m_stage.c_str(),
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
               static_cast<int>(fraction * 100 + 0.5), format_duration(elapsed).c_str(), eta.c_str());
  std::fflush(stderr);
  m_line_open = true;
}

}  // namespace astropack::cli
