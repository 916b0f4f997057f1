// SPDX-License-Identifier: GPL-3.0-or-later
// Calibration of light frames with master bias, dark and flat frames:
//
//   calibrated = (light - bias - k * thermal) / (flat / F) + pedestal
//
// where thermal = dark - bias (the dark's own bias removed; a dark that is
// already bias-free is recognised and used as it is), F = mean of the flat's
// first channel over the central third of the frame (Siril's F-bar,
// siril-compat.md section 4.5), and k the dark scale:
//   - None:     k = 1, the master dark is used as it is (light - dark);
//   - Exposure: k = light exposure / dark exposure when the two differ (needs
//               the bias, since only the thermal signal grows with time), else 1;
//   - Optimise: k in [0, 2] minimising the noise of light - bias - k * thermal
//               over the central 512 x 512 pixels, found by golden-section
//               search as Siril's preprocess -opt does; unlike Siril, the noise
//               is measured on first differences, so vignetting, gradients and
//               amplifier glow cannot bias k (optimise_dark_scale below).
// Any master may be missing: bias alone, dark alone and flat alone all work.
// Without a bias and a dark, k = 1 and the dark is subtracted as it is.
//
// Nothing is clamped: negatives and values above 1 are kept. A valid pixel
// that comes out exactly 0 becomes kSmallestValue, because 0 means "no data"
// to Siril (section 1.7); pixels where the flat is 0, negative or not finite
// are set to 0 (no data) and counted.
//
// Masters must have the light's size, channel count and CFA phase (an Error
// names both files otherwise); a dark whose exposure or temperature differs
// from the light's gives a warning. A light with more than 20 % negative
// pixels after the dark is subtracted gives Siril's warning that the
// calibration frames are probably incorrect.
//
// OSC flats can be colour-equalised first (Siril's equalize_cfa / grey_flat):
// the R and B sites of the flat are divided by their mean ratio to the G sites
// over the central third, so the flat corrects vignetting and dust but keeps
// the colour balance of the light.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "astropack/cfa.hpp"
#include "astropack/image.hpp"

namespace astropack {

enum class DarkScaling { None, Exposure, Optimise };

std::string_view to_string(DarkScaling scaling) noexcept;  // "none", "exposure", "optimise"
std::optional<DarkScaling> parse_dark_scaling(std::string_view text) noexcept;

// What a calibrated pixel that would be exactly 0 becomes: 1/65536 of an ADU.
inline constexpr float kSmallestValue = 1.0f / 65535.0f / 65536.0f;

// A master frame and the file it was read from (for messages and HISTORY).
struct MasterFrame {
  Image image;
  std::filesystem::path file;
};

struct CalibrationMasters {
  std::optional<MasterFrame> bias;
  std::optional<MasterFrame> dark;  // bias included (as cameras record darks) or bias-free
  std::optional<MasterFrame> flat;  // bias- or dark-flat-corrected flat, any level
};

struct CalibrationParams {
  DarkScaling dark_scaling = DarkScaling::Exposure;
  double pedestal = 0.0;                 // normalised (ADU / 65535), added to every pixel
  bool equalize_cfa = false;             // colour-equalise a CFA flat first
  double temperature_tolerance = 5.0;    // deg C between dark and light before a warning
  double negative_warning_fraction = 0.2;
  double optimise_low = 0.0, optimise_high = 2.0;  // search range of the optimised k
  std::size_t optimise_box = 512;        // side of the central square the noise is measured on

  // Throws Error(InvalidArgument) naming the valid range.
  void validate() const;
};

struct LightCalibrationResult {
  Image image;                         // calibrated light: the light's header plus HISTORY
  double dark_scale = 0.0;             // k applied to the thermal dark (1 = as is; 0 = no dark)
  std::size_t negative_pixels = 0;     // negative after bias/dark subtraction
  double negative_fraction = 0.0;      // of the finite pixels
  std::size_t no_data_pixels = 0;      // set to 0 because the flat is unusable there
  std::vector<std::string> warnings;   // one sentence each, for the user
};

struct CfaEqualisation {
  double factor[4] = {1.0, 1.0, 1.0, 1.0};
};

// Masters checked against each other and turned into what the per-light loop
// needs, once for a whole set of lights. Throws Error naming the odd file when
// masters differ in size, channels or CFA phase, when the flat is unusable
// (no positive value in its centre), or when the scaling asks for a missing bias.
class PreparedCalibration {
 public:
  PreparedCalibration() = default;

  bool has_bias() const noexcept { return m_has_bias; }
  bool has_dark() const noexcept { return m_has_dark; }
  bool has_flat() const noexcept { return m_has_flat; }
  // True when the master dark was found to be bias-free already (its median
  // below half the bias median), so it was not bias-subtracted again.
  bool dark_is_bias_free() const noexcept { return m_dark_bias_free; }
  double flat_mean() const noexcept { return m_flat_mean; }  // F, normalised units
  // Flat pixels that are 0, negative or not finite (their output is 0).
  std::size_t flat_bad_pixels() const noexcept { return m_flat_bad; }
  // Factors the flat's 2x2 CFA cells were divided by (all 1 when not equalised).
  const CfaEqualisation& equalisation() const noexcept { return m_equalisation; }
  const CalibrationParams& params() const noexcept { return m_params; }
  // Lines for the HISTORY of every calibrated light, naming the masters.
  const std::vector<std::string>& history() const noexcept { return m_history; }

 private:
  friend PreparedCalibration prepare_calibration(CalibrationMasters masters,
                                                 const CalibrationParams& params);
  friend LightCalibrationResult calibrate_light(Image light,
                                               const std::filesystem::path& light_file,
                                               const PreparedCalibration& prepared);

  CalibrationParams m_params;
  Image m_bias;      // subtracted as is (or the dark, when there is no bias)
  Image m_thermal;   // dark - bias, scaled by k
  Image m_flat_gain; // F / flat, 0 where the flat is unusable
  Header m_bias_header, m_dark_header, m_flat_header;
  std::filesystem::path m_bias_file, m_dark_file, m_flat_file;
  bool m_has_bias = false, m_has_dark = false, m_has_flat = false;
  bool m_dark_only = false;  // a dark without a bias: k stays 1
  bool m_dark_bias_free = false;
  double m_flat_mean = 0.0;
  std::size_t m_flat_bad = 0;
  CfaEqualisation m_equalisation;
  std::size_t m_width = 0, m_height = 0, m_channels = 0;
  std::vector<std::string> m_history;
};

PreparedCalibration prepare_calibration(CalibrationMasters masters,
                                        const CalibrationParams& params);

// Calibrates one light (any channel count, mono, CFA or RGB). `light_file`
// names the light in errors and warnings. The light is taken by value and
// calibrated in place: move it in when it is not needed afterwards. Rows are
// processed in parallel; the result does not depend on the thread count.
LightCalibrationResult calibrate_light(Image light, const std::filesystem::path& light_file,
                                       const PreparedCalibration& prepared);

// The optimised dark scale alone: k in [low, high] minimising the summed
// per-channel population sigma of the horizontal first differences of
// (light - bias - k * thermal) over the central box x box square (or the
// whole frame when smaller); non-finite samples are skipped. Golden-section
// search, tolerance 1e-4. `bias` may be an empty view (no bias).
double optimise_dark_scale(ConstImageView light, ConstImageView bias, ConstImageView thermal,
                           double low = 0.0, double high = 2.0, std::size_t box = 512);

// Divides the R and B sites of a one-channel CFA flat by their mean ratio to
// the G sites over the central third (Siril's equalize_cfa). The green sites
// are taken from `origin` (the pattern of stored pixel 0,0) when given,
// otherwise guessed from the data as Siril does: the diagonal pair of the 2x2
// cell whose two means agree best. Returns the factor each cell of the 2x2
// period was divided by, indexed (row % 2) * 2 + column % 2 (1 for green).
CfaEqualisation equalize_cfa_flat(ImageView flat, std::optional<CfaPattern> origin);

// Siril's F-bar: mean of channel 0 over the central third (x from W/3, width
// W/3; y likewise), non-finite samples skipped.
double central_third_mean(ConstImageView image);

}  // namespace astropack
