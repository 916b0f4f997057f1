// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/mtf_stretch.hpp"

#include <cmath>
#include <vector>

#include "astropack/statistics.hpp"
#include "operation_support.hpp"

namespace astropack {

using process_detail::format_number;

void MtfParams::validate() const {
  process_detail::require_range(shadows, 0.0, 0.999, "the MTF shadows (low) point");
  process_detail::require_range(midtones, 0.0001, 0.9999, "the MTF midtones balance");
  process_detail::require_range(highlights, 0.001, 1.0, "the MTF highlights (high) point");
  if (!(highlights > shadows)) {
    std::string sentence = "the MTF highlights point must be above the shadows point; got low ";
    sentence.append(format_number(shadows)).append(" and high ");
    sentence.append(format_number(highlights)).append(".");
    throw Error(ErrorKind::InvalidArgument, sentence);
  }
}

double mtf(double x, double midtones, double shadows, double highlights) noexcept {
  if (x <= shadows) return 0.0;
  if (x >= highlights) return 1.0;
  const double p = (x - shadows) / (highlights - shadows);
  return (midtones - 1.0) * p / ((2.0 * midtones - 1.0) * p - midtones);
}

namespace {

// Applies one MTF per channel; the parameters are already checked.
void apply_mtfs(ConstImageView in, ImageView out, const std::vector<MtfParams>& params) {
  const std::size_t width = in.width();
  for (std::size_t c = 0; c < in.channels(); ++c) {
    const MtfParams p = params[c];
    process_detail::for_each_row(in.height(), in.pixel_count(), [&](std::size_t y) {
      const float* src = in.row(c, y);
      float* dst = out.row(c, y);
      for (std::size_t x = 0; x < width; ++x) {
        // NaN stays NaN: no sample is invented.
        dst[x] = std::isnan(src[x]) ? src[x]
                                    : static_cast<float>(mtf(src[x], p.midtones, p.shadows,
                                                             p.highlights));
      }
    });
  }
}

}  // namespace

void mtf_stretch(ConstImageView in, ImageView out, const std::vector<MtfParams>& params) {
  process_detail::require_same_shape(in, out, "MTF stretch");
  if (params.size() != in.channels())
    throw Error(ErrorKind::InvalidArgument, "MTF stretch: one set of parameters per channel is needed.");
  for (const MtfParams& p : params) p.validate();
  apply_mtfs(in, out, params);
}

void mtf_stretch(ConstImageView in, ImageView out, const MtfParams& params) {
  mtf_stretch(in, out, std::vector<MtfParams>(in.channels(), params));
}

void AutostretchParams::validate() const {
  process_detail::require_range(shadows_clipping, -10.0, 0.0,
                                "the autostretch shadows clipping (sigma units)");
  process_detail::require_range(target_background, 0.001, 0.999,
                                "the autostretch target background");
}

std::vector<MtfParams> autostretch_parameters(ConstImageView image,
                                              const AutostretchParams& params) {
  params.validate();
  const std::size_t channels = image.channels();
  std::vector<double> median(channels, 0.0), mad(channels, 0.0);
  for (std::size_t c = 0; c < channels; ++c) {
    std::vector<float> values;
    values.reserve(image.pixel_count());
    for (std::size_t y = 0; y < image.height(); ++y) {
      const float* row = image.row(c, y);
      for (std::size_t x = 0; x < image.width(); ++x)
        if (row[x] != 0.0f && std::isfinite(row[x])) values.push_back(row[x]);
    }
    if (!values.empty()) {
      median[c] = median_in_place(values);
      mad[c] = mad_about(values, median[c]);
    }
    mad[c] *= 1.4826;
    if (mad[c] == 0.0) mad[c] = 0.001;  // Siril's guard against a flat channel
  }
  std::size_t inverted = 0;
  for (std::size_t c = 0; c < channels; ++c)
    if (median[c] > 0.5) ++inverted;
  const bool invert = inverted == channels;
  const double clip = params.shadows_clipping;
  const double target = params.target_background;

  auto normal = [&](double med, double lo) {
    if (lo < 0.0) lo = 0.0;
    return MtfParams{lo, mtf(med - lo, target), 1.0};
  };
  auto inverse = [&](double med, double hi) {
    if (hi > 1.0) hi = 1.0;
    return MtfParams{0.0, 1.0 - mtf(hi - med, target), hi};
  };

  std::vector<MtfParams> result;
  if (params.linked) {
    double med_sum = 0.0, point_sum = 0.0;
    for (std::size_t c = 0; c < channels; ++c) {
      med_sum += median[c];
      point_sum += invert ? median[c] - clip * mad[c] : median[c] + clip * mad[c];
    }
    const double med = med_sum / double(channels);
    const double point = point_sum / double(channels);
    result.assign(channels, invert ? inverse(med, point) : normal(med, point));
  } else {
    for (std::size_t c = 0; c < channels; ++c)
      result.push_back(invert ? inverse(median[c], median[c] - clip * mad[c])
                              : normal(median[c], median[c] + clip * mad[c]));
  }
  return result;
}

std::vector<MtfParams> autostretch(ConstImageView in, ImageView out,
                                   const AutostretchParams& params) {
  process_detail::require_same_shape(in, out, "autostretch");
  std::vector<MtfParams> mtfs = autostretch_parameters(in, params);
  // Not validated as user input: a flat channel may legitimately give extreme values.
  apply_mtfs(in, out, mtfs);
  return mtfs;
}

std::string describe(const MtfParams& params) {
  std::string text = "mtf low=";
  text.append(format_number(params.shadows)).append(" mid=").append(format_number(params.midtones));
  text.append(" high=").append(format_number(params.highlights));
  return text;
}

std::string describe(const AutostretchParams& params) {
  std::string text = "autostretch shadows-clipping=";
  text.append(format_number(params.shadows_clipping));
  text.append(" target-background=").append(format_number(params.target_background));
  text.append(params.linked ? " linked" : " unlinked");
  return text;
}

}  // namespace astropack
