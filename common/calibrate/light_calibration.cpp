// SPDX-License-Identifier: GPL-3.0-or-later
// Light-frame calibration; formulas and conventions in light_calibration.hpp.
#include "astropack/light_calibration.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>
#include <utility>

#include "astropack/error.hpp"
#include "calibration_support.hpp"

namespace astropack {

namespace {

using calibrate_detail::for_each_row;
using calibrate_detail::geometry_text;
using calibrate_detail::number_text;

std::string file_name(const std::filesystem::path& file) {
  return file.empty() ? std::string("(unnamed)") : file.string();
}

// Throws when `other` does not have the geometry of `reference`.
void require_same_geometry(const Image& other, const std::filesystem::path& other_file,
                           std::size_t width, std::size_t height, std::size_t channels,
                           const std::filesystem::path& reference_file, std::string_view what) {
  if (other.width() == width && other.height() == height && other.channels() == channels) return;
  std::string sentence = "is ";
  sentence.append(geometry_text(other.width(), other.height(), other.channels()));
  sentence.append(" but ").append(what).append(" ").append(file_name(reference_file));
  sentence.append(" is ").append(geometry_text(width, height, channels));
  sentence.append("; calibration frames must come from the same camera, binning and crop "
                  "as the lights.");
  throw Error(ErrorKind::InvalidInput, other_file, sentence);
}

// Throws when both headers name a Bayer pattern and the phases of stored pixel (0, 0) differ.
void require_same_cfa(const Header& frame, const std::filesystem::path& frame_file,
                      const Header& reference, const std::filesystem::path& reference_file,
                      std::size_t height, std::size_t channels, std::string_view what) {
  const auto a = phase_at_origin(frame, height);
  const auto b = phase_at_origin(reference, height);
  // A frame without BAYERPAT is accepted beside a CFA one (some programs drop it).
  if (!a || !b || *a == *b || channels != 1) return;
  std::string sentence = "has the Bayer pattern ";
  sentence.append(to_string(*a)).append(" at its first stored pixel but ");
  sentence.append(what).append(" ").append(file_name(reference_file));
  sentence.append(" has ").append(to_string(*b));
  sentence.append(" (BAYERPAT, XBAYROFF, YBAYROFF and ROWORDER decide it); calibrate with "
                  "masters from the same camera and crop, or fix the headers.");
  throw Error(ErrorKind::InvalidInput, frame_file, sentence);
}

bool nearly_equal(double a, double b) { return std::fabs(a - b) <= 1e-3 * std::max(std::fabs(a), std::fabs(b)); }

struct Moments {
  double n = 0, sa = 0, st = 0, saa = 0, stt = 0, sat = 0;
  void add(const Moments& o) {
    n += o.n;
    sa += o.sa;
    st += o.st;
    saa += o.saa;
    stt += o.stt;
    sat += o.sat;
  }
};

}  // namespace

std::string_view to_string(DarkScaling scaling) noexcept {
  switch (scaling) {
    case DarkScaling::None: return "none";
    case DarkScaling::Exposure: return "exposure";
    case DarkScaling::Optimise: return "optimise";
  }
  return "none";
}

std::optional<DarkScaling> parse_dark_scaling(std::string_view text) noexcept {
  if (text == "none") return DarkScaling::None;
  if (text == "exposure") return DarkScaling::Exposure;
  if (text == "optimise" || text == "optimize") return DarkScaling::Optimise;
  return std::nullopt;
}

void CalibrationParams::validate() const {
  auto require = [](bool ok, std::string sentence) {
    if (!ok) throw Error(ErrorKind::InvalidArgument, std::move(sentence));
  };
  require(std::isfinite(pedestal) && pedestal >= -1.0 && pedestal <= 1.0,
          "the pedestal must be between -65535 and 65535 ADU; got " +
              number_text(pedestal * 65535.0) + ".");
  require(temperature_tolerance >= 0.0, "the temperature tolerance must not be negative.");
  require(negative_warning_fraction >= 0.0 && negative_warning_fraction <= 1.0,
          "the negative-pixel warning fraction must be between 0 and 1.");
  require(optimise_low >= 0.0 && optimise_low < optimise_high && optimise_high <= 10.0,
          "the dark optimisation range must satisfy 0 <= low < high <= 10.");
  require(optimise_box >= 16, "the dark optimisation box must be at least 16 pixels wide.");
}

double central_third_mean(ConstImageView image) {
  const std::size_t w = image.width(), h = image.height();
  std::size_t x0 = w / 3, y0 = h / 3, cw = w / 3, ch = h / 3;
  if (cw == 0 || ch == 0) x0 = 0, y0 = 0, cw = w, ch = h;
  double sum = 0.0;
  std::size_t count = 0;
  for (std::size_t y = y0; y < y0 + ch; ++y) {
    const float* row = image.row(0, y);
    double row_sum = 0.0;
    for (std::size_t x = x0; x < x0 + cw; ++x) {
      if (!std::isfinite(row[x])) continue;
      row_sum += row[x];
      ++count;
    }
    sum += row_sum;
  }
  return count == 0 ? std::nan("") : sum / static_cast<double>(count);
}

CfaEqualisation equalize_cfa_flat(ImageView flat, std::optional<CfaPattern> origin) {
  if (flat.channels() != 1 || flat.width() < 2 || flat.height() < 2)
    throw Error(ErrorKind::InvalidInput,
                "CFA equalisation needs a one-channel CFA flat of at least 2 x 2 pixels.");
  const std::size_t w = flat.width(), h = flat.height();
  std::size_t x0 = w / 3, y0 = h / 3, cw = w / 3, ch = h / 3;
  if (cw < 2 || ch < 2) x0 = 0, y0 = 0, cw = w, ch = h;
  std::array<double, 4> sum{}, count{};
  for (std::size_t y = y0; y < y0 + ch; ++y) {
    const float* row = flat.row(0, y);
    for (std::size_t x = x0; x < x0 + cw; ++x) {
      if (!std::isfinite(row[x])) continue;
      const std::size_t cell = (y % 2) * 2 + x % 2;
      sum[cell] += row[x];
      count[cell] += 1.0;
    }
  }
  std::array<double, 4> mean{};
  for (int c = 0; c < 4; ++c) mean[c] = count[c] > 0 ? sum[c] / count[c] : 0.0;

  bool green_main;  // greens at cells (0,0) and (1,1)
  if (origin) {
    green_main = cfa_color(*origin, 0, 0) == CfaColor::Green;
  } else {
    auto spread = [](double a, double b) {
      return a + b > 0 ? std::fabs(a - b) / (a + b) : 1.0;
    };
    green_main = spread(mean[0], mean[3]) < spread(mean[1], mean[2]);
  }
  const int g1 = green_main ? 0 : 1, g2 = green_main ? 3 : 2;
  const double green = 0.5 * (mean[g1] + mean[g2]);
  CfaEqualisation result;
  for (int c = 0; c < 4; ++c) {
    if (c == g1 || c == g2) continue;
    if (green > 0 && mean[c] > 0) result.factor[c] = mean[c] / green;
  }
  const std::array<float, 4> inverse = {
      static_cast<float>(1.0 / result.factor[0]), static_cast<float>(1.0 / result.factor[1]),
      static_cast<float>(1.0 / result.factor[2]), static_cast<float>(1.0 / result.factor[3])};
  for_each_row(h, flat.pixel_count(), [&](std::size_t y) {
    float* row = flat.row(0, y);
    const float even = inverse[(y % 2) * 2], odd = inverse[(y % 2) * 2 + 1];
    for (std::size_t x = 0; x < w; x += 2) row[x] *= even;
    for (std::size_t x = 1; x < w; x += 2) row[x] *= odd;
  });
  return result;
}

double optimise_dark_scale(ConstImageView light, ConstImageView bias, ConstImageView thermal,
                           double low, double high, std::size_t box) {
  const std::size_t w = light.width(), h = light.height();
  const std::size_t bw = std::min(box, w), bh = std::min(box, h);
  const std::size_t x0 = (w - bw) / 2, y0 = (h - bh) / 2;
  const bool has_bias = !bias.empty();
  // Per channel, the moments of the horizontal first differences of
  // a = light - bias and t = thermal: differences measure the noise without the
  // smooth signal (vignetting, gradients, glow) that would otherwise correlate
  // with the dark by chance and pull k away. Sums are per row, then in row order.
  std::vector<Moments> moments(light.channels());
  for (std::size_t c = 0; c < light.channels(); ++c) {
    std::vector<Moments> rows(bh);
    for_each_row(bh, bw * bh, [&](std::size_t r) {
      const std::size_t y = y0 + r;
      const float* l = light.row(c, y);
      const float* b = has_bias ? bias.row(c, y) : nullptr;
      const float* t = thermal.row(c, y);
      Moments m;
      for (std::size_t x = x0; x + 1 < x0 + bw; ++x) {
        const double a = (double(l[x + 1]) - double(l[x])) -
                         (b ? double(b[x + 1]) - double(b[x]) : 0.0);
        const double d = double(t[x + 1]) - double(t[x]);
        if (!std::isfinite(a) || !std::isfinite(d)) continue;
        m.n += 1;
        m.sa += a;
        m.st += d;
        m.saa += a * a;
        m.stt += d * d;
        m.sat += a * d;
      }
      rows[r] = m;
    });
    for (const Moments& m : rows) moments[c].add(m);
  }
  // sigma_c(k)^2 = var(a) - 2 k cov(a, t) + k^2 var(t), population moments.
  auto noise = [&](double k) {
    double sum = 0.0;
    for (const Moments& m : moments) {
      if (m.n < 2) continue;
      const double ma = m.sa / m.n, mt = m.st / m.n;
      const double var_a = m.saa / m.n - ma * ma;
      const double var_t = m.stt / m.n - mt * mt;
      const double cov = m.sat / m.n - ma * mt;
      sum += std::sqrt(std::max(0.0, var_a - 2.0 * k * cov + k * k * var_t));
    }
    return sum;
  };
  // Golden-section search, as Siril's -opt (which stops at a tolerance of 1e-3).
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = low, b = high;
  double c = b - ratio * (b - a), d = a + ratio * (b - a);
  double fc = noise(c), fd = noise(d);
  while (b - a > 1e-4) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = noise(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = noise(d);
    }
  }
  return 0.5 * (a + b);
}

PreparedCalibration prepare_calibration(CalibrationMasters masters,
                                        const CalibrationParams& params) {
  params.validate();
  PreparedCalibration p;
  p.m_params = params;

  // The first master present fixes the geometry the others must have.
  const MasterFrame* reference = nullptr;
  const char* reference_kind = "";
  for (auto [frame, kind] : {std::pair{&masters.bias, "the master bias"},
                             std::pair{&masters.dark, "the master dark"},
                             std::pair{&masters.flat, "the master flat"}}) {
    if (!frame->has_value()) continue;
    const MasterFrame& m = **frame;
    if (m.image.empty())
      throw Error(ErrorKind::InvalidInput, m.file, "is an empty image; it cannot be a master.");
    if (!reference) {
      reference = &m;
      reference_kind = kind;
      continue;
    }
    require_same_geometry(m.image, m.file, reference->image.width(), reference->image.height(),
                          reference->image.channels(), reference->file, reference_kind);
    require_same_cfa(m.image.header(), m.file, reference->image.header(), reference->file,
                     m.image.height(), m.image.channels(), reference_kind);
  }
  if (reference) {
    p.m_width = reference->image.width();
    p.m_height = reference->image.height();
    p.m_channels = reference->image.channels();
  }

  p.m_has_bias = masters.bias.has_value();
  p.m_has_dark = masters.dark.has_value();
  p.m_has_flat = masters.flat.has_value();
  if (masters.bias) {
    p.m_bias_header = masters.bias->image.header();
    p.m_bias_file = masters.bias->file;
    p.m_history.push_back("astropack calibrate: master bias " +
                          masters.bias->file.filename().string());
  }
  if (masters.dark) {
    p.m_dark_header = masters.dark->image.header();
    p.m_dark_file = masters.dark->file;
    std::string line = "astropack calibrate: master dark " + masters.dark->file.filename().string();
    if (masters.bias) {
      const double dark_level = calibrate_detail::sampled_median(masters.dark->image.view());
      const double bias_level = calibrate_detail::sampled_median(masters.bias->image.view());
      // A dark already stripped of its bias sits near 0, far below the bias level.
      p.m_dark_bias_free = bias_level > 0 && dark_level < 0.5 * bias_level;
      p.m_thermal = std::move(masters.dark->image);
      if (!p.m_dark_bias_free) {
        const Image& bias = masters.bias->image;
        for_each_row(p.m_height, p.m_thermal.samples().size(), [&](std::size_t y) {
          for (std::size_t c = 0; c < p.m_channels; ++c) {
            float* t = p.m_thermal.row(c, y);
            const float* b = bias.row(c, y);
            for (std::size_t x = 0; x < p.m_width; ++x) t[x] -= b[x];
          }
        });
      } else {
        line.append(" (bias-free)");
      }
    } else {
      if (params.dark_scaling == DarkScaling::Optimise) {
        throw Error(ErrorKind::InvalidArgument, masters.dark->file,
                    "optimising the dark scale needs the master bias too (--bias), because "
                    "only the thermal part of a dark scales; give the bias or choose another "
                    "dark scaling.");
      }
      p.m_dark_only = true;
      p.m_bias = std::move(masters.dark->image);
    }
    p.m_history.push_back(line);
  }
  if (masters.bias) p.m_bias = std::move(masters.bias->image);

  if (masters.flat) {
    Image& flat = masters.flat->image;
    p.m_flat_header = flat.header();
    p.m_flat_file = masters.flat->file;
    std::string line = "astropack calibrate: master flat " + masters.flat->file.filename().string();
    if (params.equalize_cfa) {
      if (flat.channels() != 1) {
        throw Error(ErrorKind::InvalidArgument, masters.flat->file,
                    "has 3 channels; CFA equalisation needs the flat as a one-channel CFA "
                    "mosaic.");
      }
      p.m_equalisation =
          equalize_cfa_flat(flat.view(), phase_at_origin(flat.header(), flat.height()));
      line.append(", CFA equalised");
    }
    const double mean = central_third_mean(flat.view());
    if (!(mean > 0.0) || !std::isfinite(mean)) {
      throw Error(ErrorKind::InvalidInput, masters.flat->file,
                  "has no positive mean in the centre of the frame, so it cannot be a flat; "
                  "check that it is the master flat and that it was not over-corrected.");
    }
    p.m_flat_mean = mean;
    line.append(", normalised by ").append(number_text(mean, 5));
    std::vector<std::size_t> bad(flat.height(), 0);
    for_each_row(flat.height(), flat.samples().size(), [&](std::size_t y) {
      std::size_t count = 0;
      for (std::size_t c = 0; c < flat.channels(); ++c) {
        float* row = flat.row(c, y);
        for (std::size_t x = 0; x < flat.width(); ++x) {
          const float v = row[x];
          if (std::isfinite(v) && v > 0.0f) {
            row[x] = static_cast<float>(mean / v);
          } else {
            row[x] = 0.0f;
            ++count;
          }
        }
      }
      bad[y] = count;
    });
    for (std::size_t n : bad) p.m_flat_bad += n;
    p.m_flat_gain = std::move(flat);
    p.m_history.push_back(line);
  }
  if (params.pedestal != 0.0)
    p.m_history.push_back("astropack calibrate: pedestal " +
                          number_text(params.pedestal * 65535.0) + " ADU");
  return p;
}

LightCalibrationResult calibrate_light(Image light, const std::filesystem::path& light_file,
                                       const PreparedCalibration& p) {
  const CalibrationParams& params = p.m_params;
  LightCalibrationResult result;
  if (light.empty()) throw Error(ErrorKind::InvalidInput, light_file, "is an empty image.");

  // Every master must match the light.
  for (auto [header, file, kind, present] :
       {std::tuple{&p.m_bias_header, &p.m_bias_file, "the master bias", p.m_has_bias},
        std::tuple{&p.m_dark_header, &p.m_dark_file, "the master dark", p.m_has_dark},
        std::tuple{&p.m_flat_header, &p.m_flat_file, "the master flat", p.m_has_flat}}) {
    if (!present) continue;
    if (light.width() != p.m_width || light.height() != p.m_height ||
        light.channels() != p.m_channels) {
      std::string sentence = "is ";
      sentence.append(geometry_text(light.width(), light.height(), light.channels()));
      sentence.append(" but ").append(kind).append(" ").append(file_name(*file));
      sentence.append(" is ").append(geometry_text(p.m_width, p.m_height, p.m_channels));
      sentence.append("; calibration frames must come from the same camera, binning and crop "
                      "as the lights.");
      throw Error(ErrorKind::InvalidInput, light_file, sentence);
    }
    require_same_cfa(light.header(), light_file, *header, *file, light.height(),
                     light.channels(), kind);
    // A CFA master for a light without a pattern is a mix-up too.
    if (!light.header().is_cfa() && phase_at_origin(*header, light.height()) &&
        light.channels() == 1) {
      std::string sentence = "has no Bayer pattern but ";
      sentence.append(kind).append(" ").append(file_name(*file));
      sentence.append(" is a CFA frame; calibrate with masters from the same camera, or fix "
                      "the BAYERPAT keyword.");
      throw Error(ErrorKind::InvalidInput, light_file, sentence);
    }
  }

  // The dark scale.
  const bool has_dark = p.m_has_dark;
  double k = has_dark ? 1.0 : 0.0;
  std::string scale_note;
  if (has_dark) {
    const auto& dark_exposure = p.m_dark_header.exposure;
    const auto& light_exposure = light.header().exposure;
    const bool exposures_differ = dark_exposure && light_exposure && *dark_exposure > 0 &&
                                  !nearly_equal(*dark_exposure, *light_exposure);
    const auto& dark_temperature = p.m_dark_header.temperature;
    const auto& light_temperature = light.header().temperature;
    if (dark_temperature && light_temperature &&
        std::fabs(*dark_temperature - *light_temperature) > params.temperature_tolerance) {
      std::string w = "the master dark ";
      w.append(p.m_dark_file.filename().string()).append(" was taken at ");
      w.append(number_text(*dark_temperature, 3)).append(" C and this light at ");
      w.append(number_text(*light_temperature, 3)).append(" C, more than ");
      w.append(number_text(params.temperature_tolerance, 3));
      w.append(" C apart, so its thermal signal will not match; use darks taken at the "
               "light's temperature.");
      result.warnings.push_back(w);
    }
    switch (params.dark_scaling) {
      case DarkScaling::None:
        if (exposures_differ) {
          std::string w = "the master dark ";
          w.append(p.m_dark_file.filename().string()).append(" has a ");
          w.append(number_text(*dark_exposure, 4)).append(" s exposure and this light ");
          w.append(number_text(*light_exposure, 4));
          w.append(" s; the dark is used as it is (--dark-scaling exposure would scale it).");
          result.warnings.push_back(w);
        }
        break;
      case DarkScaling::Exposure:
        if (exposures_differ) {
          if (p.m_dark_only) {
            std::string sentence = "has a ";
            sentence.append(number_text(*light_exposure, 4)).append(" s exposure and the "
                                                                    "master dark ");
            sentence.append(file_name(p.m_dark_file)).append(" ");
            sentence.append(number_text(*dark_exposure, 4));
            sentence.append(" s; scaling the dark by exposure needs the master bias (--bias), "
                            "or use the dark as it is with --dark-scaling none.");
            throw Error(ErrorKind::InvalidArgument, light_file, sentence);
          }
          k = *light_exposure / *dark_exposure;
          scale_note = " (exposure ratio)";
        }
        break;
      case DarkScaling::Optimise:
        k = optimise_dark_scale(light.view(), p.m_bias.view(), p.m_thermal.view(),
                                params.optimise_low, params.optimise_high, params.optimise_box);
        scale_note = " (optimised)";
        break;
    }
  }
  result.dark_scale = k;

  // In place: each sample is read once and written once.
  Image out = std::move(light);
  const bool subtracts = !p.m_bias.empty() || !p.m_thermal.empty();
  const bool has_thermal = !p.m_thermal.empty();
  const bool has_flat = !p.m_flat_gain.empty();
  const float kf = static_cast<float>(k);
  const float pedestal = static_cast<float>(params.pedestal);
  struct RowCounts {
    std::size_t finite = 0, negative = 0, no_data = 0;
  };
  std::vector<RowCounts> counts(out.height());
  for_each_row(out.height(), out.samples().size(), [&](std::size_t y) {
    RowCounts rc;
    for (std::size_t c = 0; c < out.channels(); ++c) {
      const float* b = p.m_bias.empty() ? nullptr : p.m_bias.row(c, y);
      const float* t = has_thermal ? p.m_thermal.row(c, y) : nullptr;
      const float* g = has_flat ? p.m_flat_gain.row(c, y) : nullptr;
      float* o = out.row(c, y);
      for (std::size_t x = 0; x < out.width(); ++x) {
        float v = o[x];
        if (b) v -= b[x];
        if (t) v -= kf * t[x];
        if (subtracts && std::isfinite(v)) {
          ++rc.finite;
          if (v < 0.0f) ++rc.negative;
        }
        if (g) {
          if (g[x] == 0.0f) {
            o[x] = 0.0f;
            ++rc.no_data;
            continue;
          }
          v *= g[x];
        }
        v += pedestal;
        o[x] = v == 0.0f ? kSmallestValue : v;
      }
    }
    counts[y] = rc;
  });
  std::size_t finite = 0;
  for (const RowCounts& rc : counts) {
    finite += rc.finite;
    result.negative_pixels += rc.negative;
    result.no_data_pixels += rc.no_data;
  }
  result.negative_fraction =
      finite > 0 ? static_cast<double>(result.negative_pixels) / static_cast<double>(finite) : 0.0;
  if (subtracts && result.negative_fraction > params.negative_warning_fraction) {
    std::string w = number_text(100.0 * result.negative_fraction, 3);
    w.append(" % of the pixels are negative after ");
    w.append(has_dark ? "dark" : "bias");
    w.append(" subtraction: the calibration frames are probably incorrect (a dark longer, "
             "warmer or brighter than the light, or masters from another camera setting).");
    result.warnings.push_back(w);
  }
  if (result.no_data_pixels > 0) {
    std::string w = std::to_string(result.no_data_pixels);
    w.append(" pixels have no data (set to 0) because the master flat ");
    w.append(p.m_flat_file.filename().string());
    w.append(" is zero, negative or not a number there.");
    result.warnings.push_back(w);
  }

  Header& header = out.header();
  for (const std::string& line : p.m_history) header.history.push_back(line);
  if (has_dark && !p.m_dark_only)
    header.history.push_back("astropack calibrate: dark scale " + number_text(k, 5) + scale_note);
  result.image = std::move(out);
  return result;
}

}  // namespace astropack
