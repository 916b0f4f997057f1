// SPDX-License-Identifier: GPL-3.0-or-later
// Drizzle: every input pixel's shrunk square, mapped through the frame's
// homography onto the fine output grid, is a convex quadrilateral; its exact
// overlap with each output pixel it touches is the sum, over its four edges,
// of the signed area between the edge and the pixel's lower side, both
// clipped to the pixel (the trapezoid form of the shoelace formula). Under an
// affine map all those quadrilaterals are one parallelogram moved about, so its
// edges are prepared once per frame.
//
// Threads own horizontal stripes of the output. A stripe visits the input
// pixels that can reach it in row-major order, frame after frame, so every
// output pixel adds its drops in one fixed order whatever the thread count.
#include "astropack/drizzle.hpp"

#include <algorithm>
#include <cmath>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "astropack/cfa.hpp"
#include "astropack/error.hpp"

namespace astropack {

namespace {

// Output rows per stripe: small enough for two threads to share a narrow
// frame evenly, tall enough that the input rows reaching two stripes (which
// both visit) stay a small part of the work.
constexpr std::size_t kStripeRows = 32;

// clamp(y, 0, 1) as min and max, which compile without branches.
inline double unit_clamp(double y) noexcept { return std::min(std::max(y, 0.0), 1.0); }

// Antiderivative of clamp(y, 0, 1): 0 below 0, y^2 / 2 up to 1, y - 1/2 above.
inline double clamp_antiderivative(double y) noexcept {
  const double c = unit_clamp(y);
  return 0.5 * c * c + std::max(y - 1.0, 0.0);
}

// Edges whose rise over their whole run is below this (output pixels) count as
// flat: the midpoint rule is then exact to 1e-9, where the antiderivative
// difference would cancel.
constexpr double kFlatRise = 1e-7;

// An edge of a dropped pixel that is not vertical, stored from its left end.
struct Edge {
  double x_left = 0, x_right = 0, y_left = 0, slope = 0;
  // Orientation x direction (+1 when the outline runs towards +x), over the
  // slope; or for a flat edge without the slope.
  double factor = 0;
  bool flat = false;
};

// A dropped pixel in output coordinates.
struct Quad {
  Edge edges[4];
  int edge_count = 0;
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
  double area = 0;  // > 0
};

// False for a degenerate (or not finite) quadrilateral.
bool make_quad(const Point2 (&c)[4], Quad& q) noexcept {
  double twice_area = 0.0;
  for (int k = 0; k < 4; ++k) {
    const Point2& n = c[(k + 1) & 3];
    twice_area += c[k].x * n.y - n.x * c[k].y;
  }
  if (!(std::abs(twice_area) > 0.0) || !std::isfinite(twice_area)) return false;
  // The edge integrals sum to minus the area for a counter-clockwise outline.
  const double orientation = twice_area > 0.0 ? -1.0 : 1.0;
  q.area = 0.5 * std::abs(twice_area);
  q.edge_count = 0;
  for (int k = 0; k < 4; ++k) {
    const Point2& p = c[k];
    const Point2& n = c[(k + 1) & 3];
    if (p.x == n.x) continue;  // adds nothing
    Edge& e = q.edges[q.edge_count++];
    const bool rightwards = n.x > p.x;
    const Point2& left = rightwards ? p : n;
    const Point2& right = rightwards ? n : p;
    e.x_left = left.x;
    e.x_right = right.x;
    e.y_left = left.y;
    e.slope = (right.y - left.y) / (right.x - left.x);
    e.flat = std::abs(right.y - left.y) < kFlatRise;
    const double direction = orientation * (rightwards ? 1.0 : -1.0);
    e.factor = e.flat ? direction : direction / e.slope;
  }
  q.x_min = std::min({c[0].x, c[1].x, c[2].x, c[3].x});
  q.x_max = std::max({c[0].x, c[1].x, c[2].x, c[3].x});
  q.y_min = std::min({c[0].y, c[1].y, c[2].y, c[3].y});
  q.y_max = std::max({c[0].y, c[1].y, c[2].y, c[3].y});
  return true;
}

// Overlaps of the quad, moved by (dx, dy), with output pixels [u0, u1) x
// [v0, v1), row by row into `areas`. Per pixel: the sum over the edges of
// orientation x direction x the integral of clamp(y - v, 0, 1) dx along the
// part of the edge over the pixel's column.
void overlaps(const Quad& q, double dx, double dy, std::size_t u0, std::size_t u1, std::size_t v0,
              std::size_t v1, double* areas) noexcept {
  // An edge over one column: y from y0 to y1 (row v subtracted below); its
  // integral is factor x (H(y1) - H(y0)), H the antiderivative above, or for
  // a flat edge factor x clamp(y) (the run length folded into the factor).
  struct Run {
    double y0, y1, factor;
    bool flat;
  };
  const std::size_t columns = u1 - u0;
  for (std::size_t u = u0; u < u1; ++u) {
    Run runs[4];
    int count = 0;
    const double left = static_cast<double>(u) - dx;
    for (int k = 0; k < q.edge_count; ++k) {
      const Edge& e = q.edges[k];
      const double xl = std::max(e.x_left, left), xr = std::min(e.x_right, left + 1.0);
      if (xl >= xr) continue;
      Run& r = runs[count++];
      r.y0 = e.y_left + e.slope * (xl - e.x_left);
      r.y1 = e.y_left + e.slope * (xr - e.x_left);
      r.flat = e.flat;
      r.factor = e.flat ? e.factor * (xr - xl) : e.factor;
    }
    for (std::size_t v = v0; v < v1; ++v) {
      const double row = static_cast<double>(v) - dy;
      double sum = 0.0;
      for (int k = 0; k < count; ++k) {
        const Run& r = runs[k];
        const double a = r.y0 - row, b = r.y1 - row;
        sum += r.factor * (r.flat ? unit_clamp(0.5 * (a + b))
                                  : clamp_antiderivative(b) - clamp_antiderivative(a));
      }
      areas[(v - v0) * columns + (u - u0)] = unit_clamp(sum);
    }
  }
}

// What one frame contributes and where its samples go.
struct FrameDrop {
  const Image* frame = nullptr;
  Transform::Matrix to_output;  // frame -> output coordinates
  Transform to_frame;           // output -> frame coordinates
  double half = 0.5;            // half the dropped square's side, input pixels
  float weight = 1.0f;
  std::vector<LinearScaling> scaling;  // per input channel, or by CFA colour
  std::optional<CfaPattern> cfa;       // the frame's phase at stored (0, 0)
  ImageView sum, coverage;             // the output accumulators
  // For an affine map every dropped pixel is the same parallelogram, moved:
  // its shape about the pixel's mapped centre (valid = false otherwise).
  bool affine = false;
  bool shape_valid = false;
  Quad shape;
};

Point2 map_point(const Transform::Matrix& m, double x, double y) noexcept {
  const double w = m[6] * x + m[7] * y + m[8];
  return {(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w};
}

// x extent of the part of polygon `p` (closed, n corners) with y in [y0, y1];
// false when there is none.
bool x_extent_in_band(const Point2* p, int n, double y0, double y1, double& x_min,
                      double& x_max) noexcept {
  x_min = INFINITY;
  x_max = -INFINITY;
  for (int k = 0; k < n; ++k) {
    const Point2 a = p[k], b = p[(k + 1) % n];
    // The edge's parameter range [t0, t1] with y inside the band.
    double t0 = 0.0, t1 = 1.0;
    const double dy = b.y - a.y;
    if (dy == 0.0) {
      if (a.y < y0 || a.y > y1) continue;
    } else {
      double ta = (y0 - a.y) / dy, tb = (y1 - a.y) / dy;
      if (ta > tb) std::swap(ta, tb);
      t0 = std::max(t0, ta);
      t1 = std::min(t1, tb);
      if (t0 > t1) continue;
    }
    for (const double t : {t0, t1}) {
      const double x = a.x + t * (b.x - a.x);
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
    }
  }
  return x_min <= x_max;
}

// The value a sample adds, or nothing for no data.
std::optional<float> sample_value(float raw, const LinearScaling& scaling) noexcept {
  if (raw == 0.0f || !std::isfinite(raw)) return std::nullopt;
  return scaling.multiplier * raw + scaling.offset;
}

// Adds each value x the overlap x the frame weight to the pixels of its output
// channel that quad `q`, moved by (dx, dy), covers within rows [v_begin, v_end).
void drop(const FrameDrop& d, const Quad& q, double dx, double dy, std::size_t v_begin,
          std::size_t v_end, const float* values, const std::size_t* channels, int count,
          std::vector<double>& scratch) {
  const double width = static_cast<double>(d.sum.width()), end = static_cast<double>(v_end);
  const double x_min = q.x_min + dx, x_max = q.x_max + dx;
  const double y_min = q.y_min + dy, y_max = q.y_max + dy;
  const auto u0 = static_cast<std::size_t>(std::min(std::max(std::floor(x_min), 0.0), width));
  const auto u1 = static_cast<std::size_t>(std::min(std::max(std::ceil(x_max), 0.0), width));
  const auto v0 =
      std::max(v_begin, static_cast<std::size_t>(std::min(std::max(std::floor(y_min), 0.0), end)));
  const auto v1 =
      std::min(v_end, static_cast<std::size_t>(std::min(std::max(std::ceil(y_max), 0.0), end)));
  if (u0 >= u1 || v0 >= v1) return;
  const std::size_t columns = u1 - u0, cells = columns * (v1 - v0);
  // Most drops touch a few pixels: a buffer on the stack, the scratch beyond.
  constexpr std::size_t kLocalCells = 64;
  double local[kLocalCells];
  double* const areas = cells <= kLocalCells ? local : (scratch.resize(cells), scratch.data());
  const bool inside_one = cells == 1 && x_min >= double(u0) && x_max <= double(u1) &&
                          y_min >= double(v0) && y_max <= double(v1);
  if (inside_one) {
    areas[0] = q.area;
  } else {
    overlaps(q, dx, dy, u0, u1, v0, v1, areas);
  }
  const double* area = areas;
  for (std::size_t v = v0; v < v1; ++v) {
    for (std::size_t u = u0; u < u1; ++u, ++area) {
      if (*area <= 0.0) continue;
      const auto w = static_cast<float>(*area * d.weight);
      for (int k = 0; k < count; ++k) {
        d.sum.at(channels[k], v, u) += values[k] * w;
        d.coverage.at(channels[k], v, u) += w;
      }
    }
  }
}

// Drops every input pixel of the frame that reaches output rows [v_begin, v_end).
void drop_stripe(const FrameDrop& d, std::size_t v_begin, std::size_t v_end) {
  const Image& frame = *d.frame;
  const double out_width = static_cast<double>(d.sum.width());
  // The stripe seen from the frame (a homography keeps it a quadrilateral).
  Point2 region[4] = {
      d.to_frame.apply({0.0, double(v_begin)}), d.to_frame.apply({out_width, double(v_begin)}),
      d.to_frame.apply({out_width, double(v_end)}), d.to_frame.apply({0.0, double(v_end)})};
  double y_min = INFINITY, y_max = -INFINITY;
  for (const Point2& p : region) {
    y_min = std::min(y_min, p.y);
    y_max = std::max(y_max, p.y);
  }
  const double h = d.half;
  const double rows = static_cast<double>(frame.height());
  const double columns = static_cast<double>(frame.width());
  const auto j0 = static_cast<std::size_t>(std::clamp(std::floor(y_min - h), 0.0, rows));
  const auto j1 = static_cast<std::size_t>(std::clamp(std::ceil(y_max + h) + 1.0, 0.0, rows));
  const std::size_t channels = d.cfa ? 1 : frame.channels();
  const auto& m = d.to_output;

  float values[3];
  std::size_t targets[3];
  std::vector<double> scratch;
  for (std::size_t j = j0; j < j1; ++j) {
    const double top = double(j) - h, bottom = double(j) + h;
    double x_lo = 0.0, x_hi = 0.0;
    if (!x_extent_in_band(region, 4, top, bottom, x_lo, x_hi)) continue;
    const auto i0 = static_cast<std::size_t>(std::clamp(std::floor(x_lo - h), 0.0, columns));
    const auto i1 = static_cast<std::size_t>(std::clamp(std::ceil(x_hi + h) + 1.0, 0.0, columns));
    for (std::size_t i = i0; i < i1; ++i) {
      int count = 0;
      if (d.cfa) {
        const auto colour = static_cast<std::size_t>(cfa_color(*d.cfa, j, i));
        const LinearScaling& s = d.scaling.size() == 3 ? d.scaling[colour] : d.scaling[0];
        if (const auto value = sample_value(frame.at(0, j, i), s)) {
          values[0] = *value;
          targets[0] = colour;
          count = 1;
        }
      } else {
        for (std::size_t c = 0; c < channels; ++c) {
          if (const auto value = sample_value(frame.at(c, j, i), d.scaling[c])) {
            values[count] = *value;
            targets[count] = c;
            ++count;
          }
        }
      }
      if (count == 0) continue;
      if (d.affine) {
        if (!d.shape_valid) continue;
        const double x = double(i), y = double(j);
        drop(d, d.shape, m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5], v_begin, v_end,
             values, targets, count, scratch);
        continue;
      }
      const double left = double(i) - h, right = double(i) + h;
      const Point2 corners[4] = {map_point(m, left, top), map_point(m, right, top),
                                 map_point(m, right, bottom), map_point(m, left, bottom)};
      Quad q;
      if (make_quad(corners, q))
        drop(d, q, 0.0, 0.0, v_begin, v_end, values, targets, count, scratch);
    }
  }
}

void check_arguments(const FrameSet& frames, const std::vector<Transform>& transforms,
                     const std::vector<std::vector<LinearScaling>>& scaling,
                     const std::vector<float>& weights, std::size_t width, std::size_t height,
                     const DrizzleOptions& options, bool cfa) {
  const auto refuse = [](std::string sentence) {
    throw Error(ErrorKind::InvalidArgument, std::move(sentence));
  };
  if (options.scale < 1 || options.scale > 3) refuse("the drizzle scale must be 1, 2 or 3.");
  if (!(options.pixfrac > 0.0 && options.pixfrac <= 1.0))
    refuse("the drizzle pixel fraction must be above 0 and at most 1.");
  if (width == 0 || height == 0) refuse("the drizzle reference frame has no pixels.");
  if (frames.size() == 0) refuse("there are no frames to drizzle.");
  if (frames.channels() != 1 && frames.channels() != 3)
    refuse("drizzle takes mono, RGB or CFA frames, not frames with another channel count.");
  if (cfa && frames.channels() != 1)
    refuse("a frame with a Bayer pattern must have a single channel to be drizzled.");
  if (transforms.size() != frames.size())
    refuse("drizzle needs one registration transform per frame.");
  if (!weights.empty() && weights.size() != frames.size())
    refuse("drizzle needs one weight per frame, or none.");
  for (const float w : weights) {
    if (!(w >= 0.0f) || !std::isfinite(w)) refuse("drizzle frame weights must be finite and >= 0.");
  }
  if (!scaling.empty()) {
    if (scaling.size() != frames.size())
      refuse("drizzle needs the normalisation of every frame, or of none.");
    for (const auto& per_frame : scaling) {
      const bool fits = per_frame.size() == frames.channels() || (cfa && per_frame.size() == 3);
      if (!fits) refuse("drizzle needs one normalisation per channel of every frame.");
    }
  }
}

}  // namespace

DrizzleResult drizzle_stack(const FrameSet& frames,
                            const std::vector<Transform>& reference_to_frame,
                            const std::vector<std::vector<LinearScaling>>& scaling,
                            const std::vector<float>& weights, std::size_t reference_width,
                            std::size_t reference_height, const DrizzleOptions& options,
                            Progress& progress) {
  const bool cfa =
      frames.size() > 0 && phase_at_origin(frames.header(0), frames.height()).has_value();
  check_arguments(frames, reference_to_frame, scaling, weights, reference_width, reference_height,
                  options, cfa);
  const auto scale = static_cast<std::size_t>(options.scale);
  const std::size_t out_width = reference_width * scale, out_height = reference_height * scale;
  const std::size_t out_channels = cfa ? 3 : frames.channels();
  DrizzleResult result;
  result.image = Image(out_width, out_height, out_channels);
  result.weight = Image(out_width, out_height, out_channels);

  // Reference -> output: X = scale (x + 0.5), the same in y.
  const double s = options.scale;
  const Transform to_output = Transform::from_matrix({s, 0, s / 2, 0, s, s / 2, 0, 0, 1});
  const Transform from_output = to_output.inverse();

  std::vector<std::size_t> order;  // frames that carry weight
  for (std::size_t f = 0; f < frames.size(); ++f) {
    if (weights.empty() || weights[f] > 0.0f) order.push_back(f);
  }
  const int threads = worker_threads(options.threads);
  const std::size_t stripes = (out_height + kStripeRows - 1) / kStripeRows;
  const auto read = [&frames](std::size_t f) { return frames.read_frame(f); };
  std::future<Image> next;
  if (!order.empty()) next = std::async(std::launch::async, read, order[0]);
  for (std::size_t n = 0; n < order.size(); ++n) {
    throw_if_cancelled(progress);
    const std::size_t f = order[n];
    const Image frame = next.get();
    if (n + 1 < order.size()) next = std::async(std::launch::async, read, order[n + 1]);

    FrameDrop d;
    d.frame = &frame;
    d.to_output = reference_to_frame[f].inverse().then(to_output).matrix();
    d.to_frame = from_output.then(reference_to_frame[f]);
    d.half = options.pixfrac / 2.0;
    d.weight = weights.empty() ? 1.0f : weights[f];
    d.scaling = scaling.empty() ? std::vector<LinearScaling>(frames.channels()) : scaling[f];
    d.cfa = phase_at_origin(frames.header(f), frames.height());
    d.sum = result.image.view();
    d.coverage = result.weight.view();
    d.affine = d.to_output[6] == 0.0 && d.to_output[7] == 0.0 && d.to_output[8] == 1.0;
    if (d.affine) {
      const auto& m = d.to_output;
      const double h = d.half;
      const Point2 corners[4] = {{m[0] * -h + m[1] * -h, m[3] * -h + m[4] * -h},
                                 {m[0] * h + m[1] * -h, m[3] * h + m[4] * -h},
                                 {m[0] * h + m[1] * h, m[3] * h + m[4] * h},
                                 {m[0] * -h + m[1] * h, m[3] * -h + m[4] * h}};
      d.shape_valid = make_quad(corners, d.shape);
    }

#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) default(none) \
    shared(d, stripes, out_height)
    for (std::size_t stripe = 0; stripe < stripes; ++stripe) {
      const std::size_t v0 = stripe * kStripeRows;
      drop_stripe(d, v0, std::min(out_height, v0 + kStripeRows));
    }
    progress.report(double(n + 1) / double(order.size()), "drizzle");
  }

  // Sums become means; where nothing landed stays 0.
  std::vector<float>& values = result.image.samples();
  const std::vector<float>& coverage = result.weight.samples();
  const std::size_t total = values.size();
#pragma omp parallel for schedule(static) num_threads(threads) default(none) \
    shared(values, coverage, total)
  for (std::size_t k = 0; k < total; ++k) {
    values[k] = coverage[k] > 0.0f ? values[k] / coverage[k] : 0.0f;
  }
  return result;
}

}  // namespace astropack
