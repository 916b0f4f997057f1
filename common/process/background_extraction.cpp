// SPDX-License-Identifier: GPL-3.0-or-later
// Polynomial background extraction with robust box samples and iterative rejection
// against the fitted surface; see background_extraction.hpp.
#include "astropack/background_extraction.hpp"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <sstream>

#include "astropack/error.hpp"
#include "astropack/statistics.hpp"
#include "describe_number.hpp"

namespace astropack {

void BackgroundParams::validate() const {
  if (degree < 1 || degree > 4)
    throw Error(ErrorKind::InvalidArgument, "the polynomial degree must be between 1 and 4.");
  if (samples_per_row < 4 || samples_per_row > 200)
    throw Error(ErrorKind::InvalidArgument, "the samples per row must be between 4 and 200.");
  if (box_size != 0 && (box_size < 3 || box_size > 201 || box_size % 2 == 0))
    throw Error(ErrorKind::InvalidArgument,
                "the sample box size must be an odd number of pixels between 3 and 201.");
  if (!(high_rejection >= 1.0 && high_rejection <= 10.0) ||
      !(low_rejection >= 1.0 && low_rejection <= 10.0))
    throw Error(ErrorKind::InvalidArgument,
                "the sample rejection thresholds must be between 1 and 10 sigmas.");
}

namespace {

constexpr double kMadToSigma = 1.4826;

// Polynomial terms u^i v^j with i + j <= degree, in a fixed order.
std::size_t term_count(int degree) {
  return static_cast<std::size_t>((degree + 1) * (degree + 2) / 2);
}

void terms(int degree, double u, double v, double* out) {
  std::size_t k = 0;
  double upow = 1.0;
  for (int i = 0; i <= degree; ++i) {
    double term = upow;
    for (int j = 0; j <= degree - i; ++j) {
      out[k++] = term;
      term *= v;
    }
    upow *= u;
  }
}

struct Scaling {
  double cx, cy, sx, sy;
  double u(double x) const { return (x - cx) / sx; }
  double v(double y) const { return (y - cy) / sy; }
};

Scaling scaling_for(std::size_t width, std::size_t height) {
  return {0.5 * (width - 1.0), 0.5 * (height - 1.0), std::max(1.0, 0.5 * (width - 1.0)),
          std::max(1.0, 0.5 * (height - 1.0))};
}

struct BoxValue {
  double median = std::nan("");
  double noise = std::nan("");  // standard error of the median
};

// Median after 3 passes of clipping at 3 robust sigmas, and its standard error
// (1.2533 sigma / sqrt(n) for a normal sample); NaN when fewer than a third of the
// box is finite.
BoxValue clipped_box_median(ConstImageView channel, std::size_t x0, std::size_t y0,
                            std::size_t size, std::vector<float>& values) {
  values.clear();
  for (std::size_t y = y0; y < y0 + size; ++y) {
    const float* row = channel.row(0, y);
    for (std::size_t x = x0; x < x0 + size; ++x)
      if (std::isfinite(row[x])) values.push_back(row[x]);
  }
  if (values.size() * 3 < size * size || values.empty()) return {};
  double median = median_in_place(values);
  double sigma = kMadToSigma * mad_about(values, median);
  for (int pass = 0; pass < 3 && sigma > 0.0; ++pass) {
    const auto end = std::remove_if(values.begin(), values.end(),
                                    [&](float v) { return std::fabs(v - median) > 3.0 * sigma; });
    if (end == values.end()) break;
    values.erase(end, values.end());
    if (values.empty()) return {};
    median = median_in_place(values);
    sigma = kMadToSigma * mad_about(values, median);
  }
  return {median, 1.2533 * sigma / std::sqrt(static_cast<double>(values.size()))};
}

struct Box {
  std::size_t x0, y0;         // corner in stored coordinates
  double cx, cy;              // centre
  std::vector<double> value;  // per channel
  double level = 0.0;         // mean of the channels
  double noise = 0.0;         // standard error of `level`
  bool valid = true;
  bool used = true;
  double weight = 1.0;  // in the least squares
};

std::size_t box_size_for(const BackgroundParams& p, std::size_t w, std::size_t h) {
  std::size_t size = p.box_size;
  if (size == 0) {
    const double spacing = static_cast<double>(w) / static_cast<double>(p.samples_per_row);
    size = std::min<std::size_t>(25, static_cast<std::size_t>(spacing));
    if (size % 2 == 0) --size;
    size = std::max<std::size_t>(size, 3);
  }
  return std::min({size, w, h});
}

std::vector<Box> make_boxes(ConstImageView image, const BackgroundParams& p, std::size_t size) {
  const std::size_t w = image.width(), h = image.height();
  const double spacing = static_cast<double>(w) / static_cast<double>(p.samples_per_row);
  std::vector<Box> boxes;
  auto add = [&](double cx, double cy) {
    const double half = 0.5 * (size - 1.0);
    const double x0 = std::clamp(std::round(cx - half), 0.0, double(w - size));
    const double y0 = std::clamp(std::round(cy - half), 0.0, double(h - size));
    Box box;
    box.x0 = static_cast<std::size_t>(x0);
    box.y0 = static_cast<std::size_t>(y0);
    box.cx = x0 + half;
    box.cy = y0 + half;
    boxes.push_back(std::move(box));
  };
  if (!p.user_samples.empty()) {
    for (const SamplePoint& s : p.user_samples) {
      if (!(s.x >= 0 && s.x <= w - 1.0 && s.y >= 0 && s.y <= h - 1.0)) {
        std::string sentence = "the sample point (";
        sentence.append(compositing_detail::number_text(s.x)).append(", ");
        sentence.append(compositing_detail::number_text(s.y));
        sentence.append(") lies outside the ").append(std::to_string(w)).append(" x ");
        sentence.append(std::to_string(h)).append(" image.");
        throw Error(ErrorKind::InvalidArgument, sentence);
      }
      add(s.x, (h - 1.0) - s.y);  // picture rows run top-down, stored rows bottom-up
    }
    return boxes;
  }
  const std::size_t rows =
      std::max<std::size_t>(2, static_cast<std::size_t>(std::round(h / spacing)));
  for (std::size_t j = 0; j < rows; ++j)
    for (std::size_t i = 0; i < p.samples_per_row; ++i)
      add((i + 0.5) * spacing, (j + 0.5) * static_cast<double>(h) / static_cast<double>(rows));
  return boxes;
}

void measure_boxes(ConstImageView image, std::vector<Box>& boxes, std::size_t size) {
  const long count = static_cast<long>(boxes.size());
  const std::size_t channels = image.channels();
#pragma omp parallel default(none) shared(image, boxes) firstprivate(count, channels, size)
  {
    std::vector<float> scratch;
#pragma omp for schedule(dynamic, 4)
    for (long i = 0; i < count; ++i) {
      Box& box = boxes[static_cast<std::size_t>(i)];
      box.value.resize(channels);
      double sum = 0.0, variance = 0.0;
      for (std::size_t c = 0; c < channels; ++c) {
        const BoxValue v = clipped_box_median(image.plane(c), box.x0, box.y0, size, scratch);
        box.value[c] = v.median;
        sum += v.median;
        variance += v.noise * v.noise;
      }
      box.level = sum / static_cast<double>(channels);
      box.noise = std::sqrt(variance) / static_cast<double>(channels);
      box.valid = std::isfinite(box.level);
      box.used = box.valid;
    }
  }
}

// Least-squares coefficients of the polynomial through the used boxes' values.
std::vector<double> fit(const std::vector<Box>& boxes, int degree, const Scaling& s,
                        const std::function<double(const Box&)>& value) {
  const std::size_t p = term_count(degree);
  std::size_t n = 0;
  for (const Box& b : boxes) n += b.used ? 1 : 0;
  std::unique_ptr<gsl_matrix, decltype(&gsl_matrix_free)> X(gsl_matrix_alloc(n, p),
                                                            gsl_matrix_free);
  std::unique_ptr<gsl_vector, decltype(&gsl_vector_free)> y(gsl_vector_alloc(n), gsl_vector_free);
  std::unique_ptr<gsl_vector, decltype(&gsl_vector_free)> c(gsl_vector_alloc(p), gsl_vector_free);
  std::unique_ptr<gsl_matrix, decltype(&gsl_matrix_free)> cov(gsl_matrix_alloc(p, p),
                                                              gsl_matrix_free);
  std::unique_ptr<gsl_vector, decltype(&gsl_vector_free)> wt(gsl_vector_alloc(n), gsl_vector_free);
  std::unique_ptr<gsl_multifit_linear_workspace, decltype(&gsl_multifit_linear_free)> work(
      gsl_multifit_linear_alloc(n, p), gsl_multifit_linear_free);
  std::vector<double> row(p);
  std::size_t i = 0;
  for (const Box& b : boxes) {
    if (!b.used) continue;
    terms(degree, s.u(b.cx), s.v(b.cy), row.data());
    for (std::size_t k = 0; k < p; ++k) gsl_matrix_set(X.get(), i, k, row[k]);
    gsl_vector_set(y.get(), i, value(b));
    gsl_vector_set(wt.get(), i, b.weight);
    ++i;
  }
  double chisq = 0.0;
  gsl_multifit_wlinear(X.get(), wt.get(), y.get(), c.get(), cov.get(), &chisq, work.get());
  std::vector<double> coefficients(p);
  for (std::size_t k = 0; k < p; ++k) coefficients[k] = gsl_vector_get(c.get(), k);
  return coefficients;
}

double evaluate(const std::vector<double>& coefficients, int degree, double u, double v) {
  double t[15];
  terms(degree, u, v, t);
  double sum = 0.0;
  for (std::size_t k = 0; k < coefficients.size(); ++k) sum += coefficients[k] * t[k];
  return sum;
}

std::size_t count_used(const std::vector<Box>& boxes) {
  return static_cast<std::size_t>(
      std::count_if(boxes.begin(), boxes.end(), [](const Box& b) { return b.used; }));
}

void require_enough(const std::vector<Box>& boxes, int degree) {
  const std::size_t needed = term_count(degree) + 1;
  const std::size_t used = count_used(boxes);
  if (used >= needed) return;
  std::string sentence = "only ";
  sentence.append(std::to_string(used)).append(" usable background samples for a degree-");
  sentence.append(std::to_string(degree)).append(" polynomial, which needs at least ");
  sentence.append(std::to_string(needed)).append("; lower the degree or give more samples.");
  throw Error(ErrorKind::InvalidInput, sentence);
}

// Grid neighbours (8-connected) of each box; user samples have none.
std::vector<std::vector<std::size_t>> grid_neighbours(std::size_t columns, std::size_t count) {
  std::vector<std::vector<std::size_t>> neighbours(count);
  if (columns == 0) return neighbours;
  const std::size_t rows = count / columns;
  for (std::size_t j = 0; j < rows; ++j)
    for (std::size_t i = 0; i < columns; ++i)
      for (int dj = -1; dj <= 1; ++dj)
        for (int di = -1; di <= 1; ++di) {
          const long ni = long(i) + di, nj = long(j) + dj;
          if ((di || dj) && ni >= 0 && nj >= 0 && ni < long(columns) && nj < long(rows))
            neighbours[j * columns + i].push_back(std::size_t(nj) * columns + std::size_t(ni));
        }
  return neighbours;
}

// One rejection stage at a given degree: fit the mean of the channels, judge every
// valid box against the surface, refit until the kept set stops changing.
void reject_at_degree(std::vector<Box>& boxes, int degree, const BackgroundParams& p,
                      const Scaling& s) {
  const auto level = [](const Box& b) { return b.level; };
  for (int iteration = 0; iteration < 20; ++iteration) {
    require_enough(boxes, degree);
    const std::vector<double> coefficients = fit(boxes, degree, s, level);
    std::vector<float> residuals;
    for (const Box& b : boxes)
      if (b.used)
        residuals.push_back(
            static_cast<float>(b.level - evaluate(coefficients, degree, s.u(b.cx), s.v(b.cy))));
    const double sigma = kMadToSigma * mad_about(residuals, median_in_place(residuals));
    if (!(sigma > 0.0)) return;
    bool changed = false;
    for (Box& b : boxes) {
      if (!b.valid) continue;
      // Every valid box is judged against the current surface, so one dropped
      // early by a surface still pulled by the nebula can come back.
      const double r = b.level - evaluate(coefficients, degree, s.u(b.cx), s.v(b.cy));
      const bool keep = r <= p.high_rejection * sigma && r >= -p.low_rejection * sigma;
      changed |= keep != b.used;
      b.used = keep;
    }
    if (!changed) return;
  }
}

// Last, light that is not sky is always extra light, so among the boxes kept the
// background is their lower envelope: faint nebula wings and halos sit above it,
// noise on both sides. An asymmetric least squares (as for spectral baselines)
// gives boxes more than their statistical error above the surface a weight of
// kAboveWeight, the others 1, and refits until the weights settle. A constant
// offset of about one error remains, which subtraction with keep_level cancels.
constexpr double kAboveWeight = 0.001;

void weight_lower_envelope(std::vector<Box>& boxes, const BackgroundParams& p, const Scaling& s) {
  std::vector<float> errors;
  for (const Box& b : boxes)
    if (b.used && std::isfinite(b.noise)) errors.push_back(static_cast<float>(b.noise));
  const double typical = errors.empty() ? 0.0 : median_in_place(errors);
  for (int iteration = 0; iteration < 50; ++iteration) {
    const std::vector<double> coefficients =
        fit(boxes, p.degree, s, [](const Box& b) { return b.level; });
    bool changed = false;
    for (Box& b : boxes) {
      if (!b.used) continue;
      const double r = b.level - evaluate(coefficients, p.degree, s.u(b.cx), s.v(b.cy));
      const double tolerance = std::isfinite(b.noise) ? std::max(typical, b.noise) : typical;
      const double weight = r > tolerance ? kAboveWeight : 1.0;
      changed |= weight != b.weight;
      b.weight = weight;
    }
    if (!changed) return;
  }
}

// Rejection from a plane up to the requested degree (a plane cannot bend around a
// nebula in the middle of the frame, so it finds the nebula first), then the faint
// wings: the grid neighbours of boxes rejected as too bright are dropped as well,
// when enough boxes remain.
void reject_outliers(std::vector<Box>& boxes, const BackgroundParams& p, const Scaling& s,
                     std::size_t columns) {
  for (int degree = 1; degree <= p.degree; ++degree) reject_at_degree(boxes, degree, p, s);
  const auto neighbours = grid_neighbours(columns, boxes.size());
  const std::vector<double> coefficients =
      fit(boxes, p.degree, s, [](const Box& b) { return b.level; });
  std::vector<bool> bright(boxes.size(), false);
  for (std::size_t i = 0; i < boxes.size(); ++i)
    bright[i] =
        boxes[i].valid && !boxes[i].used &&
        boxes[i].level > evaluate(coefficients, p.degree, s.u(boxes[i].cx), s.v(boxes[i].cy));
  std::vector<Box> trimmed = boxes;
  for (std::size_t i = 0; i < boxes.size(); ++i)
    if (bright[i])
      for (std::size_t n : neighbours[i]) trimmed[n].used = false;
  if (count_used(trimmed) >= 3 * term_count(p.degree)) boxes = std::move(trimmed);
  weight_lower_envelope(boxes, p, s);
}

}  // namespace

BackgroundResult extract_background(ConstImageView image, const BackgroundParams& params,
                                    Progress& progress) {
  params.validate();
  if (image.empty()) throw Error(ErrorKind::InvalidInput, "the image is empty.");
  const std::size_t w = image.width(), h = image.height(), channels = image.channels();
  const std::size_t box_size = box_size_for(params, w, h);
  std::vector<Box> boxes = make_boxes(image, params, box_size);
  measure_boxes(image, boxes, box_size);
  progress.report(0.3, "background samples");
  throw_if_cancelled(progress);

  const Scaling s = scaling_for(w, h);
  if (params.user_samples.empty()) reject_outliers(boxes, params, s, params.samples_per_row);
  require_enough(boxes, params.degree);
  progress.report(0.5, "background fit");
  throw_if_cancelled(progress);

  BackgroundResult result;
  result.corrected = Image(w, h, channels);
  result.model = Image(w, h, channels);
  for (std::size_t c = 0; c < channels; ++c) {
    const std::vector<double> coefficients =
        fit(boxes, params.degree, s, [c](const Box& b) { return b.value[c]; });
    double rms = 0.0;
    std::size_t n = 0;
    for (const Box& b : boxes) {
      if (!b.used) continue;
      const double r = b.value[c] - evaluate(coefficients, params.degree, s.u(b.cx), s.v(b.cy));
      rms += r * r;
      ++n;
    }
    result.residual_rms.push_back(n ? std::sqrt(rms / static_cast<double>(n)) : 0.0);

    ImageView model = result.model.view().plane(c);
    const long rows = static_cast<long>(h);
    const int degree = params.degree;
    std::vector<double> row_sums(h, 0.0);
#pragma omp parallel for schedule(static) default(none) shared(model, coefficients, s, row_sums) \
    firstprivate(rows, w, degree)
    for (long y = 0; y < rows; ++y) {
      float* out = model.row(0, static_cast<std::size_t>(y));
      const double v = s.v(static_cast<double>(y));
      double row_sum = 0.0;
      for (std::size_t x = 0; x < w; ++x) {
        out[x] = static_cast<float>(evaluate(coefficients, degree, s.u(static_cast<double>(x)), v));
        row_sum += out[x];
      }
      row_sums[static_cast<std::size_t>(y)] = row_sum;
    }
    // The mean over the image, rows added in order: the same at any thread count.
    double total = 0.0;
    for (double r : row_sums) total += r;
    const double mean = total / static_cast<double>(w * h);
    ConstImageView in = image.plane(c);
    ImageView out = result.corrected.view().plane(c);
    const bool subtract = params.correction == BackgroundCorrection::Subtract;
    const double level = params.keep_level ? mean : (subtract ? 0.0 : 1.0);
#pragma omp parallel for schedule(static) default(none) shared(model, in, out) \
    firstprivate(rows, w, subtract, level)
    for (long y = 0; y < rows; ++y) {
      const std::size_t row = static_cast<std::size_t>(y);
      const float* m = model.row(0, row);
      const float* v = in.row(0, row);
      float* o = out.row(0, row);
      for (std::size_t x = 0; x < w; ++x)
        o[x] = subtract ? static_cast<float>(v[x] - m[x] + level)
                        : static_cast<float>(v[x] / m[x] * level);
    }
    progress.report(0.5 + 0.5 * static_cast<double>(c + 1) / static_cast<double>(channels),
                    "background correction");
  }
  for (const Box& b : boxes) result.samples.push_back({b.cx, b.cy, b.used});
  result.samples_used = count_used(boxes);
  return result;
}

std::vector<SamplePoint> parse_sample_points(std::string_view text) {
  std::vector<SamplePoint> points;
  std::istringstream lines{std::string(text)};
  std::string line;
  std::size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream fields(line);
    SamplePoint p;
    std::string extra;
    if (!(fields >> p.x >> p.y) || (fields >> extra) || !std::isfinite(p.x) ||
        !std::isfinite(p.y)) {
      std::string sentence = "line ";
      sentence.append(std::to_string(number));
      sentence.append(
          " is not a sample point; write one \"x y\" pair of pixel coordinates per line.");
      throw Error(ErrorKind::InvalidInput, sentence);
    }
    points.push_back(p);
  }
  return points;
}

std::string describe(const BackgroundParams& p) {
  using compositing_detail::number_text;
  std::string text = "background degree=";
  text.append(std::to_string(p.degree));
  text.append(p.correction == BackgroundCorrection::Subtract ? " subtract" : " divide");
  if (p.user_samples.empty()) {
    text.append(" grid=").append(std::to_string(p.samples_per_row));
    text.append(" rejection=").append(number_text(p.high_rejection)).append("/");
    text.append(number_text(p.low_rejection));
  } else {
    text.append(" samples=").append(std::to_string(p.user_samples.size()));
  }
  if (!p.keep_level) text.append(" no-keep-level");
  return text;
}

}  // namespace astropack
