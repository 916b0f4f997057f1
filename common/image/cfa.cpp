// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/cfa.hpp"

#include "astropack/header.hpp"

namespace astropack {

std::optional<CfaPattern> parse_cfa_pattern(std::string_view text) noexcept {
  if (text == "RGGB") return CfaPattern::RGGB;
  if (text == "BGGR") return CfaPattern::BGGR;
  if (text == "GBRG") return CfaPattern::GBRG;
  if (text == "GRBG") return CfaPattern::GRBG;
  return std::nullopt;
}

std::string_view to_string(CfaPattern pattern) noexcept {
  switch (pattern) {
    case CfaPattern::RGGB: return "RGGB";
    case CfaPattern::BGGR: return "BGGR";
    case CfaPattern::GBRG: return "GBRG";
    case CfaPattern::GRBG: return "GRBG";
  }
  return "RGGB";
}

CfaPattern shift_column(CfaPattern pattern) noexcept {
  switch (pattern) {
    case CfaPattern::RGGB: return CfaPattern::GRBG;
    case CfaPattern::GRBG: return CfaPattern::RGGB;
    case CfaPattern::BGGR: return CfaPattern::GBRG;
    case CfaPattern::GBRG: return CfaPattern::BGGR;
  }
  return pattern;
}

CfaPattern shift_row(CfaPattern pattern) noexcept {
  switch (pattern) {
    case CfaPattern::RGGB: return CfaPattern::GBRG;
    case CfaPattern::GBRG: return CfaPattern::RGGB;
    case CfaPattern::BGGR: return CfaPattern::GRBG;
    case CfaPattern::GRBG: return CfaPattern::BGGR;
  }
  return pattern;
}

CfaColor cfa_color(CfaPattern origin, std::size_t row, std::size_t column) noexcept {
  // The four colours of the 2x2 cell in reading order: (0,0) (0,1) (1,0) (1,1).
  static constexpr CfaColor cells[4][4] = {
      {CfaColor::Red, CfaColor::Green, CfaColor::Green, CfaColor::Blue},   // RGGB
      {CfaColor::Blue, CfaColor::Green, CfaColor::Green, CfaColor::Red},   // BGGR
      {CfaColor::Green, CfaColor::Blue, CfaColor::Red, CfaColor::Green},   // GBRG
      {CfaColor::Green, CfaColor::Red, CfaColor::Blue, CfaColor::Green},   // GRBG
  };
  return cells[static_cast<int>(origin)][(row % 2) * 2 + (column % 2)];
}

std::optional<CfaPattern> phase_at_origin(const Header& header, std::size_t height) {
  auto pattern = parse_cfa_pattern(header.bayer_pattern);
  if (!pattern) return std::nullopt;
  CfaPattern phase = *pattern;
  if (header.bayer_offset_x % 2 != 0) phase = shift_column(phase);
  if (header.bayer_offset_y % 2 != 0) phase = shift_row(phase);
  // Siril treats a missing ROWORDER as top-down. BAYERPAT describes the top of
  // the picture, which for a bottom-up file is the last stored row.
  const bool bottom_up = header.row_order == "BOTTOM-UP";
  if (bottom_up && height % 2 == 0) phase = shift_row(phase);
  return phase;
}

}  // namespace astropack
