// SPDX-License-Identifier: GPL-3.0-or-later
// Subframe selection expressions: a condition over per-frame metrics that says
// which frames to REJECT, for example
//   "fwhm > 6 || ecc > 0.7"                     (absolute limits, as practitioners write)
//   "fwhm > 1.5 * median(fwhm) || ecc > 0.7"    (relative to the set)
//   "fwhm > 4 arcsec && !(snr > 20)"
//
// Grammar (blanks are ignored; precedence from loosest to tightest):
//   or         := and ('||' and)*
//   and        := not ('&&' not)*
//   not        := '!' not | comparison
//   comparison := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
//   sum        := product (('+' | '-') product)*
//   product    := unary (('*' | '/') unary)*
//   unary      := '-' unary | primary
//   primary    := number unit? | metric | aggregate '(' sum ')' | '(' or ')'
//   unit       := 'px' | 'arcsec'
//
// Metrics (see kSelectionMetrics): fwhm (px), ecc or eccentricity, roundness,
// stars, detected, background, noise, snr, snr_weight, psf_weight, weight, frame.
// Aggregates over every frame of the set: median, mean, min, max and mad (the
// median absolute deviation from the median, no 1.4826 factor); they cannot nest.
//
// Widths: fwhm is a width in pixels. A number without a unit next to a width is
// in pixels; '3 arcsec' is converted with each frame's image scale (206.265 x
// pixel size / focal length), which the frame's header must give. Adding a width
// to a plain number, comparing one with a plain metric, or multiplying two
// widths is refused, as is a unit after anything but a number.
//
// Errors throw Error(InvalidArgument) with what is wrong and the 1-based
// character position in the expression ("... at character 7 of "...".").
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace astropack {

// The metrics of one frame, as an expression sees them.
struct SelectionMetrics {
  double fwhm = 0;          // median FWHM, px (full resolution)
  double eccentricity = 0;  // median
  double roundness = 0;     // minor / major axis, sqrt(1 - ecc^2), as Siril's
  double stars = 0;         // stars with a good fit
  double detected = 0;      // all detections
  double background = 0;    // normalised units (ADU / 65535)
  double noise = 0;         // normalised units
  double snr = 0;
  double snr_weight = 0;
  double psf_weight = 0;
  double weight = 0;        // the weight in use, relative to the set's mean
  double frame = 0;         // 1-based position in the set
  double arcsec_per_px = 0; // image scale; 0 when the header does not give it
};

struct SelectionMetricInfo {
  const char* name;
  double SelectionMetrics::*member;
  bool width;               // in px; can be compared with arcsec
  const char* description;
};

// Every metric name an expression may use, in the order they are documented.
extern const std::span<const SelectionMetricInfo> kSelectionMetrics;

struct SelectionVerdict {
  bool matches = false;  // the expression is true: the frame is rejected
  std::string reason;    // when it matches: the parts that are true, with the values in them
};

class SelectionExpression {
 public:
  // Parses; throws Error(InvalidArgument) naming the character on any mistake.
  explicit SelectionExpression(std::string_view text);
  ~SelectionExpression();
  SelectionExpression(SelectionExpression&&) noexcept;
  SelectionExpression& operator=(SelectionExpression&&) noexcept;

  const std::string& text() const noexcept { return m_text; }
  // True when a number carries 'arcsec': every frame then needs its image scale.
  bool uses_arcsec() const noexcept { return m_uses_arcsec; }

  // One verdict per frame; aggregates run over all `frames`. Throws
  // Error(InvalidArgument) when uses_arcsec() and a frame has no image scale.
  std::vector<SelectionVerdict> evaluate(std::span<const SelectionMetrics> frames) const;

  struct Node;

 private:
  std::string m_text;
  bool m_uses_arcsec = false;
  std::unique_ptr<Node> m_root;
};

}  // namespace astropack
