// SPDX-License-Identifier: GPL-3.0-or-later
// The selection plot, drawn with cairo's image surface and toy text API (no
// display needed): four stacked panels sharing the frame axis.
#include "astropack/selection_plot.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/output_file.hpp"
#include "astropack/statistics.hpp"

namespace astropack {

namespace {

constexpr int kWidth = 1400, kHeight = 1100;
constexpr double kLeft = 120, kRight = 90, kTop = 110, kBottom = 70, kGap = 26;

struct Colour {
  double r, g, b;
};
constexpr Colour kInk{0.15, 0.15, 0.18}, kGrid{0.86, 0.86, 0.88}, kKept{0.12, 0.38, 0.72},
    kRejected{0.84, 0.15, 0.12}, kBand{1.0, 0.90, 0.89}, kReference{0.10, 0.60, 0.25},
    kMedian{0.45, 0.45, 0.50};

void set(cairo_t* cr, Colour c, double alpha = 1) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

void text(cairo_t* cr, const std::string& s, double x, double y, double size, double align_x = 0,
          double align_y = 0, bool bold = false) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_move_to(cr, x - align_x * e.width - e.x_bearing, y + align_y * e.height);
  cairo_show_text(cr, s.c_str());
  cairo_new_path(cr);  // no current point left for the next arc to start from
}

// The rejected frames' marker: a red cross of half-size r.
void cross(cairo_t* cr, double x, double y, double r) {
  set(cr, kRejected);
  cairo_set_line_width(cr, 2.5);
  cairo_move_to(cr, x - r, y - r);
  cairo_line_to(cr, x + r, y + r);
  cairo_move_to(cr, x - r, y + r);
  cairo_line_to(cr, x + r, y - r);
  cairo_stroke(cr);
}

// Tick step of 1, 2 or 5 times a power of ten giving about `count` ticks.
double nice_step(double range, double count) {
  if (!(range > 0)) return 1;
  const double raw = range / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * power) return m * power;
  return 10 * power;
}

std::string label(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%g", std::fabs(v) < 1e-12 ? 0.0 : v);
  return s;
}

struct Panel {
  std::string title;
  std::function<double(const SelectedFrame&)> value;
  bool from_zero = false;
  double fixed_high = 0;           // > 0: the axis ends here
  double right_scale = 0;          // > 0: a second axis on the right, value x this
  std::string right_title;
};

class Plot {
 public:
  Plot(cairo_t* cr, const FrameSelection& s) : m_cr(cr), m_s(s) {}

  double x_of(std::size_t index) const {
    const double n = double(m_s.frames.size());
    return kLeft + (double(index) + 0.5) * (kWidth - kLeft - kRight) / n;
  }

  void bands(double top, double bottom) const {
    const double half = 0.5 * (kWidth - kLeft - kRight) / double(m_s.frames.size());
    for (std::size_t i = 0; i < m_s.frames.size(); ++i)
      if (!m_s.frames[i].kept) {
        set(m_cr, kBand);
        cairo_rectangle(m_cr, x_of(i) - half, top, 2 * half, bottom - top);
        cairo_fill(m_cr);
      }
  }

  void panel(const Panel& p, double top, double bottom, bool last) const {
    std::vector<double> values;
    std::vector<float> for_median;
    for (const SelectedFrame& f : m_s.frames)
      if (f.quality.fitted > 0) {
        values.push_back(p.value(f));
        for_median.push_back(float(p.value(f)));
      }
    double low = values.empty() ? 0 : *std::min_element(values.begin(), values.end());
    double high = values.empty() ? 1 : *std::max_element(values.begin(), values.end());
    if (p.from_zero) low = 0;
    if (p.fixed_high > 0) high = std::max(high, p.fixed_high);
    if (!(high > low)) high = low + 1;
    const double pad = 0.08 * (high - low);
    if (!p.from_zero) low -= pad;
    if (!(p.fixed_high > 0) || high > p.fixed_high) high += pad;
    auto y_of = [&](double v) { return bottom - (v - low) / (high - low) * (bottom - top); };

    set(m_cr, {0.98, 0.98, 0.985});
    cairo_rectangle(m_cr, kLeft, top, kWidth - kLeft - kRight, bottom - top);
    cairo_fill(m_cr);
    bands(top, bottom);
    // Grid and left axis labels.
    const double step = nice_step(high - low, 5);
    cairo_set_line_width(m_cr, 1);
    for (double t = std::ceil(low / step) * step; t <= high + 1e-9 * step; t += step) {
      set(m_cr, kGrid);
      cairo_move_to(m_cr, kLeft, std::round(y_of(t)) + 0.5);
      cairo_line_to(m_cr, kWidth - kRight, std::round(y_of(t)) + 0.5);
      cairo_stroke(m_cr);
      set(m_cr, kInk);
      text(m_cr, label(t), kLeft - 8, y_of(t), 14, 1, 0.5);
    }
    if (p.right_scale > 0) {
      const double rstep = nice_step((high - low) * p.right_scale, 5);
      for (double t = std::ceil(low * p.right_scale / rstep) * rstep;
           t <= high * p.right_scale + 1e-9 * rstep; t += rstep) {
        set(m_cr, kInk);
        text(m_cr, label(t), kWidth - kRight + 8, y_of(t / p.right_scale), 14, 0, 0.5);
      }
      vertical_text(p.right_title, kWidth - 22, (top + bottom) / 2);
    }
    vertical_text(p.title, 34, (top + bottom) / 2);
    // The set's median, dashed.
    if (!for_median.empty()) {
      const double median = median_in_place(for_median);
      const double dash[] = {6, 4};
      cairo_set_dash(m_cr, dash, 2, 0);
      set(m_cr, kMedian);
      cairo_move_to(m_cr, kLeft, y_of(median));
      cairo_line_to(m_cr, kWidth - kRight, y_of(median));
      cairo_stroke(m_cr);
      cairo_set_dash(m_cr, nullptr, 0, 0);
      text(m_cr, "median " + label(std::round(median * 1000) / 1000), kWidth - kRight - 6,
           y_of(median) - 5, 12, 1, 0);
    }
    // A thin line through the measured frames, then the markers.
    set(m_cr, kKept, 0.35);
    cairo_set_line_width(m_cr, 1.5);
    bool started = false;
    for (std::size_t i = 0; i < m_s.frames.size(); ++i) {
      if (m_s.frames[i].quality.fitted == 0) continue;
      const double x = x_of(i), y = y_of(p.value(m_s.frames[i]));
      if (started) cairo_line_to(m_cr, x, y);
      else cairo_move_to(m_cr, x, y);
      started = true;
    }
    cairo_stroke(m_cr);
    for (std::size_t i = 0; i < m_s.frames.size(); ++i) {
      const SelectedFrame& f = m_s.frames[i];
      if (f.quality.fitted == 0) continue;
      const double x = x_of(i), y = y_of(p.value(f));
      if (f.kept) {
        set(m_cr, kKept);
        cairo_arc(m_cr, x, y, 5, 0, 2 * M_PI);
        cairo_fill(m_cr);
      } else {
        cross(m_cr, x, y, 6);
      }
      if (int(i) == m_s.reference) {
        set(m_cr, kReference);
        cairo_set_line_width(m_cr, 2.5);
        cairo_arc(m_cr, x, y, 10, 0, 2 * M_PI);
        cairo_stroke(m_cr);
      }
    }
    // Frame border and, under the last panel, the frame numbers.
    set(m_cr, kInk);
    cairo_set_line_width(m_cr, 1);
    cairo_rectangle(m_cr, kLeft + 0.5, top + 0.5, kWidth - kLeft - kRight - 1, bottom - top - 1);
    cairo_stroke(m_cr);
    const std::size_t n = m_s.frames.size();
    const auto tick = std::size_t(std::max(1.0, nice_step(double(n), 12)));
    for (std::size_t i = 0; i < n; ++i) {
      const bool labelled = (i + 1) % tick == 0 || i == 0;
      cairo_move_to(m_cr, std::round(x_of(i)) + 0.5, bottom);
      cairo_line_to(m_cr, std::round(x_of(i)) + 0.5, bottom + (labelled ? 6 : 3));
      cairo_stroke(m_cr);
      if (last && labelled) text(m_cr, std::to_string(i + 1), x_of(i), bottom + 10, 14, 0.5, 1);
    }
  }

  void vertical_text(const std::string& s, double x, double y) const {
    cairo_save(m_cr);
    cairo_translate(m_cr, x, y);
    cairo_rotate(m_cr, -M_PI / 2);
    set(m_cr, kInk);
    text(m_cr, s, 0, 0, 15, 0.5, 0.5, /*bold=*/true);
    cairo_restore(m_cr);
  }

 private:
  cairo_t* m_cr;
  const FrameSelection& m_s;
};

}  // namespace

void write_selection_plot(const std::filesystem::path& png, const FrameSelection& selection) {
  if (selection.frames.empty())
    throw Error(ErrorKind::InvalidArgument, png, "cannot show a selection without frames.");
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, kWidth, kHeight), cairo_surface_destroy);
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> context(cairo_create(surface.get()),
                                                             cairo_destroy);
  cairo_t* cr = context.get();
  set(cr, {1, 1, 1});
  cairo_paint(cr);

  // Title, the rule and the legend.
  const std::size_t kept = selection.kept_count();
  std::string title = "Subframe selection: " + std::to_string(selection.frames.size()) +
                      " frames, " + std::to_string(kept) + " kept";
  if (selection.reference >= 0) {
    title.append(", reference ").append(std::to_string(selection.reference + 1)).append(" (");
    title.append(selection.frames[std::size_t(selection.reference)].file.filename().string());
    title.append(")");
  }
  set(cr, kInk);
  text(cr, title, kLeft, 30, 20, 0, 0.5, /*bold=*/true);
  std::string rule = "rejected when: ";
  rule.append(selection.expression).append("    weights: ");
  rule.append(to_string(selection.weight_mode));
  text(cr, rule, kLeft, 58, 14, 0, 0.5);
  const double legend_y = 86;
  double x = kLeft;
  set(cr, kKept);
  cairo_arc(cr, x + 6, legend_y, 5, 0, 2 * M_PI);
  cairo_fill(cr);
  set(cr, kInk);
  text(cr, "kept", x + 18, legend_y, 14, 0, 0.5);
  x += 90;
  set(cr, kBand);
  cairo_rectangle(cr, x - 4, legend_y - 11, 22, 22);
  cairo_fill(cr);
  cross(cr, x + 7, legend_y, 6);
  set(cr, kInk);
  text(cr, "rejected", x + 26, legend_y, 14, 0, 0.5);
  x += 125;
  set(cr, kReference);
  cairo_arc(cr, x + 8, legend_y, 9, 0, 2 * M_PI);
  cairo_stroke(cr);
  set(cr, kInk);
  text(cr, "reference", x + 24, legend_y, 14, 0, 0.5);
  x += 130;
  const double dash[] = {6, 4};
  cairo_set_dash(cr, dash, 2, 0);
  set(cr, kMedian);
  cairo_set_line_width(cr, 1);
  cairo_move_to(cr, x, legend_y);
  cairo_line_to(cr, x + 30, legend_y);
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  set(cr, kInk);
  text(cr, "median of the set", x + 38, legend_y, 14, 0, 0.5);

  // The arcsec axis when every measured frame has the same image scale.
  double scale = 0;
  bool one_scale = true;
  for (const SelectedFrame& f : selection.frames) {
    if (f.quality.fitted == 0) continue;
    if (scale == 0) scale = f.quality.arcsec_per_px;
    one_scale &= std::fabs(f.quality.arcsec_per_px - scale) <= 1e-6 * scale;
  }
  if (!one_scale) scale = 0;
  const Panel panels[] = {
      {"FWHM (px)", [](const SelectedFrame& f) { return f.quality.fwhm; }, false, 0, scale,
       "FWHM (arcsec)"},
      {"eccentricity", [](const SelectedFrame& f) { return f.quality.eccentricity; }, true, 1, 0,
       ""},
      {"stars", [](const SelectedFrame& f) { return double(f.quality.stars); }, true, 0, 0, ""},
      {"weight (kept: mean 1)",
       [](const SelectedFrame& f) { return f.kept ? f.weight : f.metrics.weight; }, true, 0, 0,
       ""},
  };
  const double height = (kHeight - kTop - kBottom - 3 * kGap) / 4;
  Plot plot(cr, selection);
  for (int k = 0; k < 4; ++k) {
    const double top = kTop + k * (height + kGap);
    plot.panel(panels[k], top, top + height, k == 3);
  }
  set(cr, kInk);
  text(cr, "frame", kLeft + (kWidth - kLeft - kRight) / 2, kHeight - 18, 15, 0.5, 0, true);

  cairo_surface_flush(surface.get());
  OutputFile out(png);
  if (cairo_surface_write_to_png(surface.get(), out.temporary().c_str()) != CAIRO_STATUS_SUCCESS)
    throw Error(ErrorKind::Unwritable, png, "could not be written (disk full?).");
  out.commit();
}

}  // namespace astropack
